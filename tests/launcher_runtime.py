"""Run synthesized launchers in moto's Step Functions interpreter against moto's SageMaker.

Each `aws-sdk` task goes through a real boto3 client, so botocore validates every request
against the SageMaker model on the way. moto's SageMaker is a stand-in for AWS, corrected
here where it differs from the service in ways the launchers depend on (see `patch_moto`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from uuid import uuid4

import boto3
import pytest
from moto import mock_aws
from moto.core.exceptions import JsonRESTError
from moto.sagemaker.responses import SageMakerResponse
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service_aws_sdk as aws_sdk,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import (
    WaitFunction,
)
from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

from cdk_sagemaker_training.launcher.definition import EXECUTION_TAG, JOB_NAME_PLACEHOLDER

REGION = "us-east-1"
ACCOUNT = "123456789012"
DEPLOY_VALUES = {
    "Partition": "aws",
    "Region": REGION,
    "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/training",
    "TrainingImage": f"763104351884.dkr.ecr.{REGION}.amazonaws.com/pytorch-training:2.0",
    "SourceUri": "s3://asset-bucket/0a1b2c3d.tar.gz",
    "OutputPath": "s3://output-bucket/job",
    "OutputBucket": "output-bucket",
}
"""What CloudFormation would substitute for each `${Name}` of a definition."""
TERMINAL = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


@dataclass
class Created:
    """One CreateTrainingJob of a sweep, and what SageMaker held at that moment."""

    name: str
    hyperparameters: dict[str, str]
    others: dict[str, tuple[str, str | None]]
    """Every earlier job: its status and its warm pool's status (None: no pool)."""
    took_pool_of: str | None


@dataclass
class _SweepJob:
    hyperparameters: dict[str, str]
    describes: int = 0
    ended_at: int | None = None


def _completed(hyperparameters: Mapping[str, str]) -> str:
    return "Completed"


def _no_metrics(hyperparameters: Mapping[str, str]) -> dict[str, float]:
    return {}


@dataclass
class TrialModel:
    """SageMaker's side of a sweep. moto models no warm pools, metrics or status
    transitions; these stand-ins follow the API documentation (unverified in an account):

    - a job stays `InProgress` for `polls_to_end` descriptions, then ends with the status
      `outcome(hyperparameters)` gives (Default: Completed);
    - a Completed job's `WarmPoolStatus` reads `InUse` for `pool_delay` more descriptions
      of it, then `Available`; a Failed or Stopped job keeps no pool (no WarmPoolStatus);
    - a job created while a pool is `Available` takes it: that pool turns `Reused` with
      `ReusedByJob` (SageMaker matches pools by configuration, and every trial of a sweep
      matches); the new job starts in `warm_start` seconds, else `cold_start`;
    - `SecondaryStatusTransitions`: `Starting` at creation, `Training` after the start;
    - `FinalMetricDataList`: `metrics(hyperparameters)` of a Completed job.
    """

    polls_to_end: int = 1
    pool_delay: int = 2
    outcome: Callable[[Mapping[str, str]], str] = _completed
    metrics: Callable[[Mapping[str, str]], Mapping[str, float]] = _no_metrics
    cold_start: int = 240
    warm_start: int = 15
    created: list[Created] = field(default_factory=list)
    """Every CreateTrainingJob, in order."""
    jobs: dict[str, _SweepJob] = field(default_factory=dict)


@dataclass
class FakeSageMaker:
    """How moto's SageMaker behaves for the next jobs, and what it received."""

    status: str = "Completed"
    """Status of every new job (moto's own jobs are born Completed)."""
    create_error: tuple[str, str] | None = None
    """`(code, message)` that CreateTrainingJob raises instead of creating a job."""
    lose_first_response: bool = False
    """The first CreateTrainingJob creates its job, then fails with a throttling error."""
    requests: list[dict[str, Any]] = field(default_factory=list)
    """Every CreateTrainingJob request, as sent."""
    wait_seconds: float = 0.01
    """How long each Wait state really waits (an abort or a timeout ends it early)."""
    trials: TrialModel | None = None
    """Model jobs as a sweep's trials (`TrialModel`) instead of with `status`."""


