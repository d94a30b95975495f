"""Check quota requirements against the account's SageMaker Service Quotas.

Reads every `sagemaker` quota with two paginated listings (applied values and AWS
defaults) once per region, however many jobs there are, and matches them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError

from cdk_sagemaker_training.aws.clients import (
    DEFAULT_RETRY,
    PAGE_SIZE,
    Client,
    Retry,
    aws_access,
    error_message,
)
from cdk_sagemaker_training.aws.permissions import QUOTA_ACTIONS
from cdk_sagemaker_training.core.quota_requirements import QuotaKind, QuotaRequirement

SERVICE_CODE = "sagemaker"


class Status(StrEnum):
    """Outcome of one requirement; `unknown` never counts as ok."""

    OK = "ok"
    SHORT = "short"
    UNKNOWN = "unknown"


class Source(StrEnum):
    """Where a quota value came from: an applied value beats the AWS default."""

    APPLIED = "applied"
    DEFAULT = "default"


@dataclass(frozen=True, kw_only=True)
class QuotaValue:
    """One quota as Service Quotas reports it."""

    name: str
    code: str
    value: float
    source: Source
    adjustable: bool = True


@dataclass(frozen=True, kw_only=True)
class QuotaCheck:
    """A requirement next to the quota that limits it."""

    requirement: QuotaRequirement
    status: Status
    region: str
    quota: QuotaValue | None = None
    in_use: int = 0
    """Instances already counted against the quota (only with usage)."""
    message: str = ""

    @property
    def available(self) -> float | None:
        """Quota left for these jobs, or None when unknown."""
        return None if self.quota is None else self.quota.value - self.in_use

    @property
    def desired_value(self) -> int:
        """The quota value that would cover the need."""
        return self.requirement.needed + self.in_use

    @property
    def request_command(self) -> str | None:
        """The AWS CLI command that asks for enough quota, for shortfalls."""
        if self.status is not Status.SHORT or self.quota is None:
            return None
        return (
            "aws service-quotas request-service-quota-increase --service-code "
            f"{SERVICE_CODE} --quota-code {self.quota.code} "
            f"--desired-value {self.desired_value} --region {self.region}"
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        quota = self.quota
        return {
            **self.requirement.as_dict(),
            "status": self.status.value,
            "region": self.region,
            "quota_code": quota.code if quota else None,
            "value": quota.value if quota else None,
            "source": quota.source.value if quota else None,
            "in_use": self.in_use,
            "available": self.available,
            "message": self.message,
            "request_command": self.request_command,
        }


def _list_quotas(list_page: Callable[..., dict[str, Any]], retry: Retry) -> list[dict[str, Any]]:
    quotas: list[dict[str, Any]] = []
    params: dict[str, Any] = {"ServiceCode": SERVICE_CODE, "MaxResults": PAGE_SIZE}
    while True:
        page = retry.call(list_page, **params)
        quotas.extend(page.get("Quotas", []))
        if not page.get("NextToken"):
            return quotas
        params["NextToken"] = page["NextToken"]


def _values(quotas: Iterable[dict[str, Any]], source: Source) -> dict[str, QuotaValue]:
    return {
        q["QuotaName"]: QuotaValue(
            name=q["QuotaName"],
            code=q["QuotaCode"],
            value=float(q["Value"]),
            source=source,
            adjustable=bool(q.get("Adjustable", True)),
        )
        for q in quotas
        if "QuotaName" in q and "QuotaCode" in q and "Value" in q
    }


def fetch_quotas(client: Client, *, retry: Retry = DEFAULT_RETRY) -> dict[str, QuotaValue]:
    """Every `sagemaker` quota by name; applied values override AWS defaults.

    Raises `AwsAccessError` for missing credentials or permissions, `ClientError` for
    other API failures (after retries).
    """
    with aws_access(QUOTA_ACTIONS):
        defaults = _list_quotas(client.list_aws_default_service_quotas, retry)
        applied = _list_quotas(client.list_service_quotas, retry)
    return {**_values(defaults, Source.DEFAULT), **_values(applied, Source.APPLIED)}


def _shortfall_message(check: QuotaCheck, quota: QuotaValue) -> str:
    requirement = check.requirement
    used = f", {check.in_use} in use" if check.in_use else ""
    text = (
        f"needs {requirement.needed}, {quota.value - check.in_use:g} available "
        f"({quota.source.value} quota {quota.value:g}{used})"
    )
    if requirement.kind is QuotaKind.WARM_POOL:
        consequence = (
            "the quota is 0, so SageMaker would silently NOT retain the warm pool: no "
            "error is raised and every run starts cold"
            if quota.value == 0
            else "pools beyond the quota are silently NOT retained (no error; runs start cold)"
        )
    else:
        consequence = "CreateTrainingJob would fail with ResourceLimitExceeded"
    adjustable = "" if quota.adjustable else "; this quota is not adjustable"
    return f"{text}: {consequence}{adjustable}"


def evaluate(
    requirements: Iterable[QuotaRequirement],
    quotas: Mapping[str, QuotaValue],
    *,
    region: str,
    usage: Mapping[str, int] | None = None,
) -> list[QuotaCheck]:
    """Compare each requirement with its quota (minus `usage` by quota name)."""
    checks = []
    for requirement in requirements:
        quota = quotas.get(requirement.quota_name)
        if quota is None:
            checks.append(
                QuotaCheck(
                    requirement=requirement,
                    status=Status.UNKNOWN,
                    region=region,
                    message=f"no quota named '{requirement.quota_name}' in {region}"
                    + (
                        f" (is {requirement.instance_type} offered for training there?)"
                        if requirement.instance_type
                        else ""
                    ),
                )
            )
            continue
        check = QuotaCheck(
            requirement=requirement,
            status=Status.OK,
            region=region,
            quota=quota,
            in_use=(usage or {}).get(requirement.quota_name, 0),
        )
        if requirement.needed > quota.value - check.in_use:
            check = replace(check, status=Status.SHORT, message=_shortfall_message(check, quota))
        checks.append(check)
    return checks


def check_quotas(
    requirements: Iterable[QuotaRequirement],
    client: Client,
    *,
    usage: Mapping[str, int] | None = None,
    retry: Retry = DEFAULT_RETRY,
) -> list[QuotaCheck]:
    """Check `requirements` in the client's region.

    An API failure other than access makes every check `unknown`; `AwsAccessError`
    propagates so callers can report it as an access problem.
    """
    requirements = list(requirements)
    region = str(client.meta.region_name)
    try:
        quotas = fetch_quotas(client, retry=retry)
    except ClientError as error:
        return [
            QuotaCheck(
                requirement=requirement,
                status=Status.UNKNOWN,
                region=region,
                message=f"could not read quotas ({error_message(error)})",
            )
            for requirement in requirements
        ]
    return evaluate(requirements, quotas, region=region, usage=usage)
