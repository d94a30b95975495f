"""File Service Quotas increase requests for shortfalls."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
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
from cdk_sagemaker_training.aws.quotas.checker import SERVICE_CODE, QuotaCheck, Status

INCREASE_ACTIONS = ("servicequotas:RequestServiceQuotaIncrease",)


class Outcome(StrEnum):
    """What happened to one increase request; `pending` is information, not failure."""

    REQUESTED = "requested"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(frozen=True, kw_only=True)
class IncreaseResult:
    """One `RequestServiceQuotaIncrease` call and its outcome."""

    quota_name: str
    quota_code: str
    desired_value: int
    outcome: Outcome
    message: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "quota_name": self.quota_name,
            "quota_code": self.quota_code,
            "desired_value": self.desired_value,
            "outcome": self.outcome.value,
            "message": self.message,
        }


def increasable(checks: Iterable[QuotaCheck]) -> list[QuotaCheck]:
    """Shortfalls whose quota can be raised by a request."""
    return [
        check
        for check in checks
        if check.status is Status.SHORT and check.quota is not None and check.quota.adjustable
    ]


def request_increases(
    checks: Iterable[QuotaCheck], client: Client, *, retry: Retry = DEFAULT_RETRY
) -> list[IncreaseResult]:
    """Request `desired_value` for every adjustable shortfall.

    An already open request (`ResourceAlreadyExistsException`) is reported as pending.
    Raises `AwsAccessError` when the caller may not file requests.
    """
    results = []
    for check in increasable(checks):
        assert check.quota is not None  # guaranteed by increasable()
        result = IncreaseResult(
            quota_name=check.quota.name,
            quota_code=check.quota.code,
            desired_value=check.desired_value,
            outcome=Outcome.REQUESTED,
            message="",
        )
        try:
            with aws_access(INCREASE_ACTIONS):
                response = retry.call(
                    client.request_service_quota_increase,
                    ServiceCode=SERVICE_CODE,
                    QuotaCode=check.quota.code,
                    DesiredValue=float(check.desired_value),
                )
        except ClientError as error:
            if error_code(error) == "ResourceAlreadyExistsException":
                outcome, message = Outcome.PENDING, "an increase request is already open"
            else:
                outcome, message = Outcome.FAILED, error_message(error)
            results.append(replace(result, outcome=outcome, message=message))
            continue
        requested = response.get("RequestedQuota", {})
        status = f"request {requested.get('Id', '?')} is {requested.get('Status', '?')}"
        results.append(replace(result, message=status))
    return results