def _created(response: SageMakerResponse, fake: FakeSageMaker) -> Any:
    request = json.loads(response.body)
    fake.requests.append(request)
    backend = response.sagemaker_backend
    if fake.create_error is not None:
        raise JsonRESTError(*fake.create_error)
    if request["TrainingJobName"] in backend.training_jobs:
        # moto overwrites a job of the same name; SageMaker refuses the name (the exact
        # error for a duplicate name is unverified without an account).
        raise JsonRESTError("ResourceInUse", "a training job with this name already exists")
    result = ORIGINAL_CREATE(response)
    job = backend.training_jobs[request["TrainingJobName"]]
    job.training_job_status = fake.status
    if fake.trials is not None:
        _create_trial(backend, job, request, fake.trials)
    if fake.status == "Failed":
        # moto describes a job by listing its attributes: this one becomes FailureReason.
        vars(job)["failure_reason"] = "AlgorithmError: the script exited with 1"
    if fake.lose_first_response:
        fake.lose_first_response = False
        raise JsonRESTError("ThrottlingException", "Rate exceeded")
    return result


def _pool(job: Any) -> dict[str, str] | None:
    return vars(job).get("warm_pool_status")


def _create_trial(backend: Any, job: Any, request: Mapping[str, Any], model: TrialModel) -> None:
    others = {
        name: (other.training_job_status, (_pool(other) or {}).get("Status"))
        for name, other in backend.training_jobs.items()
        if name != job.training_job_name
    }
    available = [name for name, (_, pool) in others.items() if pool == "Available"]
    took = available[0] if available else None
    if took is not None:
        vars(backend.training_jobs[took])["warm_pool_status"] = {
            "Status": "Reused",
            "ReusedByJob": job.training_job_name,
        }
    hyperparameters = dict(request.get("HyperParameters", {}))
    model.created.append(Created(job.training_job_name, hyperparameters, others, took))
    model.jobs[job.training_job_name] = _SweepJob(hyperparameters)
    job.training_job_status = "InProgress" if model.polls_to_end else model.outcome(hyperparameters)
    start = model.warm_start if took is not None else model.cold_start
    job.secondary_status_transitions = [
        {"Status": "Starting", "StartTime": job.creation_time},
        {"Status": "Training", "StartTime": job.creation_time + timedelta(seconds=start)},
    ]
    vars(job).pop("final_metric_data_list", None)
    if model.polls_to_end == 0:
        _end_trial(job, model)


def _end_trial(job: Any, model: TrialModel) -> None:
    state = model.jobs[job.training_job_name]
    state.ended_at = state.describes
    status = job.training_job_status = model.outcome(state.hyperparameters)
    if status == "Completed":
        job.final_metric_data_list = [
            {"MetricName": name, "Value": value, "Timestamp": job.creation_time}
            for name, value in model.metrics(state.hyperparameters).items()
        ]
        vars(job)["warm_pool_status"] = {"Status": "InUse"}
    elif status == "Failed":
        vars(job)["failure_reason"] = "AlgorithmError: the script exited with 1"


def _describe_trial(response: SageMakerResponse, fake: FakeSageMaker) -> Any:
    name = json.loads(response.body)["TrainingJobName"]
    model = fake.trials
    job = response.sagemaker_backend.training_jobs.get(name)
    if model is not None and job is not None and name in model.jobs:
        state = model.jobs[name]
        state.describes += 1
        if job.training_job_status == "InProgress" and state.describes >= model.polls_to_end:
            _end_trial(job, model)
        pool = _pool(job)
        if (
            pool == {"Status": "InUse"}
            and state.ended_at is not None
            and state.describes - state.ended_at > model.pool_delay
        ):
            vars(job)["warm_pool_status"] = {"Status": "Available"}
    return ORIGINAL_DESCRIBE(response)


def _stop_training_job(response: SageMakerResponse) -> str:
    # moto has no StopTrainingJob; SageMaker refuses to stop a job that already ended.
    name = json.loads(response.body)["TrainingJobName"]
    job = response.sagemaker_backend.training_jobs[name]
    if job.training_job_status != "InProgress":
        raise JsonRESTError("ValidationException", f"the job is {job.training_job_status}")
    job.training_job_status = "Stopped"
    return "{}"


