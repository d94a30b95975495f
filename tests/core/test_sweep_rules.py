"""The SWEEP rules, each failing and passing (table-driven), at the job-file key named."""

from __future__ import annotations

from typing import Any

import pytest

from cdk_sagemaker_training.core.model import InstanceGroup, JobSpec, MetricDefinition
from cdk_sagemaker_training.core.rules import check_job
from cdk_sagemaker_training.core.rules.sweep import SWEEP_NAME_MAX_LENGTH
from cdk_sagemaker_training.core.sweep import MAX_TRIALS, Objective, SweepSpec
from tests.factories import BASE, TENSORFLOW, job

LOSS = "eval:loss"
METRICS = (MetricDefinition(name=LOSS, regex="eval_loss: ([0-9.]+)"),)


def sweep(**changes: Any) -> SweepSpec:
    """A valid two-trial grid on the learning rate, minimizing `LOSS`."""
    values: dict[str, Any] = {"objective": Objective(metric=LOSS), "parameters": {"lr": (1, 2)}}
    return SweepSpec(**{**values, **changes})


def swept(base: JobSpec = BASE, **changes: Any) -> JobSpec:
    """`base` as a valid sweep job (warm pool, objective metric); `changes` override."""
    values: dict[str, Any] = {
        "keep_alive_period_in_seconds": 600,
        "metric_definitions": METRICS,
        "sweep": sweep(),
    }
    return job(base, **{**values, **changes})


def trials(*values: dict[str, Any]) -> SweepSpec:
    return sweep(parameters={}, explicit_trials=values)


