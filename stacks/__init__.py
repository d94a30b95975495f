"""The reference app's stacks, composed from the library's constructs."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, TypeVar

from aws_cdk import App, Environment
from constructs import Construct

from cdk_sagemaker_training import (
    GuardMode,
    Integration,
    JobSpec,
    QuotaGuard,
    Severity,
    SpecError,
    load_jobs,
)
from cdk_sagemaker_training.core.codes import define, registered  # the app's own codes
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH
from cdk_sagemaker_training.core.placement import JOBS_PER_STACK, JOBS_STACK_PREFIX, assign_stacks
from stacks import pipeline_config  # noqa: F401  (defines the PIPE codes: in APP_CODES)
from stacks.training_jobs import QUOTA_GUARD_ID, TrainingJobsStack

EnumT = TypeVar("EnumT", bound=StrEnum)
APP = "app"
APP001 = define(
    "APP001",
    Severity.ERROR,
    "Invalid reference-app context value",
    "Use a value listed (-c key=...)",
    owner=APP,
)
APP002 = define(
    "APP002",
    Severity.ERROR,
    "More jobs pin a stack than fit in one",
    "Pin some jobs to another stack",
    owner=APP,
)
APP_CODES = tuple(registered(APP))
"""The reference app's own codes (the library's are listed by `rules`)."""


def partition(specs: Sequence[JobSpec], size: int = JOBS_PER_STACK) -> dict[str, list[JobSpec]]:
    """Jobs by stack id (`core.placement.assign_stacks`: at most `size` per stack, never
    splitting a warm-pool group, pinned jobs in `TrainingJobs-<stack>`).

    Raises `SpecError` (APP002) when a pinned stack gets more than `size` jobs.
    """
    stacks = assign_stacks(specs, size)
    full = [(stack_id, jobs) for stack_id, jobs in stacks.items() if len(jobs) > size]
    if full:
        raise SpecError(
            [
                APP002.finding(
                    f"stack:{stack_id.removeprefix(JOBS_STACK_PREFIX + '-')}",
                    f"{len(jobs)} jobs name this stack; at most {size} fit in one "
                    "stack: pin some of them to another stack",
                )
                for stack_id, jobs in full
            ]
        )
    return stacks


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _choice(app: App, key: str, enum: type[EnumT], default: EnumT) -> EnumT:
    """Context value `key` as a member of `enum`; a bad value is a SpecError (APP001)."""
    value = app.node.try_get_context(key)
    if value is None:
        return default
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise SpecError(
            [
                APP001.finding(
                    f"context:{key}", f"received {value!r}; use one of: {allowed} (-c {key}=...)"
                )
            ]
        ) from None


def build_app(app: App, specs: Sequence[JobSpec] | None = None) -> list[TrainingJobsStack]:
    """The reference app's stacks for `specs`. Default: the jobs under context `jobs`.

    Context: `jobs` (file or folder, default `jobs`), `account` and `region` (both for an
    environment-specific app; default environment-agnostic), `quota_guard`
    (fail|warn|off, default fail), `integration` (SDK_POLL|RUN_JOB, default SDK_POLL),
    `start_on_deploy` (default false). Raises `SpecError` for unreadable job files.
    """
    context = app.node.try_get_context
    if specs is None:
        specs = load_jobs(context("jobs") or DEFAULT_JOBS_PATH)
    account, region = context("account"), context("region")
    return add_training_stacks(
        app,
        specs,
        env=Environment(account=account, region=region) if account or region else None,
        integration=_choice(app, "integration", Integration, Integration.SDK_POLL),
        mode=_choice(app, "quota_guard", GuardMode, GuardMode.FAIL),
        start_on_deploy=_flag(context("start_on_deploy")),
    )


def add_training_stacks(
    scope: Construct,
    specs: Sequence[JobSpec],
    *,
    env: Environment | None = None,
    integration: Integration = Integration.SDK_POLL,
    mode: GuardMode = GuardMode.FAIL,
    start_on_deploy: bool = False,
) -> list[TrainingJobsStack]:
    """The training-job stacks of `specs` in `scope` (an `App`, or a pipeline's `Stage`):
    `partition`'s stacks and one `QuotaGuard`. Default: `env` of `scope`, `SDK_POLL`,
    guard mode fail, no start on deploy."""
    stacks: list[TrainingJobsStack] = []
    for stack_id, jobs in partition(specs).items():
        stack = TrainingJobsStack(
            scope,
            stack_id,
            jobs=jobs,
            integration=integration,
            start_on_deploy=start_on_deploy,
            env=env,
            description=f"SageMaker training launchers ({len(jobs)} jobs)",
        )
        stacks.append(stack)
    guard_launchers(stacks, specs, mode)
    return stacks


def guard_launchers(
    stacks: Sequence[TrainingJobsStack], specs: Sequence[JobSpec], mode: GuardMode
) -> QuotaGuard:
    """One `QuotaGuard` for all jobs (quotas are account-wide), in the first stack; every
    launcher depends on it, so no launcher deploys before the check passed: the first
    stack's launchers each, the other stacks as a whole (CDK would turn each launcher's
    dependency on another stack's guard into this same stack dependency)."""
    first, *rest = stacks
    guard = QuotaGuard(first, QUOTA_GUARD_ID, jobs=specs, mode=mode, logs_key=first.logs_key)
    if guard.resource is None:  # off, or no quota to check: nothing to wait for
        return guard
    for job in first.jobs:
        job.node.add_dependency(guard)
    for stack in rest:
        stack.add_stack_dependency(first, "The QuotaGuard checks every job's quotas first")
    return guard
