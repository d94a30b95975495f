"""Spec findings at synth: errors fail synthesis, warnings become CDK annotations."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import jsii
from aws_cdk import Annotations
from constructs import Construct, IValidation

from .spec.findings import Finding, Severity


@jsii.implements(IValidation)
class _ErrorFindings:
    """Reports error findings when the app synthesizes (CDK prefixes the construct path)."""

    def __init__(self, findings: Callable[[], Sequence[Finding]]) -> None:
        self._findings = findings

    def validate(self) -> list[str]:
        return [
            f"{f.code} {f.path}: {f.message}"
            for f in self._findings()
            if f.severity is Severity.ERROR
        ]


def report_findings(scope: Construct, findings: Callable[[], Sequence[Finding]]) -> None:
    """Fail synthesis on `findings`' errors (evaluated at synth); warn on its warnings now."""
    scope.node.add_validation(_ErrorFindings(findings))
    for finding in findings():
        if finding.severity is Severity.WARNING:
            Annotations.of(scope).add_warning_v2(
                finding.code, f"{finding.code} {finding.path}: {finding.message}"
            )
