"""Which of the reference app's stacks each job deploys in (pure: `stacks/` builds them,
`plan --changed-since` compares them between two git refs)."""

from __future__ import annotations

from collections.abc import Sequence

from cdk_sagemaker_training.core.model import JobSpec

JOBS_PER_STACK = 40
"""Keeps every job stack well below CloudFormation's limits: about 4 resources, 1 output
and 19 KB of template per job against 500 resources, 200 outputs and 1 MB (measured: the
largest stack of 1,000 jobs has 177 resources and 762 KB; `benchmarks/synth_e2e.py`)."""
JOBS_STACK_PREFIX = "TrainingJobs"


def assign_stacks(specs: Sequence[JobSpec], size: int = JOBS_PER_STACK) -> dict[str, list[JobSpec]]:
    """Jobs by stack id, never splitting a warm-pool group.

    A job with `stack: NAME` goes to `TrainingJobs-NAME` whatever else changes (however
    many jobs pin it: the app reports overfull pinned stacks); the others fill
    `TrainingJobs1..N` in order, at most `size` per stack (adding a job file may move
    later unpinned jobs). Default `size`: `JOBS_PER_STACK`.
    """
    units: dict[str, list[JobSpec]] = {}
    for spec in specs:
        units.setdefault(spec.warm_pool_group or f"job:{spec.name}", []).append(spec)
    stacks: dict[str, list[JobSpec]] = {}
    automatic: list[list[JobSpec]] = [[]]
    for unit in units.values():
        pinned = unit[0].stack  # rule JOB014 keeps a group's stack consistent
        if pinned is not None:
            stacks.setdefault(f"{JOBS_STACK_PREFIX}-{pinned}", []).extend(unit)
            continue
        if automatic[-1] and len(automatic[-1]) + len(unit) > size:
            automatic.append([])
        automatic[-1].extend(unit)
    numbered = {
        f"{JOBS_STACK_PREFIX}{index}": jobs
        for index, jobs in enumerate(automatic, start=1)
        if jobs or not stacks
    }
    return {**numbered, **stacks}


def stack_of_each(specs: Sequence[JobSpec]) -> dict[str, str]:
    """Job name -> the stack id `assign_stacks` gives it."""
    return {spec.name: stack for stack, jobs in assign_stacks(specs).items() for spec in jobs}