ORIGINAL_CREATE = SageMakerResponse.create_training_job
ORIGINAL_DESCRIBE = SageMakerResponse.describe_training_job
ORIGINAL_ENVIRONMENT = ExecutionWorker._get_evaluation_environment
ORIGINAL_SDK_TASK = aws_sdk.StateTaskServiceAwsSdk._eval_service_task


def _iso(value: Any) -> Any:
    """`value` with each datetime as an ISO-8601 string in UTC, to the millisecond."""
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(value, dict):
        return {key: _iso(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso(item) for item in value]
    return value


def _environment_with_iso_start_time(worker: ExecutionWorker) -> Any:
    env = ORIGINAL_ENVIRONMENT(worker)
    execution = env.states.context_object.context_object_data["Execution"]
    execution["StartTime"] = _iso(execution["StartTime"])
    return env


def _sdk_task_with_iso_times(self: Any, env: Any, *args: Any, **kwargs: Any) -> None:
    ORIGINAL_SDK_TASK(self, env, *args, **kwargs)
    env.stack.append(_iso(env.stack.pop()))


def _error_name(norm_service_name: str, ex: Exception) -> str:
    code = getattr(ex, "response", {}).get("Error", {}).get("Code", type(ex).__name__)
    name = f"{norm_service_name}.{code}"
    return name if name.endswith("Exception") else f"{name}Exception"


def patch_moto(monkeypatch: pytest.MonkeyPatch, fake: FakeSageMaker) -> None:
    """Correct moto where it differs from AWS in ways the launchers rely on.

    - `$$.Execution.StartTime` is a datetime in moto, an ISO-8601 string in AWS; so are
      the timestamps of AWS SDK results (their exact format in AWS is unverified).
    - AWS SDK integrations name errors `SageMaker.<Code>Exception`
      (`SageMaker.ResourceLimitExceededException`); moto writes `sagemaker.` and names
      errors it has no class for `...SageMakerException`.
    - moto's jobs are born Completed and it has no StopTrainingJob; `fake` sets the status.
    - moto has no warm pools, final metrics or status transitions: `TrialModel`.
    - Wait states and retry backoff take no real time (the definitions' own values are
      checked statically).
    """
    monkeypatch.setattr(
        ExecutionWorker, "_get_evaluation_environment", _environment_with_iso_start_time
    )
    monkeypatch.setattr(
        aws_sdk.StateTaskServiceAwsSdk, "_eval_service_task", _sdk_task_with_iso_times
    )
    monkeypatch.setitem(aws_sdk._SERVICE_ERROR_NAMES, "sagemaker", "SageMaker")
    monkeypatch.setattr(
        aws_sdk.StateTaskServiceAwsSdk, "_normalise_exception_name", staticmethod(_error_name)
    )
    monkeypatch.setattr(SageMakerResponse, "create_training_job", lambda self: _created(self, fake))
    monkeypatch.setattr(
        SageMakerResponse, "describe_training_job", lambda self: _describe_trial(self, fake)
    )
    monkeypatch.setattr(SageMakerResponse, "stop_training_job", _stop_training_job, raising=False)
    monkeypatch.setattr(
        WaitFunction,
        "_wait_interval",
        lambda self, env, wait_seconds: env.program_state_event.wait(fake.wait_seconds),
    )
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=lambda _: None))


