"""Spec findings at synth: errors fail synthesis, warnings become CDK annotations."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jsii
from aws_cdk import Annotations
from constructs import Construct, IValidation

from cdk_sagemaker_training.core.findings import Finding, Severity


@jsii.implements(IValidation)
class _ErrorFindings:
    """Reports error findings when the app synthesizes (CDK prefixes the construct path)."""

    def __init__(self, findings: Callable[[], Sequence[Finding]]) -> None:
        self._findings = findings

    def validate(self) -> list[str]:
        return [
            f.describe(severity=False) for f in self._findings() if f.severity is Severity.ERROR
        ]


def report_findings(scope: Construct, findings: Sequence[Finding]) -> None:
    """Fail synthesis on the errors among `findings`; warn on its warnings now."""
    if any(f.severity is Severity.ERROR for f in findings):
        report_errors_at_synth(scope, lambda: findings)
    warnings = [f for f in findings if f.severity is Severity.WARNING]
    if warnings:
        annotations = Annotations.of(scope)
        for finding in warnings:
            annotations.add_warning_v2(finding.code, finding.describe(severity=False))


def report_errors_at_synth(scope: Construct, findings: Callable[[], Sequence[Finding]]) -> None:
    """Fail synthesis on the errors `findings` returns when the app synthesizes (for
    findings that depend on constructs added later, such as a warm-pool group's jobs)."""
    scope.node.add_validation(_ErrorFindings(findings))
