"""The rule registry: metadata (code, severity, title, fix) next to each rule's logic."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cdk_sagemaker_training.core.codes import Code, define, lookup
from cdk_sagemaker_training.core.findings import Finding, Severity
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.policy import PlatformPolicy

Violation = tuple[str, str]
"""A rule's raw result: (field path, what was received)."""
SetViolation = tuple[JobSpec, str, str]
"""A cross-job rule's raw result: (offending job, field path, what was received)."""


@dataclass(frozen=True, kw_only=True)
class RuleContext:
    """What rules may know besides the spec."""

    region: str | None = None
    policy: PlatformPolicy | None = None


def location(spec: JobSpec) -> str:
    """Where a job was defined: its file, else its name."""
    return str(spec.source_file) if spec.source_file is not None else spec.name


RULE001 = define(
    "RULE001",
    Severity.ERROR,
    "A rule crashed",
    "Report it with the job file; other rules still ran",
)


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One check and the registered code it reports."""

    definition: Code
    check: Callable[[JobSpec, RuleContext], Iterable[Violation]] | None = None
    check_set: Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]] | None = None

    @property
    def code(self) -> str:
        """The stable code, e.g. `TRCOMP001`."""
        return self.definition.code

    @property
    def severity(self) -> Severity:
        """Whether the rule's findings block."""
        return self.definition.severity

    def _finding(self, spec: JobSpec, path: str, message: str) -> Finding:
        return self.definition.finding(
            f"{location(spec)}:{path}", f"{message}. {self.definition.fix}", file=_file(spec)
        )

    def run(self, spec: JobSpec, context: RuleContext) -> list[Finding]:
        """Apply a per-job rule; a crash becomes a finding, not a failed run."""
        assert self.check is not None
        try:
            return [self._finding(spec, p, m) for p, m in self.check(spec, context)]
        except Exception as error:
            return [_crash(self, location(spec), error, _file(spec))]

    def run_set(self, specs: Sequence[JobSpec], context: RuleContext) -> list[Finding]:
        """Apply a cross-job rule."""
        assert self.check_set is not None
        try:
            return [self._finding(s, p, m) for s, p, m in self.check_set(specs, context)]
        except Exception as error:
            return [_crash(self, "jobs", error)]


def _file(spec: JobSpec) -> str | None:
    return str(spec.source_file) if spec.source_file is not None else None


def _crash(rule: Rule, where: str, error: Exception, file: str | None = None) -> Finding:
    return RULE001.finding(
        where,
        f"rule {rule.code} could not run ({type(error).__name__}: {error}); "
        "please report this with the job file",
        file=file,
    )


RULES: list[Rule] = []
SET_RULES: list[Rule] = []


def _code(code: str, severity: Severity | None, title: str, fix: str, source: str | None) -> Code:
    """Define `code`, or (without a severity) use the one a lower module defined."""
    return lookup(code) if severity is None else define(code, severity, title, fix, source=source)


def rule(
    code: str,
    severity: Severity | None = None,
    title: str = "",
    fix: str = "",
    *,
    source: str | None = None,
) -> Callable[
    [Callable[[JobSpec, RuleContext], Iterable[Violation]]],
    Callable[[JobSpec, RuleContext], Iterable[Violation]],
]:
    """Register a per-job rule for a new code, or (`rule("IMAGE001")`) for a code the
    module that raises it defined."""

    def register(
        check: Callable[[JobSpec, RuleContext], Iterable[Violation]],
    ) -> Callable[[JobSpec, RuleContext], Iterable[Violation]]:
        RULES.append(Rule(definition=_code(code, severity, title, fix, source), check=check))
        return check

    return register


def set_rule(
    code: str,
    severity: Severity | None = None,
    title: str = "",
    fix: str = "",
    *,
    source: str | None = None,
) -> Callable[
    [Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]]],
    Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]],
]:
    """Register a cross-job rule."""

    def register(
        check: Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]],
    ) -> Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]]:
        SET_RULES.append(
            Rule(definition=_code(code, severity, title, fix, source), check_set=check)
        )
        return check

    return register


ERROR = Severity.ERROR
WARNING = Severity.WARNING
