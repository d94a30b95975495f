"""What every executable launcher must do, run in moto (`tests.launcher_runtime`).

Each scenario takes the synthesized launcher, the stack's stopper, and the construct that
built the launcher; the construct and app tests parametrize them over their launchers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.core.quota_requirements import QuotaKind, derive_requirements
from tests.launcher_runtime import LauncherRuntime, deployed_request, run_tags
from tests.synth_helpers import launchers, resources


@dataclass(frozen=True)
class Case:
    """One launcher to run: moto, the synthesized launcher and stopper, its construct."""

    runtime: LauncherRuntime
    launcher: Mapping[str, Any]
    stopper: Mapping[str, Any]
    job: TrainingJob


Scenario = Callable[[Case], None]


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


def plain_run(case: Case) -> None:
    """One job, whose request is the rendered request, tagged with its execution."""
    execution = case.runtime.run(case.runtime.create(case.launcher))
    assert execution["status"] == "SUCCEEDED", execution
    (received,) = case.runtime.fake.requests
    name = received["TrainingJobName"]
    assert re.fullmatch(rf"{re.escape(case.job.spec.name)}-[0-9a-f]{{20}}", name)
    assert {k: v for k, v in received.items() if k != "Tags"} == deployed_request(
        case.job.request, name
    )
    assert run_tags(received) == (case.job.request.get("Tags", []), execution["executionArn"])
    assert _only_job(case.runtime)["TrainingJobStatus"] == "Completed"


def overrides(case: Case) -> None:
    """The execution input may change the user's hyperparameters, never the SDK's."""
    user = {key: "7" for key in case.job.spec.hyperparameters}
    sdk = {"sagemaker_program": '"evil.py"', "sagemaker_job_name": '"other"'}
    execution = case.runtime.run(
        case.runtime.create(case.launcher), {"hyperparameters": {**user, **sdk}}
    )
    assert execution["status"] == "SUCCEEDED", execution
    (received,) = case.runtime.fake.requests
    expected = deployed_request(case.job.request, received["TrainingJobName"])["HyperParameters"]
    assert received["HyperParameters"] == {**expected, **user}
    assert received["HyperParameters"]["sagemaker_job_name"] != sdk["sagemaker_job_name"]


def two_runs(case: Case) -> None:
    """Two runs, two jobs, two names."""
    machine = case.runtime.create(case.launcher)
    runs = [case.runtime.run(machine) for _ in range(2)]
    assert [r["status"] for r in runs] == ["SUCCEEDED", "SUCCEEDED"]
    names = {r["TrainingJobName"] for r in case.runtime.fake.requests}
    assert len(names) == 2 and len(case.runtime.jobs()) == 2


def quota_short(case: Case) -> None:
    """ResourceLimitExceeded fails the run, naming every quota the job needs."""
    case.runtime.fake.create_error = (
        "ResourceLimitExceeded",
        "The account-level service limit 'ml.p3.2xlarge for training job usage' is 0 Instances",
    )
    execution = case.runtime.run(case.runtime.create(case.launcher))
    assert (execution["status"], execution["error"]) == ("FAILED", "ResourceLimitExceeded")
    needed = [
        r.quota_name
        for r in derive_requirements([case.job.spec])
        if r.kind in (QuotaKind.TRAINING, QuotaKind.SPOT, QuotaKind.WARM_POOL)
    ]
    assert needed and all(name in execution["cause"] for name in needed)
    assert case.runtime.jobs() == []


def job_failed(case: Case) -> None:
    """A job that fails fails the run with SageMaker's reason."""
    case.runtime.fake.status = "Failed"
    execution = case.runtime.run(case.runtime.create(case.launcher))
    assert (execution["status"], execution["error"]) == ("FAILED", "TrainingJobFailed")
    assert execution["cause"] == _only_job(case.runtime)["FailureReason"]


def job_stopped(case: Case) -> None:
    """A job stopped from outside fails the run."""
    case.runtime.fake.status = "Stopped"
    execution = case.runtime.run(case.runtime.create(case.launcher))
    assert (execution["status"], execution["error"]) == ("FAILED", "TrainingJobStopped")


def aborted(case: Case) -> None:
    """Aborting the run stops its job (through the case.stopper)."""
    case.runtime.fake.status = "InProgress"
    # Abort while the run waits between polls: moto's interpreter can fail, instead of
    # aborting, a run stopped in the middle of a task.
    case.runtime.fake.wait_seconds = 5
    execution_arn = case.runtime.start(case.runtime.create(case.launcher))
    case.runtime.wait_for_job()
    time.sleep(0.2)  # the create task ends, the run enters WaitForJob
    case.runtime.sfn.stop_execution(executionArn=execution_arn)
    _stopper_stops_the_job(case, case.runtime.wait(execution_arn), "ABORTED")


def timed_out(case: Case) -> None:
    """A run that reaches its TimeoutSeconds stops its job (through the case.stopper)."""
    case.runtime.fake.status = "InProgress"
    # Long enough for the job to be created first on a loaded 2-core machine (1 s was not).
    execution = case.runtime.run(case.runtime.create(case.launcher, timeout_seconds=3))
    _stopper_stops_the_job(case, execution, "TIMED_OUT")


def _stopper_stops_the_job(case: Case, execution: Mapping[str, Any], status: str) -> None:
    assert execution["status"] == status
    assert _only_job(case.runtime)["TrainingJobStatus"] == "InProgress"  # still running
    assert case.runtime.stop_jobs_of(case.stopper, execution)["status"] == "SUCCEEDED"
    assert _only_job(case.runtime)["TrainingJobStatus"] == "Stopped"


def lost_response(case: Case) -> None:
    """A retried CreateTrainingJob whose first call created the job goes on waiting."""
    case.runtime.fake.lose_first_response = True
    execution = case.runtime.run(case.runtime.create(case.launcher))
    assert execution["status"] == "SUCCEEDED", execution
    first, retried = case.runtime.fake.requests
    assert first == retried
    assert len(case.runtime.jobs()) == 1


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
