"""Every launcher of the reference app, executed in moto (`tests.launcher_scenarios`)."""

from __future__ import annotations

import json
from typing import Any, cast

import boto3
import pytest
from aws_cdk import CfnElement

from cdk_sagemaker_training import TrainingSweep
from tests.app.conftest import EXAMPLES, AppSynth
from tests.launcher_runtime import DEPLOY_VALUES, REGION, LauncherRuntime, TrialModel
from tests.launcher_scenarios import SCENARIOS, Case, state_machines

SWEEP_EXAMPLES = ("hf-bert-compiler-sweep",)
EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml") if p.stem not in SWEEP_EXAMPLES)


def launcher_of(app: AppSynth, file_stem: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The construct of the job defined in `jobs/<file_stem>.yaml`, its launcher, the stopper."""
    (stack,) = app.stacks
    (template_file,) = app.templates()
    template = json.loads(template_file.read_text())
    launchers, stopper = state_machines(template)
    (job,) = [j for j in stack.jobs if j.spec.source_file and j.spec.source_file.stem == file_stem]
    machine_id = stack.get_logical_id(cast(CfnElement, job.state_machine.node.default_child))
    return job, launchers[machine_id], stopper


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_launcher_run(
    runtime: LauncherRuntime, example_app: AppSynth, example: str, scenario: str
) -> None:
    job, launcher, stopper = launcher_of(example_app, example)
    SCENARIOS[scenario](Case(runtime, launcher, stopper, job))


@pytest.mark.parametrize("example", SWEEP_EXAMPLES)
def test_example_sweep_runs_every_trial(
    runtime: LauncherRuntime, example_app: AppSynth, example: str
) -> None:
    job, launcher, _ = launcher_of(example_app, example)
    assert isinstance(job, TrainingSweep) and job.spec.sweep is not None
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=DEPLOY_VALUES["OutputBucket"])
    runtime.fake.trials = TrialModel(metrics=lambda hp: {"eval:loss": float(hp["learning_rate"])})
    execution = runtime.run(runtime.create(launcher))
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert len(output["trials"]) == len(job.spec.sweep.trials)
    assert output["best"]["hyperparameters"]["learning_rate"] == "1e-05"
