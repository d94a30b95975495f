"""Findings: what a rule reports, as data (never raised from inside a rule)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How a finding affects a build: errors block synthesis and `render`."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One problem (or notice) about one field of one job definition."""

    code: str
    severity: Severity
    path: str
    """Dotted path of the offending field, prefixed with the job name or file."""
    message: str
    """What was received and how to fix it."""
    file: str | None = None
    """The file the finding is about, as it was named when read. Default: none (a value
    built in Python, or a finding about several files)."""
    line: int | None = None
    """1-based line of the offending key in `file`. Default: unknown (see
    `core.positions.locate`)."""
    column: int | None = None
    """1-based column of the offending key in `file`. Default: unknown."""

    @property
    def field(self) -> str:
        """The offending field's path inside `file` (`inputs.train.s3_data`); empty for the
        whole document or without a file."""
        if self.file is None:
            return ""
        return self.path.removeprefix(self.file).removeprefix(":")

    def __str__(self) -> str:
        return self.describe()

    def describe(self, *, severity: bool = True) -> str:
        """`ERROR CODE path: message`; without `severity` where the reader shows it apart
        (CDK validation errors and warnings). Default: with it."""
        text = f"{self.code} {self.path}: {self.message}"
        return f"{self.severity.value.upper()} {text}" if severity else text

    def as_dict(self) -> dict[str, str | int | None]:
        """JSON-ready form; `file`, `line` and `column` are null where unknown."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }


def errors(findings: Iterable[Finding]) -> list[Finding]:
    """Only the blocking findings."""
    return [f for f in findings if f.severity is Severity.ERROR]


class SpecError(Exception):
    """Input that cannot become a job spec (bad YAML, wrong types, unknown keys)."""

    def __init__(self, findings: list[Finding]) -> None:
        super().__init__("\n".join(str(f) for f in findings))
        self.findings = findings
