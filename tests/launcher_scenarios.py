"""What every executable launcher must do, run in moto (`tests.launcher_runtime`).

Each scenario takes the synthesized launcher, the stack's stopper, and the construct that
built the launcher; the construct and app tests parametrize them over their launchers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.core.quota_requirements import QuotaKind, derive_requirements
from tests.launcher_runtime import LauncherRuntime, deployed_request, run_tags
from tests.synth_helpers import launchers, resources

Scenario = Callable[[LauncherRuntime, Mapping[str, Any], Mapping[str, Any], TrainingJob], None]


def state_machines(template: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The template's launchers by logical id, and its stopper."""
    machines = resources(template, "AWS::StepFunctions::StateMachine")
    found = launchers(template)
    (stopper,) = [m for k, m in machines.items() if k not in found]
    assert '"StartAt": "FindJobs"' in stopper["Properties"]["DefinitionString"]
    return found, stopper


def _only_job(runtime: LauncherRuntime) -> dict[str, Any]:
    (job,) = runtime.jobs()
    return job


def plain_run(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """One job, whose request is the rendered request, tagged with its execution."""
    execution = runtime.run(runtime.create(launcher))
    assert execution["status"] == "SUCCEEDED", execution
    (received,) = runtime.fake.requests
    name = received["TrainingJobName"]
    assert re.fullmatch(rf"{re.escape(job.spec.name)}-[0-9a-f]{{20}}", name)
    assert {k: v for k, v in received.items() if k != "Tags"} == deployed_request(job.request, name)
    assert run_tags(received) == (job.request.get("Tags", []), execution["executionArn"])
    assert _only_job(runtime)["TrainingJobStatus"] == "Completed"


def overrides(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """The execution input may change the user's hyperparameters, never the SDK's."""
    user = {key: "7" for key in job.spec.hyperparameters}
    sdk = {"sagemaker_program": '"evil.py"', "sagemaker_job_name": '"other"'}
    execution = runtime.run(runtime.create(launcher), {"hyperparameters": {**user, **sdk}})
    assert execution["status"] == "SUCCEEDED", execution
    (received,) = runtime.fake.requests
    expected = deployed_request(job.request, received["TrainingJobName"])["HyperParameters"]
    assert received["HyperParameters"] == {**expected, **user}
    assert received["HyperParameters"]["sagemaker_job_name"] != sdk["sagemaker_job_name"]


def two_runs(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """Two runs, two jobs, two names."""
    machine = runtime.create(launcher)
    runs = [runtime.run(machine) for _ in range(2)]
    assert [r["status"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"]
    names = {r["TrainingJobName"] for r in runtime.fake.requests}
    assert len(names) == 2 and len(runtime.jobs()) == 2


def quota_short(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """ResourceLimitExceeded fails the run, naming every quota the job needs."""
    runtime.fake.create_error = (
        "ResourceLimitExceeded",
        "The account-level service limit 'ml.p3.2xlarge for training job usage' is 0 Instances",
    )
    execution = runtime.run(runtime.create(launcher))
    assert (execution["status"], execution["error"]) == ("FAILED", "ResourceLimitExceeded")
    needed = [
        r.quota_name
        for r in derive_requirements([job.spec])
        if r.kind in (QuotaKind.TRAINING, QuotaKind.SPOT, QuotaKind.WARM_POOL)
    ]
    assert needed and all(name in execution["cause"] for name in needed)
    assert runtime.jobs() == []


def job_failed(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """A job that fails fails the run with SageMaker's reason."""
    runtime.fake.status = "Failed"
    execution = runtime.run(runtime.create(launcher))
    assert (execution["status"], execution["error"]) == ("FAILED", "TrainingJobFailed")
    assert execution["cause"] == _only_job(runtime)["FailureReason"]


def job_stopped(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """A job stopped from outside fails the run."""
    runtime.fake.status = "Stopped"
    execution = runtime.run(runtime.create(launcher))
    assert (execution["status"], execution["error"]) == ("FAILED", "TrainingJobStopped")


def aborted(
    runtime: LauncherRuntime,
    launcher: Mapping[str, Any],
    stopper: Mapping[str, Any],
    job: TrainingJob,
) -> None:
    """Aborting the run stops its job (through the stopper)."""
    runtime.fake.status = "InProgress"
    execution_arn = runtime.start(runtime.create(launcher))
    runtime.wait_for_job()
    runtime.sfn.stop_execution(executionArn=execution_arn)
    execution = runtime.wait(execution_arn)
    assert execution["status"] == "ABORTED"
    assert _only_job(runtime)["TrainingJobStatus"] == "InProgress"
    assert runtime.stop_jobs_of(stopper, execution)["status"] == "SUCCEEDED"
    assert _only_job(runtime)["TrainingJobStatus"] == "Stopped"


def timed_out(
    runtime: LauncherRuntime,
    launcher: Mapping[str, Any],
    stopper: Mapping[str, Any],
    job: TrainingJob,
) -> None:
    """A run that reaches its TimeoutSeconds stops its job (through the stopper)."""
    runtime.fake.status = "InProgress"
    execution = runtime.run(runtime.create(launcher, timeout_seconds=1))
    assert execution["status"] == "TIMED_OUT"
    assert runtime.stop_jobs_of(stopper, execution)["status"] == "SUCCEEDED"
    assert _only_job(runtime)["TrainingJobStatus"] == "Stopped"


def lost_response(
    runtime: LauncherRuntime, launcher: Mapping[str, Any], _: Mapping[str, Any], job: TrainingJob
) -> None:
    """A retried CreateTrainingJob whose first call created the job goes on waiting."""
    runtime.fake.lose_first_response = True
    execution = runtime.run(runtime.create(launcher))
    assert execution["status"] == "SUCCEEDED", execution
    first, retried = runtime.fake.requests
    assert first == retried
    assert len(runtime.jobs()) == 1


SCENARIOS: dict[str, Scenario] = {
    scenario.__name__: scenario
    for scenario in (
        plain_run,
        overrides,
        two_runs,
        quota_short,
        job_failed,
        job_stopped,
        aborted,
        timed_out,
        lost_response,
    )
}
