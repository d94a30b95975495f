"""`TrainingSweep`: synthesized with cdk-nag, its launcher executed in moto."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Match

from cdk_sagemaker_training import Integration, TrainingJob, TrainingSweep
from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
from cdk_sagemaker_training.launcher.definition import job_states
from tests.constructs.conftest import Synthesized, synthesize
from tests.constructs.test_training_job import logical_id
from tests.launcher.sweeps import METRIC, quoted_metric, sweep_job
from tests.launcher.test_sweep_runs import loss
from tests.launcher_runtime import DEPLOY_VALUES, REGION, LauncherRuntime, TrialModel
from tests.launcher_scenarios import state_machines
from tests.synth_helpers import nag_violations, policy_statements

SWEEP = sweep_job(lanes=2)


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """A sweep writing to the stack's output bucket, and one with its own output path."""

    def build(stack: Stack) -> dict[str, TrainingJob]:
        output = OutputBucket(stack, "Output")
        return {
            "bucket": TrainingSweep(
                stack,
                "Sweep",
                job=replace(SWEEP, output_path=None),
                output_bucket=output.bucket,
            ),
            "path": TrainingSweep(stack, "PathSweep", job=replace(SWEEP, name="path-sweep")),
        }

    return synthesize(tmp_path_factory.mktemp("sweep"), build)


def test_synthesizes_clean_under_cdk_nag(swept: Synthesized) -> None:
    assert nag_violations(swept.outdir) == []


def _launcher(swept: Synthesized, name: str) -> dict[str, Any]:
    launchers, _ = state_machines(swept.template)
    return launchers[logical_id(swept, swept.jobs[name].state_machine)]


def test_launcher_role_keeps_the_job_guardrails_and_writes_only_trial_tables(
    swept: Synthesized,
) -> None:
    role = swept.jobs["path"].node.find_child("LauncherRole")
    statements = policy_statements(swept.template, logical_id(swept, role))
    create = next(s for s in statements if s["Action"] == "sagemaker:CreateTrainingJob")
    assert (
        create["Condition"]["NumericLessThanEqualsIfExists"]["sagemaker:KeepAlivePeriod"] == "1800"
    )
    writes = [s for s in statements if s["Action"] == "s3:PutObject"]
    assert [w["Resource"] for w in writes] == [
        "arn:<AWS::Partition>:s3:::out-bucket/base/*/trials.json"
    ]


def test_stop_rule_watches_the_sweep(swept: Synthesized) -> None:
    swept.assertions.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": Match.object_like(
                {"detail": Match.object_like({"status": ["ABORTED", "TIMED_OUT", "FAILED"]})}
            )
        },
    )
    swept.assertions.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"LogGroupName": "/aws/vendedlogs/states/sagemaker-training/path-sweep"},
    )


def test_synthesized_sweep_runs_in_moto(swept: Synthesized, runtime: LauncherRuntime) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=DEPLOY_VALUES["OutputBucket"])
    runtime.fake.trials = TrialModel(metrics=loss)
    execution = runtime.run(runtime.create(_launcher(swept, "bucket")))
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert output["objective"]["metric"] == METRIC
    assert output["best"]["hyperparameters"] == {"learning_rate": "1e-05"}
    assert output["trialsUri"].startswith("s3://output-bucket/bert-sweep/")
    assert len(runtime.fake.trials.created) == 3


def test_poll_interval_option_applies(tmp_path: Path) -> None:
    def build(stack: Stack) -> dict[str, TrainingJob]:
        from aws_cdk import Duration

        return {"s": TrainingSweep(stack, "S", job=SWEEP, poll_interval=Duration.minutes(5))}

    synth = synthesize(tmp_path, build)
    assert job_states(synth.jobs["s"].definition)["WaitForJob"]["Seconds"] == 300


@pytest.mark.parametrize(
    ("job", "options", "code"),
    [
        (replace(SWEEP, sweep=None), {}, "SWEEP090"),
        (SWEEP, {"integration": Integration.RUN_JOB}, "SWEEP091"),
        (quoted_metric(SWEEP, 'it\'s a "loss"'), {}, "SWEEP093"),
    ],
    ids=["no-sweep", "run-job", "metric-quotes"],
)
def test_invalid_sweeps_fail_with_a_code(job: Any, options: dict[str, Any], code: str) -> None:
    stack = Stack()
    sweep = TrainingSweep(stack, "Bad", job=job, **options)
    assert code in {f.code for f in sweep.findings}
    assert not sweep.valid


def test_short_keep_alive_warns_that_pools_may_expire() -> None:
    long_trials = replace(SWEEP, max_run=5 * 86_400, keep_alive_period_in_seconds=300)
    sweep = TrainingSweep(Stack(), "Slow", job=long_trials)
    assert "SWEEP190" in {f.code for f in sweep.findings}
    assert "SWEEP190" not in {f.code for f in TrainingSweep(Stack(), "Fast", job=SWEEP).findings}
