"""The rule registry: metadata (code, severity, title, fix) next to each rule's logic."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
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


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One check with a stable code; `fix` tells the user what to do."""

    code: str
    severity: Severity
    title: str
    fix: str
    check: Callable[[JobSpec, RuleContext], Iterable[Violation]] | None = None
    check_set: Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]] | None = None

    def _finding(self, spec: JobSpec, path: str, message: str) -> Finding:
        return Finding(
            code=self.code,
            severity=self.severity,
            path=f"{location(spec)}:{path}",
            message=f"{message}. {self.fix}",
        )

    def run(self, spec: JobSpec, context: RuleContext) -> list[Finding]:
        """Apply a per-job rule; a crash becomes a finding, not a failed run."""
        assert self.check is not None
        try:
            return [self._finding(spec, p, m) for p, m in self.check(spec, context)]
        except SpecError as error:
            return [
                Finding(
                    code=f.code,
                    severity=f.severity,
                    path=f"{location(spec)}:{f.path}",
                    message=f.message,
                )
                for f in error.findings
            ]
        except Exception as error:
            return [_crash(self, location(spec), error)]

    def run_set(self, specs: Sequence[JobSpec], context: RuleContext) -> list[Finding]:
        """Apply a cross-job rule."""
        assert self.check_set is not None
        try:
            return [self._finding(s, p, m) for s, p, m in self.check_set(specs, context)]
        except Exception as error:
            return [_crash(self, "jobs", error)]


def _crash(rule: Rule, where: str, error: Exception) -> Finding:
    return Finding(
        code="RULE001",
        severity=Severity.ERROR,
        path=where,
        message=(
            f"rule {rule.code} could not run ({type(error).__name__}: {error}); "
            "please report this with the job file"
        ),
    )


RULES: list[Rule] = []
SET_RULES: list[Rule] = []


def rule(
    code: str, severity: Severity, title: str, fix: str
) -> Callable[
    [Callable[[JobSpec, RuleContext], Iterable[Violation]]],
    Callable[[JobSpec, RuleContext], Iterable[Violation]],
]:
    """Register a per-job rule."""

    def register(
        check: Callable[[JobSpec, RuleContext], Iterable[Violation]],
    ) -> Callable[[JobSpec, RuleContext], Iterable[Violation]]:
        RULES.append(Rule(code=code, severity=severity, title=title, fix=fix, check=check))
        return check

    return register


def set_rule(
    code: str, severity: Severity, title: str, fix: str
) -> Callable[
    [Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]]],
    Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]],
]:
    """Register a cross-job rule."""

    def register(
        check: Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]],
    ) -> Callable[[Sequence[JobSpec], RuleContext], Iterable[SetViolation]]:
        SET_RULES.append(Rule(code=code, severity=severity, title=title, fix=fix, check_set=check))
        return check

    return register


ERROR = Severity.ERROR
WARNING = Severity.WARNING
