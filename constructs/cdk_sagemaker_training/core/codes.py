"""The registry of finding codes: each code is defined once, in the module that raises it.

A `Code` carries what users read about it (severity, title, fix, and the AWS or SDK
document the check rests on). Rules, the loader, rendering, the CLI and the reference app
all define their codes here, so `rules`, the README's tables and the uniqueness test read
one registry. Importing `cdk_sagemaker_training.core.catalog` registers every library code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TypedDict, Unpack

from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError

CODE_PATTERN = re.compile(r"[A-Z]{3,6}\d{3}")
"""An area prefix and three digits (`TRCOMP001`); 1xx are warnings by convention."""
LIBRARY = "library"


class Where(TypedDict, total=False):
    """Where a finding is, when known (the optional fields of `Finding`)."""

    file: str | None
    line: int | None
    column: int | None


@dataclass(frozen=True, kw_only=True)
class Code:
    """One stable finding code and what to tell users about it."""

    code: str
    severity: Severity
    title: str
    fix: str
    source: str | None = None
    """URL of the document the check rests on. Default: none (a rule of this library)."""
    owner: str = LIBRARY
    """Who raises it: this library, or an application built on it (`"app"`)."""

    def finding(self, path: str, message: str, **where: Unpack[Where]) -> Finding:
        """A finding of this code at `path`; `message` says what was received. `where`:
        its `file`, `line` and `column` (see `Finding`). Default: unknown."""
        return Finding(code=self.code, severity=self.severity, path=path, message=message, **where)

    def error(self, path: str, message: str, **where: Unpack[Where]) -> SpecError:
        """A `SpecError` holding one finding of this code (to raise)."""
        return SpecError([self.finding(path, message, **where)])


_REGISTRY: dict[str, Code] = {}


def define(
    code: str,
    severity: Severity,
    title: str,
    fix: str,
    *,
    source: str | None = None,
    owner: str = LIBRARY,
) -> Code:
    """Register `code`; a malformed or already defined code is a programming error.

    `source`: Default none. `owner`: Default this library.
    """
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError(f"finding code {code!r} does not match {CODE_PATTERN.pattern}")
    if code in _REGISTRY:
        raise ValueError(f"finding code {code} is defined twice")
    defined = Code(code=code, severity=severity, title=title, fix=fix, source=source, owner=owner)
    _REGISTRY[code] = defined
    return defined


def lookup(code: str) -> Code:
    """The registered `Code` named `code`."""
    return _REGISTRY[code]


def registered(owner: str = LIBRARY) -> list[Code]:
    """The codes of `owner` registered so far, ordered by code. Default: the library's."""
    return sorted((c for c in _REGISTRY.values() if c.owner == owner), key=lambda c: c.code)


def markdown_table(codes: list[Code]) -> str:
    """A Markdown table of `codes` (README's tables and `rules --markdown`)."""
    lines = ["| code | severity | cause | fix |", "|---|---|---|---|"]
    for c in codes:
        fix = c.fix.replace("|", "/") + (f" ([source]({c.source}))" if c.source else "")
        lines.append(f"| `{c.code}` | {c.severity.value} | {c.title} | {fix} |")
    return "\n".join(lines)
