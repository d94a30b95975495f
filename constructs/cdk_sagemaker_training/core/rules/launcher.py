"""Rules the launcher needs: the execution must outlive the job, and IAM must be able
to pin the volume key."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_sagemaker_training.core.launch_limits import (
    EXECUTION_LIMIT_SECONDS,
    LAUNCH_MARGIN_SECONDS,
    execution_timeout,
    is_key_arn,
)
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, WARNING, RuleContext, Violation, rule


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
