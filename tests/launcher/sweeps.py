"""Sweep jobs and their launcher definitions, built without CDK (for fast executions)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from cdk_sagemaker_training.core.model import JobSpec, MetricDefinition
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.core.sweep import Goal, Objective, OnTrialFailure, SweepSpec
from cdk_sagemaker_training.launcher.definition import JOB_NAME_PLACEHOLDER, placeholder
from cdk_sagemaker_training.launcher.sweep_definition import sweep_definition
from tests.factories import HUGGINGFACE

METRIC = "eval:loss"
SWEEP_JOB = replace(
    HUGGINGFACE,
    name="bert-sweep",
    keep_alive_period_in_seconds=1800,
    max_run=3600,
    hyperparameters={"epochs": 1, "learning_rate": 5e-5},
    metric_definitions=(MetricDefinition(name=METRIC, regex="eval_loss = ([0-9.]+)"),),
)
"""A compiler job with a warm pool and the objective metric; give it a `sweep`."""


def sweep_job(
    *,
    parameters: Mapping[str, tuple[Any, ...]] | None = None,
    trials: tuple[Mapping[str, Any], ...] = (),
    lanes: int = 1,
    goal: Goal = Goal.MINIMIZE,
    on_trial_failure: OnTrialFailure = OnTrialFailure.CONTINUE,
) -> JobSpec:
    """`SWEEP_JOB` with a sweep over `parameters` (Default: 3 learning rates) or `trials`."""
    grid = {} if trials else (parameters or {"learning_rate": (5e-5, 3e-5, 1e-5)})
    sweep = SweepSpec(
        objective=Objective(metric=METRIC, goal=goal),
        parameters=grid,
        explicit_trials=trials,
        lanes=lanes,
        on_trial_failure=on_trial_failure,
    )
    return replace(SWEEP_JOB, sweep=sweep)


def definition_of(spec: JobSpec, **options: Any) -> dict[str, Any]:
    """The sweep launcher of `spec`, deploy-time values as `${Name}` placeholders."""
    request = render_request(
        spec,
        region=placeholder("Region"),
        role_arn=placeholder("RoleArn"),
        job_name=JOB_NAME_PLACEHOLDER,
        image_uri=placeholder("TrainingImage"),
        source_uri=None,
        output_path=spec.output_path or placeholder("OutputPath"),
    )
    return sweep_definition(
        request,
        spec,
        quota_cause="A SageMaker Service Quota is too low",
        output_bucket=placeholder("OutputBucket"),
        output_prefix=spec.name,
        **options,
    )


def quoted_metric(spec: JobSpec, metric: str) -> JobSpec:
    """`spec` (with a sweep) whose objective and metric definition are named `metric`."""
    assert spec.sweep is not None
    objective = replace(spec.sweep.objective, metric=metric)
    return replace(
        spec,
        sweep=replace(spec.sweep, objective=objective),
        metric_definitions=(MetricDefinition(name=metric, regex="m=(.*)"),),
    )
