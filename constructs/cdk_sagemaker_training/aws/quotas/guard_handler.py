"""Lambda handler of the `QuotaGuard` custom resource: the quota checker at deploy time.

Properties: `Requirements` (JSON list of `QuotaRequirement.as_dict()`) and `Mode`
(`fail` or `warn`). Returns the attributes `Report` (text) and `Status` (worst status).
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cdk_sagemaker_training.aws.clients import AwsAccessError, client_config, create_client
from cdk_sagemaker_training.aws.quotas.checker import QuotaCheck, Status, check_quotas
from cdk_sagemaker_training.aws.quotas.report import shortfall_report
from cdk_sagemaker_training.core.quota_requirements import QuotaRequirement

REPORT_LIMIT = 3000
"""Characters of report sent back; CloudFormation caps the whole response at 4096 bytes."""
RESPONSE_LIMIT = 4096
"""Bytes of the whole response body CloudFormation accepts."""
TRUNCATED = " ... (truncated)"
RESPOND_SECONDS = 10.0
"""Time kept back from the Lambda's remaining time to answer CloudFormation."""
CALLS_PER_BUDGET = 6
"""Each AWS call (two listings, two attempts each, plus backoff) gets this share of the
check's budget as its connect and read timeout."""
MIN_CALL_SECONDS = 1.0
DEFAULT_BUDGET_SECONDS = 60.0
"""Remaining time assumed when the context does not tell (not in Lambda)."""
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


def _enforced(event: Mapping[str, Any]) -> dict[str, int] | None:
    """Needs by quota name the last deployment enforced: an Update's old properties in
    `fail` mode; None otherwise (a Create, or old properties in `warn` mode)."""
    old = event.get("OldResourceProperties")
    if event.get("RequestType") != "Update" or not old or old.get("Mode") != FAIL:
        return None
    return {r.quota_name: r.needed for r in _requirements(old)}


def _blocking(event: Mapping[str, Any], checks: list[QuotaCheck]) -> list[QuotaCheck]:
    """Checks that fail the deployment in `fail` mode.

    On an update, a need that did not grow since the last `fail`-mode deployment never
    blocks, so the update CloudFormation sends to roll back a failed change cannot fail.
    """
    enforced = _enforced(event) or {}
    return [
        check
        for check in checks
        if check.status is not Status.OK
        and check.requirement.needed > enforced.get(check.requirement.quota_name, 0)
    ]


def _grew(event: Mapping[str, Any]) -> bool:
    """Whether the event asks for more than the last `fail`-mode deployment enforced:
    always for a Create, never for an Update that only repeats or lowers the needs (a
    rollback re-sends the previous properties)."""
    enforced = _enforced(event)
    if enforced is None:
        return True
    return any(
        r.needed > enforced.get(r.quota_name, 0) for r in _requirements(event["ResourceProperties"])
    )


def unchecked(event: Mapping[str, Any], why: str) -> GuardResult:
    """The answer when the quotas could not be checked: a failure only when the event
    enforces (`fail` mode) needs that grew; Deletes, rollbacks and updates that did not
    grow a need always succeed, so the stack can never get stuck."""
    try:
        block = (
            event.get("RequestType") in ("Create", "Update")
            and event["ResourceProperties"].get("Mode") == FAIL
            and _grew(event)
        )
    except Exception:  # properties that cannot be read: a Create or Update must not pass
        block = event.get("RequestType") in ("Create", "Update")
    if block:
        return GuardResult(success=False, reason=why)
    return GuardResult(success=True, data={"Report": why, "Status": Status.UNKNOWN.value})


def evaluate_event(event: Mapping[str, Any], client: Any) -> GuardResult:
    """Check the requirements of a Create/Update event with a `service-quotas` client."""
    properties = event["ResourceProperties"]
    enforce = properties.get("Mode") == FAIL
    try:
        checks = check_quotas(_requirements(properties), client)
    except AwsAccessError as error:
        return unchecked(event, f"quota guard cannot read quotas: {error}")
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


