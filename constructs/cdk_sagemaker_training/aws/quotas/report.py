"""Text output for quota checks (JSON comes from each result's `as_dict`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cdk_sagemaker_training.aws.quotas.checker import QuotaCheck, Status
from cdk_sagemaker_training.aws.quotas.increase import IncreaseResult
from cdk_sagemaker_training.core.quota_requirements import QuotaRequirement
from cdk_sagemaker_training.core.text import format_table


def requirements_table(requirements: Iterable[QuotaRequirement]) -> str:
    """What the jobs need, before any AWS call."""
    return format_table(
        ("quota", "needed", "jobs"),
        ((r.quota_name, r.needed, ", ".join(r.jobs)) for r in requirements),
    )


def _number(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def checks_table(checks: Sequence[QuotaCheck]) -> str:
    """One row per requirement, then what to do about each one that is not ok."""
    with_usage = any(check.in_use for check in checks)
    headers = ["quota", "needed", *(["in use"] if with_usage else []), "applied", "status"]
    rows = [
        [
            check.requirement.quota_name,
            check.requirement.needed,
            *([check.in_use] if with_usage else []),
            f"{_number(check.quota.value)} ({check.quota.source.value})" if check.quota else "?",
            check.status.value,
        ]
        for check in checks
    ]
    return "\n".join([format_table(headers, rows), *_notes(checks)])


def _notes(checks: Iterable[QuotaCheck]) -> list[str]:
    notes = []
    for check in checks:
        if check.status is Status.OK:
            continue
        notes.append(
            f"{check.status.value.upper()} {check.requirement.quota_name}: {check.message}"
        )
        if check.request_command:
            notes.append(f"  {check.request_command}")
    return ["", *notes] if notes else []


def shortfall_report(checks: Sequence[QuotaCheck], *, limit: int) -> str:
    """The checks that are not ok, as text no longer than `limit` characters."""
    lines = [
        f"{c.status.value.upper()} {c.requirement.quota_name} (needs {c.requirement.needed}, "
        f"has {_number(c.available)}{', ' + c.quota.code if c.quota else ''}): {c.message}"
        for c in checks
        if c.status is not Status.OK
    ]
    text = "\n".join(lines) if lines else f"all {len(checks)} SageMaker quotas ok"
    if len(text) <= limit:
        return text
    suffix = " ... (truncated; run the `quotas` command for the full table)"
    return text[: limit - len(suffix)] + suffix


def increases_table(results: Sequence[IncreaseResult]) -> str:
    """One row per increase request."""
    return format_table(
        ("quota", "code", "desired", "outcome", "details"),
        (
            (r.quota_name, r.quota_code, r.desired_value, r.outcome.value, r.message)
            for r in results
        ),
    )
