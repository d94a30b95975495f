"""Limits a launcher lives within: its execution's length and the keys IAM can pin.

Pure (no botocore): the launcher's ASL and statements read these without loading the rules.
"""

from __future__ import annotations

import re

from cdk_sagemaker_training.core.model import JobSpec

LAUNCH_MARGIN_SECONDS = 6 * 3600
"""Execution time beyond the job's own limits, for capacity waits and startup."""
EXECUTION_LIMIT_SECONDS = 365 * 24 * 3600
"""A Standard Step Functions execution runs at most one year."""
_KEY_ARN = re.compile(r"arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/[A-Za-z0-9-]+")


def execution_timeout(spec: JobSpec) -> int:
    """The launcher's `TimeoutSeconds`: run time, spot wait and `LAUNCH_MARGIN_SECONDS`."""
    return spec.max_run + (spec.max_wait or 0) + LAUNCH_MARGIN_SECONDS


def is_key_arn(key: str) -> bool:
    """Whether `key` is a KMS key ARN (not a key id, alias name or alias ARN)."""
    return _KEY_ARN.fullmatch(key) is not None
