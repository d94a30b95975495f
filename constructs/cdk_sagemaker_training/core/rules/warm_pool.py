"""Managed warm-pool rules, per job and across the jobs of one `warm_pool_group`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence

from cdk_sagemaker_training.core import warm_pool as pool
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules.registry import (
    ERROR,
    WARNING,
    RuleContext,
    SetViolation,
    Violation,
    rule,
    set_rule,
)


@rule(
    "WPOOL001",
    ERROR,
    "Keep-alive period out of the API's bounds",
    "Use a keep_alive_period_in_seconds within the bounds of the SageMaker API",
)
def _keep_alive_bounds(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    low, high = pool.keep_alive_bounds()
    if not low <= spec.keep_alive_period_in_seconds <= high:
        yield (
            "keep_alive_period_in_seconds",
            f"received {spec.keep_alive_period_in_seconds}; allowed {low}-{high}",
        )


@rule(
    "WPOOL002",
    ERROR,
    "Warm pools do not work with managed spot training",
    "Remove keep_alive_period_in_seconds or use_spot_instances",
)
def _spot(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.warm_pool_enabled and spec.use_spot_instances:
        yield "keep_alive_period_in_seconds", "received a keep-alive with use_spot_instances: true"


@rule(
    "WPOOL003",
    ERROR,
    "Warm pools do not work with heterogeneous clusters",
    "Remove keep_alive_period_in_seconds or instance_groups",
)
def _instance_groups(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.warm_pool_enabled and spec.instance_groups:
        yield "keep_alive_period_in_seconds", "received a keep-alive with instance_groups"


@set_rule(
    "WPOOL004",
    ERROR,
    "Jobs of one warm-pool group cannot reuse one pool",
    "Make the named key equal across the group, or move the job to another warm_pool_group",
)
def _group_compatibility(specs: Sequence[JobSpec], _: RuleContext) -> Iterator[SetViolation]:
    groups: dict[str, list[JobSpec]] = defaultdict(list)
    for spec in specs:
        if spec.warm_pool_group is not None:
            groups[spec.warm_pool_group].append(spec)
    for name, members in groups.items():
        first = members[0]
        for other in members[1:]:
            difference = pool.first_reuse_difference(first, other)
            if difference is not None:
                key, api_field, theirs, ours = difference
                yield (
                    other,
                    key,
                    f"{api_field} is {ours!r} here but {theirs!r} in job {first.name!r} of "
                    f"warm-pool group {name!r}",
                )


@rule(
    "WPOOL101",
    WARNING,
    "Keep-alive above the documented 3600 seconds",
    "The Developer Guide documents at most 3600 s; you pay for every retained second",
)
def _long_keep_alive(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.keep_alive_period_in_seconds > pool.DOCUMENTED_MAX_KEEP_ALIVE_SECONDS:
        yield "keep_alive_period_in_seconds", f"received {spec.keep_alive_period_in_seconds}"


@rule(
    "WPOOL102",
    WARNING,
    "Warm-pool quota defaults to 0",
    "Without a raised '<type> for training warm pool usage' quota no pool is retained and no "
    "error is raised; run `cdk-sagemaker-training quotas` before relying on it",
)
def _quota(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.warm_pool_enabled:
        yield "keep_alive_period_in_seconds", f"{spec.instance_type} keeps a warm pool"


@rule(
    "WPOOL103",
    WARNING,
    "Warm-pool setting without a keep-alive has no effect",
    "Set keep_alive_period_in_seconds > 0, or remove warm_pool_group / use_warm_pool_cache",
)
def _inert_settings(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.warm_pool_enabled:
        return
    if spec.warm_pool_group is not None:
        yield "warm_pool_group", f"received {spec.warm_pool_group!r} without a keep-alive"
    if spec.use_warm_pool_cache:
        yield "use_warm_pool_cache", "received true without a keep-alive"