@dataclass
class LauncherRuntime:
    """Create, run and inspect launchers in moto."""

    sfn: Any
    sagemaker: Any
    fake: FakeSageMaker

    def create(self, resource: Mapping[str, Any], *, timeout_seconds: int | None = None) -> str:
        """Create a synthesized `AWS::StepFunctions::StateMachine` in moto; its ARN.

        `timeout_seconds` replaces the definition's `TimeoutSeconds` (the timeout test).
        """
        asl = deployed_definition(resource)
        if timeout_seconds is not None:
            asl["TimeoutSeconds"] = timeout_seconds
        name = f"launcher-{len(self.sfn.list_state_machines()['stateMachines'])}"
        return str(
            self.sfn.create_state_machine(
                name=name, definition=json.dumps(asl), roleArn=DEPLOY_VALUES["RoleArn"]
            )["stateMachineArn"]
        )

    def run(
        self, machine_arn: str, execution_input: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Start one execution and wait until it ends; its description."""
        return self.wait(self.start(machine_arn, execution_input))

    def start(self, machine_arn: str, execution_input: Mapping[str, Any] | None = None) -> str:
        """Start one execution; its ARN. Named with a UUID, as AWS names unnamed executions
        (moto names every one of them `None`)."""
        started = self.sfn.start_execution(
            stateMachineArn=machine_arn, name=str(uuid4()), input=json.dumps(execution_input or {})
        )
        return str(started["executionArn"])

    def wait(self, execution_arn: str, seconds: float = 30) -> dict[str, Any]:
        """The execution's description once it has ended."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            described: dict[str, Any] = self.sfn.describe_execution(executionArn=execution_arn)
            if described["status"] in TERMINAL:
                return described
            time.sleep(0.02)
        raise AssertionError(f"{execution_arn} still running after {seconds} s")

    def jobs(self) -> list[dict[str, Any]]:
        """Every training job moto's SageMaker holds, described."""
        names = [
            j["TrainingJobName"]
            for j in self.sagemaker.list_training_jobs()["TrainingJobSummaries"]
        ]
        return [self.sagemaker.describe_training_job(TrainingJobName=n) for n in names]

    def wait_for_job(self, seconds: float = 30) -> dict[str, Any]:
        """The first job, once one exists."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            jobs = self.jobs()
            if jobs:
                return jobs[0]
            time.sleep(0.02)
        raise AssertionError("no training job was created")

    def tags(self, job: Mapping[str, Any]) -> dict[str, str]:
        """A job's tags as a mapping."""
        listed = self.sagemaker.list_tags(ResourceArn=job["TrainingJobArn"])["Tags"]
        return {t["Key"]: t["Value"] for t in listed}

    def stop_jobs_of(
        self, stopper: Mapping[str, Any], execution: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Run the stopper on the EventBridge event AWS sends when `execution` ends."""
        event = {
            "source": "aws.states",
            "detail-type": "Step Functions Execution Status Change",
            "detail": {
                "executionArn": execution["executionArn"],
                "stateMachineArn": execution["stateMachineArn"],
                "status": execution["status"],
            },
        }
        return self.run(self.create(stopper), event)


def as_resource(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A pure definition as the state machine resource CloudFormation would get."""
    text = json.dumps(definition)
    names = {name for name in DEPLOY_VALUES if f"${{{name}}}" in text}
    return {
        "Properties": {
            "DefinitionString": text,
            "DefinitionSubstitutions": {name: f"<{name}>" for name in names},
        }
    }


def deployed_definition(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A state machine's definition as CloudFormation deploys it, with `DEPLOY_VALUES`."""
    properties = resource["Properties"]
    text = properties["DefinitionString"]
    assert isinstance(text, str), "the definition must be plain JSON"
    for name in properties.get("DefinitionSubstitutions", {}):
        text = text.replace(f"${{{name}}}", DEPLOY_VALUES[name])
    assert "${" not in text, text
    return dict(json.loads(text))


def deployed_request(request: Mapping[str, Any], job_name: str) -> dict[str, Any]:
    """A rendered request (`TrainingJob.request`) as a run sends it, without its tags."""
    text = json.dumps(request).replace(JOB_NAME_PLACEHOLDER, job_name)
    for name, value in DEPLOY_VALUES.items():
        text = text.replace(f"${{{name}}}", value)
    return {k: v for k, v in json.loads(text).items() if k != "Tags"}


def run_tags(received: Mapping[str, Any]) -> tuple[list[dict[str, str]], str | None]:
    """A received request's own tags and its execution tag."""
    tags = received.get("Tags", [])
    own = [t for t in tags if t["Key"] != EXECUTION_TAG]
    execution = [t["Value"] for t in tags if t["Key"] == EXECUTION_TAG]
    return own, execution[0] if execution else None


@contextmanager
def launcher_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[LauncherRuntime]:
    """moto with executing Step Functions and the `patch_moto` corrections."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    fake = FakeSageMaker()
    patch_moto(monkeypatch, fake)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield LauncherRuntime(
            boto3.client("stepfunctions", region_name=REGION),
            boto3.client("sagemaker", region_name=REGION),
            fake,
        )
