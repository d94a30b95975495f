"""`plan --format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=jobs/a.yaml,line=3,col=1,title=SPEC003::message` puts the finding on the
line of the pull request's diff. Values are escaped as the Actions toolkit does
(`@actions/core` `command.ts`): `%`, CR and LF in messages; also `:` and `,` in
properties. With `--changed-since`, the changes also go to the job's summary page as a
Markdown table (the file named by `GITHUB_STEP_SUMMARY`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from cdk_sagemaker_training.cli.output import relative_path
from cdk_sagemaker_training.core.changes import ChangeKind, JobChange
from cdk_sagemaker_training.core.findings import Finding, Severity

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def escape_data(text: str) -> str:
    """A message as a workflow command carries it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title) as a workflow command carries it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, properties: dict[str, str | int | None]) -> str:
    """`::name key=value,...::message`, leaving out properties that are None."""
    given = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    return f"::{name}{' ' + given if given else ''}::{escape_data(message)}"


def annotation(finding: Finding, root: Path) -> str:
    """One finding as an `::error` or `::warning` command."""
    field = finding.field if finding.file is not None else finding.path
    return command(
        COMMANDS[finding.severity],
        f"{field}: {finding.message}" if field else finding.message,
        {
            "file": relative_path(finding.file, root) if finding.file is not None else None,
            "line": finding.line,
            "col": finding.column,
            "title": finding.code,
        },
    )


def change_notice(change: JobChange, ref: str, root: Path) -> str:
    """One changed job as a `::notice` (the DIFF findings carry the warnings)."""
    file = change.file or change.previous_file
    previous = f" (was {change.previous_job})" if change.kind is ChangeKind.RENAMED else ""
    stack = change.stack or change.previous_stack
    return command(
        "notice",
        f"job {change.job}{previous} {change.kind.value} since {ref}, stack {stack}",
        {
            "file": relative_path(file, root) if file is not None else None,
            "title": f"{change.kind.value}: {change.job}",
        },
    )


def lines(
    findings: Iterable[Finding], changes: Iterable[JobChange], ref: str | None, root: Path
) -> list[str]:
    """Every annotation: findings first, then one notice per changed job."""
    notices = [change_notice(c, ref, root) for c in changes] if ref is not None else []
    return [annotation(f, root) for f in findings] + notices


def summary(headers: Sequence[str], rows: Iterable[Sequence[str]], ref: str) -> str:
    """The changes as a Markdown section for `GITHUB_STEP_SUMMARY`."""
    lines = [f"### Training jobs changed since `{ref}`", ""]
    lines += [f"| {' | '.join(headers)} |", f"|{'---|' * len(headers)}"]
    lines += [f"| {' | '.join(cell.replace('|', '/') for cell in row)} |" for row in rows]
    return "\n".join(lines) + "\n"
