"""Rules over job specs: each returns findings as data, with a stable code.

A rule is written once here; synthesis, the CLI and the tests all call `check_job` /
`check_jobs`. Error findings block, warnings inform. The README's table of codes is
generated from `all_rules()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..findings import Finding, Severity
from ..model import JobSpec
from . import compiler, job, network, warm_pool  # noqa: F401  (registers the rules)
from .registry import RULES, SET_RULES, Rule, RuleContext, location


def all_rules() -> list[Rule]:
    """Every rule, per-job and cross-job, ordered by code."""
    return sorted([*RULES, *SET_RULES], key=lambda r: r.code)


def check_job(spec: JobSpec, *, region: str | None = None) -> list[Finding]:
    """Every finding for one job. `region`: check the image exists there."""
    context = RuleContext(region=region)
    return [finding for rule in RULES for finding in rule.run(spec, context)]


def check_jobs(specs: Sequence[JobSpec], *, region: str | None = None) -> list[Finding]:
    """Findings for each job plus cross-job checks (warm-pool groups)."""
    context = RuleContext(region=region)
    per_job = [finding for spec in specs for finding in check_job(spec, region=region)]
    return per_job + [finding for rule in SET_RULES for finding in rule.run_set(specs, context)]


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding blocks."""
    return any(f.severity is Severity.ERROR for f in findings)


__all__ = ["Rule", "all_rules", "check_job", "check_jobs", "has_errors", "location"]
