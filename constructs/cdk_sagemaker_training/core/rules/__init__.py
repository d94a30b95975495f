"""Rules over job specs: each returns findings as data, with a stable code.

A rule is written once here; synthesis, the CLI and the tests all call `check_job` /
`check_jobs`. Error findings block, warnings inform. The README's table of codes is
generated from `all_rules()`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cdk_sagemaker_training.core.findings import Finding, Severity
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.policy import PlatformPolicy
from cdk_sagemaker_training.core.rules import (  # noqa: F401  (registers the rules)
    compiler,
    distribution,
    job,
    launcher,
    network,
    platform_policy,
    request_limits,
    sweep,
    warm_pool,
)
from cdk_sagemaker_training.core.rules.registry import RULES, SET_RULES, Rule, RuleContext, location


def all_rules() -> list[Rule]:
    """Every rule, per-job and cross-job, ordered by code."""
    return sorted([*RULES, *SET_RULES], key=lambda r: r.code)


POLICY_PREFIX = "POLICY"


def check_job(
    spec: JobSpec, *, region: str | None = None, policy: PlatformPolicy | None = None
) -> list[Finding]:
    """Every finding for one job. `region`: check the image exists there. `policy`: the
    platform team's limits; Default: none."""
    context = RuleContext(region=region, policy=policy)
    return _unrepeated([finding for rule in RULES for finding in rule.run(spec, context)])


MODEL_BOUNDS_CODE = "API001"


def _unrepeated(findings: list[Finding]) -> list[Finding]:
    """Drop the generic API-model findings on a field a specific rule already reported."""
    specific = {
        f.path for f in findings if f.severity is Severity.ERROR and f.code != MODEL_BOUNDS_CODE
    }
    return [f for f in findings if f.code != MODEL_BOUNDS_CODE or f.path not in specific]


def check_policy(spec: JobSpec, policy: PlatformPolicy) -> list[Finding]:
    """Only the platform-policy findings for one job."""
    context = RuleContext(policy=policy)
    policy_rules = [r for r in RULES if r.code.startswith(POLICY_PREFIX)]
    return [finding for rule in policy_rules for finding in rule.run(spec, context)]


def check_job_set(
    specs: Sequence[JobSpec],
    *,
    region: str | None = None,
    policy: PlatformPolicy | None = None,
) -> list[Finding]:
    """Only the cross-job findings (e.g. warm-pool group compatibility)."""
    context = RuleContext(region=region, policy=policy)
    return [finding for rule in SET_RULES for finding in rule.run_set(specs, context)]


def check_jobs(
    specs: Sequence[JobSpec],
    *,
    region: str | None = None,
    policy: PlatformPolicy | None = None,
) -> list[Finding]:
    """Findings for each job plus the cross-job checks."""
    per_job = [f for spec in specs for f in check_job(spec, region=region, policy=policy)]
    return per_job + check_job_set(specs, region=region, policy=policy)


def has_errors(findings: Iterable[Finding]) -> bool:
    """Whether any finding blocks."""
    return any(f.severity is Severity.ERROR for f in findings)


__all__ = [
    "Rule",
    "all_rules",
    "check_job",
    "check_job_set",
    "check_jobs",
    "check_policy",
    "has_errors",
    "location",
]
