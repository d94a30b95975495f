"""Sweep launchers executed in moto's Step Functions interpreter, SageMaker answering trial
states, warm pools and metrics from `TrialModel` (`tests.launcher_runtime`)."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import boto3
import pytest

from cdk_sagemaker_training.aws.sweeps import build_report
from cdk_sagemaker_training.core.sweep import Goal, OnTrialFailure
from cdk_sagemaker_training.launcher.definition import STOPPED_STATUSES, stopper_definition
from cdk_sagemaker_training.launcher.sweep_definition import POOL_READY
from tests.launcher.sweeps import METRIC, definition_of, sweep_job
from tests.launcher_runtime import (
    DEPLOY_VALUES,
    REGION,
    LauncherRuntime,
    TrialModel,
    as_resource,
)

RATES = (5e-5, 3e-5, 1e-5, 2e-5)


def loss(hyperparameters: Mapping[str, str]) -> dict[str, float]:
    """The objective of a trial: its learning rate times 1000 (5e-5 -> 0.05)."""
    return {METRIC: round(json.loads(hyperparameters["learning_rate"]) * 1000, 6), "other": 1.0}


def run_sweep(
    runtime: LauncherRuntime, spec: Any, model: TrialModel | None = None
) -> dict[str, Any]:
    """Run the sweep of `spec` once; its execution, with the output parsed."""
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=DEPLOY_VALUES["OutputBucket"])
    runtime.fake.trials = model or TrialModel(metrics=loss)
    execution = runtime.run(runtime.create(as_resource(definition_of(spec))))
    assert execution["status"] == "SUCCEEDED", execution
    return {**execution, "output": json.loads(execution["output"])}


def by_trial(output: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    return {t["trial"]: t for t in output["trials"]}


def test_grid_runs_every_trial_with_its_overrides(runtime: LauncherRuntime) -> None:
    spec = sweep_job(lanes=2, parameters={"learning_rate": RATES[:2], "epochs": (1, 2)})
    output = run_sweep(runtime, spec)["output"]
    trials = by_trial(output)
    assert sorted(trials) == [0, 1, 2, 3]
    expected = [
        {"learning_rate": json.dumps(r), "epochs": str(e)} for r in RATES[:2] for e in (1, 2)
    ]
    assert [trials[i]["hyperparameters"] for i in range(4)] == expected
    assert [trials[i]["lane"] for i in range(4)] == [0, 1, 0, 1]
    sent = {c.name: c.hyperparameters for c in runtime.fake.trials.created}  # type: ignore[union-attr]
    for trial in trials.values():
        received = sent[trial["jobName"]]
        assert {k: received[k] for k in trial["hyperparameters"]} == trial["hyperparameters"]
        # The SDK's own keys are the job's, with the trial's name.
        assert received["sagemaker_job_name"] == json.dumps(trial["jobName"])
    assert {t["jobName"] for t in trials.values()} == {
        f"{output['sweep']}-t00{i}" for i in range(4)
    }


def test_explicit_trials_run_in_their_order(runtime: LauncherRuntime) -> None:
    listed = ({"learning_rate": 3e-5}, {"learning_rate": 1e-5, "epochs": 3})
    output = run_sweep(runtime, sweep_job(trials=listed))["output"]
    trials = by_trial(output)
    assert [trials[i]["hyperparameters"] for i in (0, 1)] == [
        {"learning_rate": "3e-05"},
        {"learning_rate": "1e-05", "epochs": "3"},
    ]
    created = [c.name for c in runtime.fake.trials.created]  # type: ignore[union-attr]
    assert created == [trials[0]["jobName"], trials[1]["jobName"]]


def test_no_trial_starts_before_its_predecessors_pool_is_available(
    runtime: LauncherRuntime,
) -> None:
    model = TrialModel(metrics=loss, pool_delay=3)
    spec = sweep_job(lanes=2, parameters={"learning_rate": (*RATES, 4e-5, 6e-5)})
    output = run_sweep(runtime, spec, model)["output"]
    trials = by_trial(output)
    created = {c.name: c for c in model.created}
    for trial in (trials[i] for i in range(2, 6)):
        previous = trials[trial["trial"] - 2]  # two lanes
        status, pool = created[trial["jobName"]].others[previous["jobName"]]
        assert status == "Completed" and pool in POOL_READY, (trial, status, pool)
    # Every later trial started on a pool and says so (or another lane's trial took it).
    later = [t for t in trials.values() if t["trial"] >= 2]
    assert all(t["trainingStartTime"] for t in later)
    warm = {t["previousPoolReusedBy"] for t in later}
    assert warm == {t["jobName"] for t in later}


def test_startup_and_reuse_are_recorded(runtime: LauncherRuntime) -> None:
    output = run_sweep(runtime, sweep_job())["output"]
    first, second, third = (by_trial(output)[i] for i in range(3))
    assert (first["reusedPool"], second["reusedPool"], third["reusedPool"]) == (False, True, True)
    assert second["previousPoolReusedBy"] == second["jobName"]
    assert first["creationTime"].endswith("Z") and first["trainingStartTime"].endswith("Z")


@pytest.mark.parametrize(
    ("goal", "best_rate"), [(Goal.MINIMIZE, 1e-5), (Goal.MAXIMIZE, 5e-5)], ids=["min", "max"]
)
def test_best_trial_by_the_objective(
    runtime: LauncherRuntime, goal: Goal, best_rate: float
) -> None:
    output = run_sweep(runtime, sweep_job(lanes=2, goal=goal))["output"]
    assert output["objective"] == {"metric": METRIC, "goal": goal.value}
    assert output["best"]["hyperparameters"] == {"learning_rate": json.dumps(best_rate)}
    assert output["best"]["objective"] == loss(output["best"]["hyperparameters"])[METRIC]


def failing(rate: float) -> Any:
    def outcome(hyperparameters: Mapping[str, str]) -> str:
        return "Failed" if hyperparameters["learning_rate"] == json.dumps(rate) else "Completed"

    return outcome


def test_failed_trial_with_continue(runtime: LauncherRuntime) -> None:
    model = TrialModel(metrics=loss, outcome=failing(1e-5))
    spec = sweep_job(parameters={"learning_rate": (5e-5, 1e-5, 3e-5)})
    output = run_sweep(runtime, spec, model)["output"]
    trials = by_trial(output)
    assert [trials[i]["status"] for i in range(3)] == ["Completed", "Failed", "Completed"]
    assert trials[1]["objective"] is None and "AlgorithmError" in trials[1]["failureReason"]
    # The failed job kept no pool: the next trial started at once, cold.
    after = model.created[2]
    assert after.others[trials[1]["jobName"]] == ("Failed", None) and after.took_pool_of is None
    assert output["best"]["trial"] == 2  # the failed trial never wins (3e-5 beats 5e-5)


def test_failed_trial_with_stop_skips_the_rest_of_its_lane(runtime: LauncherRuntime) -> None:
    model = TrialModel(metrics=loss, outcome=failing(1e-5))
    spec = sweep_job(
        parameters={"learning_rate": (5e-5, 1e-5, 3e-5, 2e-5)},
        on_trial_failure=OnTrialFailure.STOP,
    )
    output = run_sweep(runtime, spec, model)["output"]
    trials = by_trial(output)
    assert [trials[i]["status"] for i in range(4)] == ["Completed", "Failed", "Skipped", "Skipped"]
    assert len(model.created) == 2
    assert output["best"]["trial"] == 0


def test_no_completed_trial_means_no_best(runtime: LauncherRuntime) -> None:
    model = TrialModel(outcome=lambda hyperparameters: "Failed")
    output = run_sweep(runtime, sweep_job(), model)["output"]
    assert output["best"] is None
    assert {t["status"] for t in output["trials"]} == {"Failed"}


def test_trial_table_is_written_to_the_output_path(runtime: LauncherRuntime) -> None:
    execution = run_sweep(runtime, sweep_job(lanes=2))
    name = execution["executionArn"].rsplit(":", 1)[1]
    key = f"bert-sweep/{name}/trials.json"
    assert execution["output"]["trialsUri"] == f"s3://{DEPLOY_VALUES['OutputBucket']}/{key}"
    body = boto3.client("s3", region_name=REGION).get_object(
        Bucket=DEPLOY_VALUES["OutputBucket"], Key=key
    )["Body"]
    assert json.loads(body.read()) == execution["output"]


def test_quota_short_fails_the_sweep(runtime: LauncherRuntime) -> None:
    runtime.fake.trials = TrialModel()
    runtime.fake.create_error = ("ResourceLimitExceeded", "ml.p3.2xlarge for training job usage")
    execution = runtime.run(runtime.create(as_resource(definition_of(sweep_job(lanes=2)))))
    assert (execution["status"], execution["error"]) == ("FAILED", "ResourceLimitExceeded")
    assert "Service Quota" in execution["cause"]
    assert runtime.jobs() == []


def test_abort_stops_the_running_trials(runtime: LauncherRuntime) -> None:
    runtime.fake.trials = TrialModel(polls_to_end=10**6)
    runtime.fake.wait_seconds = 5  # abort while the lanes wait between polls
    execution_arn = runtime.start(runtime.create(as_resource(definition_of(sweep_job(lanes=2)))))
    deadline = time.monotonic() + 30
    while len(runtime.fake.trials.created) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # both creates return; the lanes enter WaitForJob
    runtime.sfn.stop_execution(executionArn=execution_arn)
    execution = runtime.wait(execution_arn)
    # AWS ends it ABORTED; moto's interpreter fails a Map it stops (MapIterationAborted).
    # The stopper acts on both.
    assert execution["status"] in STOPPED_STATUSES
    running = {
        j["TrainingJobName"] for j in runtime.jobs() if j["TrainingJobStatus"] == "InProgress"
    }
    assert len(running) == 2
    stopper = as_resource(stopper_definition())
    assert runtime.stop_jobs_of(stopper, execution)["status"] == "SUCCEEDED"
    statuses = {
        runtime.sagemaker.describe_training_job(TrainingJobName=n)["TrainingJobStatus"]
        for n in running
    }
    assert statuses == {"Stopped"}


def test_report_of_a_run_counts_the_startup_the_pools_saved(runtime: LauncherRuntime) -> None:
    model = TrialModel(metrics=loss, cold_start=240, warm_start=15)
    report = build_report(run_sweep(runtime, sweep_job(lanes=2), model)["output"])
    assert [(t.pool, t.startup_seconds, t.saved_seconds) for t in report.trials] == [
        ("cold", 240.0, None),
        ("cold", 240.0, None),
        ("reused", 15.0, 225.0),
    ]
    assert report.best_trial == 2 and report.saved_seconds == 225.0
