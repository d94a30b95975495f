"""Rules the launcher needs: the execution must outlive the job, and IAM must be able
to pin the volume key."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, WARNING, RuleContext, Violation, rule

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


@rule(
    "LAUNCH001",
    ERROR,
    "The job can outlast its launcher's execution",
    "Lower max_run/max_wait: with the launch margin they must fit one year",
)
def _fits_one_execution(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    timeout = execution_timeout(spec)
    if timeout > EXECUTION_LIMIT_SECONDS:
        yield (
            "max_run",
            f"received max_run {spec.max_run} and max_wait {spec.max_wait}: with the "
            f"{LAUNCH_MARGIN_SECONDS} s launch margin that is {timeout} s, more than a Step "
            f"Functions execution's {EXECUTION_LIMIT_SECONDS} s",
        )


@rule(
    "LAUNCH101",
    WARNING,
    "The launcher cannot pin a volume key given as an alias or key id",
    "Give volume_kms_key as a key ARN (arn:aws:kms:<region>:<account>:key/<id>)",
)
def _volume_key_arn(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    key = spec.volume_kms_key
    if key is not None and not is_key_arn(key):
        yield (
            "volume_kms_key",
            f"received {key!r}: the sagemaker:VolumeKmsKey condition holds key ARNs, so "
            "the launcher's role allows any volume key for this job",
        )
