"""Which SageMaker Service Quotas a set of jobs needs: pure, no AWS calls.

Quota names are the ones Service Quotas publishes for service code `sagemaker`; their
codes (`L-...`) are opaque and are resolved by name at check time, never here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdk_sagemaker_training.core.model import JobSpec

MAX_INSTANCES_PER_JOB = "Maximum number of instances per training job"
INSTANCES_ACROSS_JOBS = "Number of instances across all training jobs"


class QuotaKind(StrEnum):
    """What a quota limits; per-instance-type kinds hold the quota name's suffix."""

    TRAINING = "for training job usage"
    WARM_POOL = "for training warm pool usage"
    SPOT = "for spot training job usage"
    PER_JOB = "per job"
    ACROSS_JOBS = "across jobs"


def quota_name(kind: QuotaKind, instance_type: str | None = None) -> str:
    """The Service Quotas name of `kind` (for `instance_type` when per type)."""
    if kind is QuotaKind.PER_JOB:
        return MAX_INSTANCES_PER_JOB
    if kind is QuotaKind.ACROSS_JOBS:
        return INSTANCES_ACROSS_JOBS
    if not instance_type:
        raise ValueError(f"quota kind {kind.name} needs an instance type")
    return f"{instance_type} {kind.value}"


@dataclass(frozen=True, kw_only=True)
class QuotaRequirement:
    """How much of one quota the jobs need at most, and why."""

    kind: QuotaKind
    needed: int
    instance_type: str | None = None
    """Default: None, for quotas that are not per instance type."""
    jobs: tuple[str, ...] = ()
    reason: str = ""

    @property
    def quota_name(self) -> str:
        """The Service Quotas name this requirement is checked against."""
        return quota_name(self.kind, self.instance_type)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (also what the deploy-time guard receives)."""
        return {
            "kind": self.kind.name,
            "quota_name": self.quota_name,
            "needed": self.needed,
            "instance_type": self.instance_type,
            "jobs": list(self.jobs),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QuotaRequirement:
        """Inverse of `as_dict` (numbers may arrive as strings from CloudFormation)."""
        return cls(
            kind=QuotaKind[str(data["kind"])],
            needed=int(data["needed"]),
            instance_type=data.get("instance_type") or None,
            jobs=tuple(str(job) for job in data.get("jobs", ())),
            reason=str(data.get("reason", "")),
        )


def _run_instances(spec: JobSpec) -> dict[str, int]:
    """Instances of each type that one run of `spec` uses."""
    if spec.instance_groups:
        counts: dict[str, int] = defaultdict(int)
        for group in spec.instance_groups:
            counts[group.instance_type] += group.instance_count
        return dict(counts)
    return {spec.instance_type: spec.instance_count} if spec.instance_type else {}


def _parallel_jobs(spec: JobSpec) -> int:
    """Jobs of `spec` that may run at once: `max_concurrent_runs` executions, each running
    one trial per active lane when it is a sweep."""
    lanes = spec.sweep.active_lanes if spec.sweep is not None else 1
    return spec.max_concurrent_runs * lanes


def _pools(spec: JobSpec) -> int:
    """Warm pools `spec` may retain at once: one per job that may run at the same time
    (each finished job keeps its own pool until a matching job reuses it), so
    `max_concurrent_runs`, times the lanes of a sweep."""
    return _parallel_jobs(spec)


def _keeps_pool(spec: JobSpec) -> bool:
    # SageMaker retains no pool for spot jobs or heterogeneous clusters (the spec rules
    # report those combinations), so they need no warm-pool quota.
    return spec.warm_pool_enabled and not spec.use_spot_instances and not spec.instance_groups


def _warm_pools(specs: Iterable[JobSpec]) -> dict[tuple[str, str], tuple[int, list[str]]]:
    """Pools the jobs retain: (pool key, instance type) -> (instances, job names).

    Per `warm_pool_group`, or per ungrouped job: one pool per run that may be in flight
    (`max_concurrent_runs`, times a sweep's lanes); a group's pools are as large as its
    largest member of that instance type.
    """
    pools: dict[tuple[str, str], tuple[int, list[str]]] = {}
    for spec in specs:
        if spec.instance_type is None or not _keeps_pool(spec):
            continue
        key = (spec.warm_pool_group or f"job:{spec.name}", spec.instance_type)
        size, names = pools.get(key, (0, []))
        pools[key] = (max(size, spec.instance_count * _pools(spec)), [*names, spec.name])
    return pools


def derive_requirements(specs: Iterable[JobSpec]) -> list[QuotaRequirement]:
    """Every quota the jobs need, in a stable order (per type, then account-wide).

    Training-job usage counts each job's instances times `max_concurrent_runs` (and a
    sweep's lanes), plus the instances retained in warm pools, which SageMaker counts
    against the same quota.
    """
    specs = list(specs)
    per_type: dict[tuple[QuotaKind, str], tuple[int, list[str]]] = {}

    def add(kind: QuotaKind, instance_type: str, count: int, job: str) -> None:
        total, names = per_type.get((kind, instance_type), (0, []))
        per_type[(kind, instance_type)] = (total + count, [*names, job])

    for spec in specs:
        kind = QuotaKind.SPOT if spec.use_spot_instances else QuotaKind.TRAINING
        for instance_type, count in _run_instances(spec).items():
            add(kind, instance_type, count * _parallel_jobs(spec), spec.name)
    pooled = 0
    for (_, instance_type), (size, names) in _warm_pools(specs).items():
        pooled += size
        for kind in (QuotaKind.WARM_POOL, QuotaKind.TRAINING):
            total, jobs = per_type.get((kind, instance_type), (0, []))
            per_type[(kind, instance_type)] = (total + size, [*jobs, *names])

    reasons = {
        QuotaKind.TRAINING: "instances x max_concurrent_runs (x sweep lanes) of on-demand "
        "jobs, plus retained warm-pool instances",
        QuotaKind.WARM_POOL: "one pool per concurrent run (x sweep lanes) of each "
        "warm_pool_group or ungrouped job with keep_alive_period_in_seconds > 0, sized by "
        "instance_count",
        QuotaKind.SPOT: "instances x max_concurrent_runs of spot jobs",
    }
    order = list(QuotaKind)
    requirements = [
        QuotaRequirement(
            kind=kind,
            instance_type=instance_type,
            needed=total,
            jobs=tuple(dict.fromkeys(names)),
            reason=reasons[kind],
        )
        for (kind, instance_type), (total, names) in sorted(
            per_type.items(), key=lambda item: (item[0][1], order.index(item[0][0]))
        )
    ]
    sized = [spec for spec in specs if spec.total_instance_count > 0]
    if sized:
        largest = max(spec.total_instance_count for spec in sized)
        requirements.append(
            QuotaRequirement(
                kind=QuotaKind.PER_JOB,
                needed=largest,
                jobs=tuple(s.name for s in sized if s.total_instance_count == largest),
                reason="the largest single job",
            )
        )
        requirements.append(
            QuotaRequirement(
                kind=QuotaKind.ACROSS_JOBS,
                needed=sum(s.total_instance_count * _parallel_jobs(s) for s in sized) + pooled,
                jobs=tuple(s.name for s in sized),
                reason="all jobs at max_concurrent_runs (x sweep lanes), plus retained "
                "warm-pool instances",
            )
        )
    return requirements
