"""Live SageMaker warm pools: list them with their cost so far, and release them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from cdk_sagemaker_training.aws.clients import (
    DEFAULT_RETRY,
    Client,
    Retry,
    aws_access,
    error_code,
    error_message,
)
from cdk_sagemaker_training.aws.permissions import USAGE_ACTIONS
from cdk_sagemaker_training.aws.quotas.usage import instances_by_type, list_training_jobs

LIVE_STATUSES = ("Available", "InUse")
"""`WarmPoolStatus.Status` values of pools that still hold instances."""
RELEASE_ACTIONS = ("sagemaker:DescribeTrainingJob", "sagemaker:UpdateTrainingJob")
_NOT_FOUND_CODES = frozenset({"ResourceNotFound", "ValidationException"})


@dataclass(frozen=True, kw_only=True)
class WarmPool:
    """A pool retained after a training job."""

    job_name: str
    instance_type: str
    instance_count: int
    keep_alive_seconds: int
    status: str
    retained_billable_seconds: int

    @property
    def instance_hours(self) -> float:
        """Billed instance-hours of retention so far (billable time x instances)."""
        return self.retained_billable_seconds * self.instance_count / 3600

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "job_name": self.job_name,
            "instance_type": self.instance_type,
            "instance_count": self.instance_count,
            "keep_alive_seconds": self.keep_alive_seconds,
            "status": self.status,
            "retained_billable_seconds": self.retained_billable_seconds,
            "instance_hours": round(self.instance_hours, 4),
        }


class ReleaseOutcome(StrEnum):
    """What `release` did."""

    RELEASED = "released"
    NO_POOL = "no-pool"
    NOT_FOUND = "not-found"


@dataclass(frozen=True, kw_only=True)
class ReleaseResult:
    """The outcome of releasing one job's pool, with a message for people."""

    outcome: ReleaseOutcome
    message: str


def _pool(job: dict[str, Any]) -> WarmPool:
    config = job.get("ResourceConfig", {})
    status = job.get("WarmPoolStatus", {})
    counts = instances_by_type(config)
    return WarmPool(
        job_name=job["TrainingJobName"],
        instance_type=", ".join(counts) or "?",
        instance_count=sum(counts.values()),
        keep_alive_seconds=int(config.get("KeepAlivePeriodInSeconds", 0)),
        status=str(status.get("Status", "?")),
        retained_billable_seconds=int(status.get("ResourceRetainedBillableTimeInSeconds", 0)),
    )


def list_warm_pools(client: Client, *, retry: Retry = DEFAULT_RETRY) -> list[WarmPool]:
    """Pools that are `Available` or `InUse`, one `DescribeTrainingJob` each."""
    with aws_access(USAGE_ACTIONS):
        names = [
            summary["TrainingJobName"]
            for status in LIVE_STATUSES
            for summary in list_training_jobs(client, retry=retry, WarmPoolStatusEquals=status)
        ]
        return [
            _pool(retry.call(client.describe_training_job, TrainingJobName=name))
            for name in dict.fromkeys(names)
        ]


def release_warm_pool(
    client: Client, job_name: str, *, retry: Retry = DEFAULT_RETRY
) -> ReleaseResult:
    """End the pool of `job_name` (keep-alive set to 0).

    An `Available` pool ends now; an `InUse` one (the job still runs) is not retained.
    """
    with aws_access(RELEASE_ACTIONS):
        try:
            job = retry.call(client.describe_training_job, TrainingJobName=job_name)
        except ClientError as error:
            if error_code(error) in _NOT_FOUND_CODES:
                return ReleaseResult(
                    outcome=ReleaseOutcome.NOT_FOUND,
                    message=f"no training job named {job_name} ({error_message(error)})",
                )
            raise
        status = job.get("WarmPoolStatus", {}).get("Status")
        if status not in LIVE_STATUSES:
            why = "it kept no warm pool" if status is None else f"its pool is {status}"
            return ReleaseResult(
                outcome=ReleaseOutcome.NO_POOL,
                message=f"training job {job_name} has no live warm pool to release: {why}",
            )
        retry.call(
            client.update_training_job,
            TrainingJobName=job_name,
            ResourceConfig={"KeepAlivePeriodInSeconds": 0},
        )
    pool = _pool(job)
    if status == "InUse":
        message = f"{job_name} is still running: its instances are released when it ends"
    else:
        message = (
            f"released the warm pool of {job_name} ({pool.instance_count} x "
            f"{pool.instance_type}, {pool.instance_hours:.2f} instance-hours retained)"
        )
    return ReleaseResult(outcome=ReleaseOutcome.RELEASED, message=message)