GROUPS = (InstanceGroup(instance_group_name="a", instance_type="ml.p3.2xlarge", instance_count=1),)
# (id, job, code, path the finding names)
FAILING = [
    (
        "no-keep-alive",
        swept(keep_alive_period_in_seconds=0),
        "SWEEP001",
        "keep_alive_period_in_seconds",
    ),
    (
        "grid-varies-instance-type",
        swept(sweep=sweep(parameters={"instance_type": ("a", "b")})),
        "SWEEP002",
        "sweep.parameters.instance_type",
    ),
    (
        "trial-varies-keep-alive",
        swept(sweep=trials({"lr": 1}, {"keep_alive_period_in_seconds": 0})),
        "SWEEP002",
        "sweep.trials[1].keep_alive_period_in_seconds",
    ),
    (
        "trial-sets-sagemaker-program",
        swept(sweep=trials({"sagemaker_program": "x.py"})),
        "SWEEP003",
        "sweep.trials[0].sagemaker_program",
    ),
    (
        "grid-sets-compiler-flag",
        swept(sweep=sweep(parameters={"sagemaker_training_compiler_enabled": (False,)})),
        "SWEEP003",
        "sweep.parameters.sagemaker_training_compiler_enabled",
    ),
    (
        "tensorflow-model-dir",
        swept(TENSORFLOW, sweep=sweep(parameters={"model_dir": ("/a", "/b")})),
        "SWEEP003",
        "sweep.parameters.model_dir",
    ),
    (
        "objective-undefined",
        swept(sweep=sweep(objective=Objective(metric="accuracy"))),
        "SWEEP004",
        "sweep.objective.metric",
    ),
    (
        "objective-without-metrics",
        swept(metric_definitions=()),
        "SWEEP004",
        "sweep.objective.metric",
    ),
    (
        "grid-value-list-empty",
        swept(sweep=sweep(parameters={"lr": (1,), "w": ()})),
        "SWEEP005",
        "sweep.parameters.w",
    ),
    ("trials-empty", swept(sweep=trials()), "SWEEP005", "sweep"),
    ("over-max-trials", swept(sweep=sweep(max_trials=1)), "SWEEP006", "sweep.max_trials"),
    (
        "over-the-library-cap",
        swept(sweep=sweep(parameters={"lr": tuple(range(MAX_TRIALS + 1))})),
        "SWEEP006",
        "sweep",
    ),
    ("spot", swept(use_spot_instances=True, max_wait=90000), "SWEEP007", "use_spot_instances"),
    (
        "instance-groups",
        swept(instance_type=None, instance_groups=GROUPS),
        "SWEEP007",
        "instance_groups",
    ),
    ("name-too-long-for-trials", swept(name="n" * (SWEEP_NAME_MAX_LENGTH + 1)), "SWEEP008", "name"),
    (
        "trial-value-too-long",
        swept(sweep=trials({"lr": 1}, {"text": "x" * 2600})),
        "SWEEP009",
        "sweep.trials[1].text",
    ),
    (
        "grid-value-too-long",
        swept(sweep=sweep(parameters={"text": ("x", "x" * 2600)})),
        "SWEEP009",
        "sweep.parameters.text",
    ),
    (
        "trial-sets-too-many-hyperparameters",
        swept(sweep=trials({f"k{i}": i for i in range(100)})),
        "SWEEP009",
        "sweep.trials[0]",
    ),
    ("lanes-over-trials", swept(sweep=sweep(lanes=3)), "SWEEP101", "sweep.lanes"),
    (
        "grid-value-repeated",
        swept(sweep=sweep(parameters={"lr": (1, 2, 1)})),
        "SWEEP102",
        "sweep.parameters.lr[2]",
    ),
    (
        "trial-repeated",
        swept(sweep=trials({"a": 1, "b": "x"}, {"b": "x", "a": 1})),
        "SWEEP102",
        "sweep.trials[1]",
    ),
]
# (id, job, code): the code must not appear
PASSING = [
    ("keep-alive", swept(), "SWEEP001"),
    ("no-sweep-no-keep-alive", BASE, "SWEEP001"),
    (
        "varies-hyperparameters-only",
        swept(sweep=trials({"lr": 1}, {"lr": 2, "epochs": 3})),
        "SWEEP002",
    ),
    (
        "job-key-named-as-a-hyperparameter",
        swept(hyperparameters={"name": "bert"}, sweep=sweep(parameters={"name": ("a", "b")})),
        "SWEEP002",
    ),
    ("pytorch-model-dir", swept(sweep=sweep(parameters={"model_dir": ("/a", "/b")})), "SWEEP003"),
    ("objective-defined", swept(), "SWEEP004"),
    ("one-trial", swept(sweep=trials({"lr": 1})), "SWEEP005"),
    ("at-max-trials", swept(sweep=sweep(max_trials=2)), "SWEEP006"),
    (
        "at-the-library-cap",
        swept(sweep=sweep(parameters={"lr": tuple(range(MAX_TRIALS))})),
        "SWEEP006",
    ),
    ("on-demand", swept(), "SWEEP007"),
    ("name-at-the-limit", swept(name="n" * SWEEP_NAME_MAX_LENGTH), "SWEEP008"),
    ("trial-value-at-the-limit", swept(sweep=trials({"text": "x" * 2498})), "SWEEP009"),
    ("lanes-equal-trials", swept(sweep=sweep(lanes=2)), "SWEEP101"),
    (
        "values-differ-by-type",
        swept(sweep=sweep(parameters={"lr": (1, 1.0, True, "1")})),
        "SWEEP102",
    ),
]


def paths(spec: JobSpec, code: str) -> list[str]:
    """The job-file keys `code` names for `spec`."""
    return [f.path.rsplit(":", 1)[1] for f in check_job(spec) if f.code == code]


@pytest.mark.parametrize(
    ("spec", "code", "path"), [c[1:] for c in FAILING], ids=[c[0] for c in FAILING]
)
def test_sweep_rule_reports_at_the_key(spec: JobSpec, code: str, path: str) -> None:
    assert path in paths(spec, code)


@pytest.mark.parametrize(("spec", "code"), [c[1:] for c in PASSING], ids=[c[0] for c in PASSING])
def test_sweep_rule_passes(spec: JobSpec, code: str) -> None:
    assert paths(spec, code) == []


def test_a_valid_sweep_has_no_sweep_findings() -> None:
    assert [f for f in check_job(swept()) if f.code.startswith("SWEEP")] == []


def test_a_base_hyperparameter_over_its_bound_is_api001_only() -> None:
    spec = swept(hyperparameters={"text": "x" * 2600}, sweep=trials({"lr": 1}, {"lr": 2}))
    assert [f.code for f in check_job(spec) if "text" in f.path] == ["API001"]


def test_a_long_name_is_reported_once() -> None:
    codes = [f.code for f in check_job(swept(name="n" * 50)) if f.path.endswith(":name")]
    assert codes == ["JOB001"]
