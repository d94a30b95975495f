"""The reference app's stacks, composed from the library's constructs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import App, Environment, Stack

from cdk_sagemaker_training.launcher_definition import Integration
from cdk_sagemaker_training.quota_guard import GuardMode
from cdk_sagemaker_training.spec.loader import load_jobs
from cdk_sagemaker_training.spec.model import JobSpec

from .training_jobs import TrainingJobsStack

JOBS_PER_STACK = 50
"""Keeps every job stack far below CloudFormation's 500 resources, 200 outputs and 1 MB."""
DEFAULT_JOBS = "jobs"
JOBS_STACK_PREFIX = "TrainingJobs"


def partition(specs: Sequence[JobSpec], size: int = JOBS_PER_STACK) -> list[list[JobSpec]]:
    """Jobs split into stacks of at most `size`, in order, never splitting a warm-pool group."""
    units: dict[str, list[JobSpec]] = {}
    for spec in specs:
        units.setdefault(spec.warm_pool_group or f"job:{spec.name}", []).append(spec)
    stacks: list[list[JobSpec]] = [[]]
    for unit in units.values():
        if stacks[-1] and len(stacks[-1]) + len(unit) > size:
            stacks.append([])
        stacks[-1].extend(unit)
    return stacks


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def build_app(app: App, specs: Sequence[JobSpec] | None = None) -> list[Stack]:
    """The reference app's stacks for `specs`. Default: the jobs under context `jobs`.

    Context: `jobs` (file or folder, default `jobs`), `account` and `region` (both for an
    environment-specific app; default environment-agnostic), `quota_guard`
    (fail|warn|off, default fail), `integration` (RUN_JOB|SDK_POLL, default RUN_JOB),
    `start_on_deploy` (default false). Raises `SpecError` for unreadable job files.
    """
    context = app.node.try_get_context
    if specs is None:
        specs = load_jobs(context("jobs") or DEFAULT_JOBS)
    account, region = context("account"), context("region")
    env = Environment(account=account, region=region) if account or region else None
    stacks: list[Stack] = []
    for index, jobs in enumerate(partition(specs), start=1):
        stack = TrainingJobsStack(
            app,
            f"{JOBS_STACK_PREFIX}{index}",
            jobs=jobs,
            integration=Integration(context("integration") or Integration.RUN_JOB),
            quota_guard=GuardMode(context("quota_guard") or GuardMode.FAIL),
            start_on_deploy=_flag(context("start_on_deploy")),
            env=env,
            description=f"SageMaker training launchers ({len(jobs)} jobs)",
        )
        stacks.append(stack)
    return stacks