def _remaining_seconds(context: Any) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if callable(remaining) else DEFAULT_BUDGET_SECONDS


def run_check(event: Mapping[str, Any], budget: float) -> GuardResult:
    """`evaluate_event` with a fresh client, answered within `budget` seconds whatever AWS
    does: each call gets a share of the budget, and a check still running at the end is
    abandoned (`unchecked`)."""
    outcome: list[GuardResult] = []

    def check() -> None:
        try:
            config = client_config(max(MIN_CALL_SECONDS, budget / CALLS_PER_BUDGET), attempts=2)
            outcome.append(evaluate_event(event, create_client("service-quotas", config=config)))
        except Exception as error:
            outcome.append(unchecked(event, f"quota guard failed: {error!r}"))

    worker = threading.Thread(target=check, daemon=True)
    worker.start()
    worker.join(max(0.0, budget))
    if outcome:
        return outcome[0]
    return unchecked(
        event, f"quota guard could not check the quotas within {budget:.0f} s (AWS did not answer)"
    )


def response_body(event: Mapping[str, Any], context: Any, result: GuardResult) -> bytes:
    """The JSON answer, cut to CloudFormation's `RESPONSE_LIMIT` bytes (the longest of
    the reason and the report is shortened first)."""
    payload: dict[str, Any] = {
        "Status": "SUCCESS" if result.success else "FAILED",
        "Reason": result.reason
        or f"see CloudWatch Logs: {getattr(context, 'log_stream_name', '')}",
        "PhysicalResourceId": event.get("PhysicalResourceId")
        or event.get("LogicalResourceId")
        or "QuotaGuard",
        "StackId": event.get("StackId"),
        "RequestId": event.get("RequestId"),
        "LogicalResourceId": event.get("LogicalResourceId"),
        "Data": dict(result.data),
    }
    texts = [(payload, "Reason"), (payload["Data"], "Report")]
    texts.sort(key=lambda place: -len(json.dumps(place[0].get(place[1], ""))))
    for container, key in texts:  # the longest text is cut first
        if len(json.dumps(payload).encode()) <= RESPONSE_LIMIT:
            break
        if key not in container:
            continue
        text, low, high = container[key], 0, len(container[key])
        while low < high:  # the longest prefix that fits (escapes make bytes != characters)
            middle = (low + high + 1) // 2
            container[key] = text[:middle] + TRUNCATED
            if len(json.dumps(payload).encode()) <= RESPONSE_LIMIT:
                low = middle
            else:
                high = middle - 1
        container[key] = text[:low] + TRUNCATED if low else ""
    return json.dumps(payload).encode()


def _respond(event: Mapping[str, Any], body: bytes, timeout: float) -> None:
    request = urllib.request.Request(
        event["ResponseURL"],
        data=body,
        method="PUT",
        headers={"Content-Type": "", "Content-Length": str(len(body))},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()


def handler(event: Mapping[str, Any], context: Any) -> None:
    """Lambda entry point: always answers CloudFormation before the Lambda times out.

    The check gets the remaining time minus `RESPOND_SECONDS`, kept back for the answer.
    """
    remaining = _remaining_seconds(context)
    if event.get("RequestType") in ("Create", "Update"):
        result = run_check(event, remaining - RESPOND_SECONDS)
    else:  # Delete (and anything unexpected) never calls AWS and never fails
        result = GuardResult(success=True)
    print(json.dumps({"RequestType": event.get("RequestType"), **asdict(result)}))
    body = response_body(event, context, result)
    try:
        _respond(event, body, timeout=max(1.0, min(RESPOND_SECONDS, _remaining_seconds(context))))
    except Exception as error:  # nothing else can tell CloudFormation; leave a trace in the logs
        print(f"could not answer CloudFormation: {error!r}")
