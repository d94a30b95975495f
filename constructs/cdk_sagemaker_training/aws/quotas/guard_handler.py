"""Lambda handler of the `QuotaGuard` custom resource: the quota checker at deploy time.

Properties: `Requirements` (JSON list of `QuotaRequirement.as_dict()`) and `Mode`
(`fail` or `warn`). Returns the attributes `Report` (text) and `Status` (worst status).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cdk_sagemaker_training.aws.clients import AwsAccessError, create_client
from cdk_sagemaker_training.aws.quotas.checker import QuotaCheck, Status, check_quotas
from cdk_sagemaker_training.aws.quotas.report import shortfall_report
from cdk_sagemaker_training.core.quota_requirements import QuotaRequirement

REPORT_LIMIT = 3000
"""Characters of report sent back; CloudFormation caps the whole response at 4096 bytes."""
FAIL = "fail"


@dataclass(frozen=True, kw_only=True)
class GuardResult:
    """What the custom resource answers CloudFormation."""

    success: bool
    reason: str = ""
    data: dict[str, str] = field(default_factory=dict)


def _requirements(properties: Mapping[str, Any] | None) -> list[QuotaRequirement]:
    return (
        [QuotaRequirement.from_dict(item) for item in json.loads(properties["Requirements"])]
        if properties
        else []
    )


def _blocking(event: Mapping[str, Any], checks: list[QuotaCheck]) -> list[QuotaCheck]:
    """Checks that fail the deployment in `fail` mode.

    On an update, a need that did not grow since the last `fail`-mode deployment never
    blocks, so the update CloudFormation sends to roll back a failed change cannot fail.
    """
    old = event.get("OldResourceProperties")
    enforced = (
        {r.quota_name: r.needed for r in _requirements(old)}
        if old and old.get("Mode") == FAIL
        else {}
    )
    return [
        check
        for check in checks
        if check.status is not Status.OK
        and check.requirement.needed > enforced.get(check.requirement.quota_name, 0)
    ]


def evaluate_event(event: Mapping[str, Any], client: Any) -> GuardResult:
    """Check the requirements of a Create/Update event with a `service-quotas` client."""
    properties = event["ResourceProperties"]
    enforce = properties.get("Mode") == FAIL
    try:
        checks = check_quotas(_requirements(properties), client)
    except AwsAccessError as error:
        message = f"quota guard cannot read quotas: {error}"
        if enforce:
            return GuardResult(success=False, reason=message)
        return GuardResult(success=True, data={"Report": message, "Status": Status.UNKNOWN.value})
    worst = next(
        (s for s in (Status.UNKNOWN, Status.SHORT) if any(c.status is s for c in checks)),
        Status.OK,
    )
    report = shortfall_report(checks, limit=REPORT_LIMIT)
    blocking = _blocking(event, checks) if enforce else []
    if blocking:
        return GuardResult(
            success=False,
            reason="SageMaker quotas are short for the training jobs in this stack "
            "(set quota_guard to warn to deploy anyway):\n"
            + shortfall_report(blocking, limit=REPORT_LIMIT),
        )
    return GuardResult(success=True, data={"Report": report, "Status": worst.value})


def _respond(event: Mapping[str, Any], context: Any, result: GuardResult) -> None:
    body = json.dumps(
        {
            "Status": "SUCCESS" if result.success else "FAILED",
            "Reason": result.reason or f"see CloudWatch Logs: {context.log_stream_name}",
            "PhysicalResourceId": event.get("PhysicalResourceId") or event["LogicalResourceId"],
            "StackId": event["StackId"],
            "RequestId": event["RequestId"],
            "LogicalResourceId": event["LogicalResourceId"],
            "Data": result.data,
        }
    ).encode()
    request = urllib.request.Request(
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def handler(event: Mapping[str, Any], context: Any) -> None:
    """Lambda entry point: always answers CloudFormation, whatever happens."""
    try:
        if event["RequestType"] == "Delete":
            result = GuardResult(success=True)
        else:
            result = evaluate_event(event, create_client("service-quotas"))
    except Exception as error:  # an unanswered custom resource blocks the stack for an hour
        result = GuardResult(success=False, reason=f"quota guard failed: {error!r}")
    print(json.dumps({"RequestType": event.get("RequestType"), **asdict(result)}))
    _respond(event, context, result)
