"""The launcher's Amazon States Language: one uniquely named training job per execution.

The request comes from `core.request.render_request`, rendered with `JOB_NAME_PLACEHOLDER`
as its name and `${Name}` placeholders (`placeholder`) for values known only at deploy
time (role ARN, image, buckets, partition). This module only turns it into ASL: strings
that contain the job name become `States.Format(...)` over the per-execution name, and
hyperparameters from the execution input are merged over the job's defaults. The result
is plain JSON; CloudFormation fills the placeholders (`DefinitionSubstitutions`).

Every launcher tags its job with the execution ARN (`EXECUTION_TAG`); the stopper
(`stopper_definition`) stops the jobs of executions that were aborted, timed out or
failed, whatever the integration.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from cdk_sagemaker_training.core.launch_limits import execution_timeout
from cdk_sagemaker_training.core.model import JobSpec

JOB_NAME_PLACEHOLDER = "cdkSmtRunJobName7f3e9a1c"
"""Rendered in place of the job name, then replaced by the per-execution name."""
JOB_NAME_PATH = "$.run.jobName"
LAUNCHER_METADATA = "cdk_sagemaker_training:launcher"
"""Template metadata key on each launcher state machine: `{"job": <job name>}`."""
EXECUTION_TAG = "cdk-sagemaker-training:execution"
"""Tag key on every job: the ARN of the execution that created it."""
PARTITION = "Partition"
"""Placeholder name of the AWS partition (`${Partition}`), used in task resources."""
THROTTLING_ERRORS = ("SageMaker.ThrottlingException", "SageMaker.SdkClientException")
"""Transient errors retried with backoff (AWS SDK integration names)."""
QUOTA_ERRORS = ("SageMaker.ResourceLimitExceededException",)
"""How a short Service Quota surfaces from `CreateTrainingJob` (`ResourceLimitExceeded`)."""
SYNC_QUOTA_ERRORS = (*QUOTA_ERRORS, "SageMaker.ResourceLimitExceeded")
"""The same for the optimized `.sync` integration, whose exact name is unverified."""
RETRY = {
    "IntervalSeconds": 5,
    "MaxAttempts": 6,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 300,
    "JitterStrategy": "FULL",
}
MIN_POLL_SECONDS = 60
"""Default and shortest `DescribeTrainingJob` interval."""
HISTORY_LIMIT = 25_000
"""Events in one Standard execution's history."""
RETRY_RESERVE = 5_000
"""History events kept free for retries (3 per retried call) beyond the nominal run."""
STATE_EVENTS = {"Pass": 2, "Choice": 2, "Wait": 2, "Task": 5, "Succeed": 2, "Fail": 1}
"""History events per state entered (Task: entered, scheduled, started, succeeded, exited)."""
EXECUTION_EVENTS = 2
"""ExecutionStarted plus ExecutionSucceeded/Failed."""
SETUP_STATES = ("NameRun", "SetDefaults", "HasOverrides", "NoOverrides", "Train")
POLL_STATES = ("WaitForJob", "DescribeJob", "JobStatus")
_PLACEHOLDER = re.compile(r"(\$\{[A-Za-z0-9]+\})")
_ESCAPED = re.compile(r"([\\'{}])")
# A UUID's first and last groups: 8 + 12 hex characters, 80 random bits per execution.
_UUID_GROUP = "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), {})"
_UNSAFE = re.compile(r"[\\'{}\"]")


class Integration(StrEnum):
    """How the state machine calls SageMaker."""

    SDK_POLL = "SDK_POLL"
    """AWS SDK `createTrainingJob` plus a Wait/`DescribeTrainingJob` loop: the service's own
    model checks the request (every API field). The default."""
    RUN_JOB = "RUN_JOB"
    """Optimized `createTrainingJob.sync`: Step Functions checks the request against its own
    field list when the state machine is created (opt-in; see README)."""


def placeholder(name: str) -> str:
    """`${name}`: a value CloudFormation substitutes into the definition at deploy time."""
    if not name.isalnum():
        raise ValueError(f"placeholder names are letters and digits: {name!r}")
    return f"${{{name}}}"


def escape_literal(text: str) -> str:
    """Escape text for an intrinsic-function string literal, leaving `${Name}` intact.

    Substituted values (ARNs, bucket names, regions) contain none of the escaped characters.
    """
    parts = _PLACEHOLDER.split(text)
    return "".join(
        part if _PLACEHOLDER.fullmatch(part) else _ESCAPED.sub(r"\\\1", part) for part in parts
    )


def job_name_expression(prefix: str) -> str:
    """Intrinsic for `<prefix>-<20 hex>`: two UUID groups, drawn once per execution."""
    groups = ", ".join(_UUID_GROUP.format(i) for i in (0, 4))
    return f"States.Format('{escape_literal(prefix)}-{{}}{{}}', {groups})"


def with_run_name(value: Any) -> Any:
    """Copy of `value` where each string holding the placeholder reads the run's job name."""
    if isinstance(value, Mapping):
        converted: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(item, str) and JOB_NAME_PLACEHOLDER in item:
                converted[f"{key}.$"] = _format_with_name(item)
            else:
                converted[key] = with_run_name(item)
        return converted
    if isinstance(value, list):
        if any(isinstance(item, str) and JOB_NAME_PLACEHOLDER in item for item in value):
            raise ValueError("a list element cannot carry the run's job name in ASL")
        return [with_run_name(item) for item in value]
    return value


def _format_with_name(text: str) -> str:
    if text == JOB_NAME_PLACEHOLDER:
        return JOB_NAME_PATH
    template = "{}".join(escape_literal(part) for part in text.split(JOB_NAME_PLACEHOLDER))
    count = text.count(JOB_NAME_PLACEHOLDER)
    return f"States.Format('{template}', {', '.join([JOB_NAME_PATH] * count)})"


def task(resource: str, parameters: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": f"arn:{placeholder(PARTITION)}:states:::{resource}",
        "Parameters": dict(parameters),
        **fields,
    }


def retry() -> list[dict[str, Any]]:
    return [{"ErrorEquals": list(THROTTLING_ERRORS), **RETRY}]


def catches(quota_errors: Sequence[str], other: str) -> list[dict[str, Any]]:
    return [
        {"ErrorEquals": list(quota_errors), "ResultPath": "$.error", "Next": "QuotaExceeded"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": other},
    ]


def failure_states(quota_cause: str) -> dict[str, Any]:
    if _UNSAFE.search(quota_cause):
        raise ValueError(f"the quota cause must need no escaping: {quota_cause!r}")
    return {
        "QuotaExceeded": {"Type": "Fail", "Error": "ResourceLimitExceeded", "Cause": quota_cause},
        "TrainingFailed": {
            "Type": "Fail",
            "ErrorPath": "$.error.Error",
            "CausePath": "$.error.Cause",
        },
    }


def poll_interval(timeout_seconds: int, minimum: int = MIN_POLL_SECONDS) -> int:
    """The shortest interval >= `minimum` whose polls for `timeout_seconds` fit the history.

    A run of `timeout_seconds` polls at most `timeout / interval + 1` times; each poll adds
    `POLL_STATES`' events. The nominal run keeps `RETRY_RESERVE` events free.
    """
    fixed = EXECUTION_EVENTS + 4 * STATE_EVENTS["Pass"] + STATE_EVENTS["Task"] + 2
    per_poll = STATE_EVENTS["Wait"] + STATE_EVENTS["Task"] + STATE_EVENTS["Choice"]
    polls = (HISTORY_LIMIT - RETRY_RESERVE - fixed) // per_poll - 1
    return max(minimum, math.ceil(timeout_seconds / polls))


def history_events(definition: Mapping[str, Any]) -> int:
    """History events of the longest nominal SDK_POLL run: it polls until `TimeoutSeconds`.

    Counted from the definition's own states: setup, one poll loop per interval (plus the
    first), the final state, and the execution's start and end.
    """
    states = definition["States"]
    polls = math.ceil(definition["TimeoutSeconds"] / states["WaitForJob"]["Seconds"]) + 1
    setup = sum(STATE_EVENTS[states[name]["Type"]] for name in SETUP_STATES)
    loop = sum(STATE_EVENTS[states[name]["Type"]] for name in POLL_STATES)
    end = max(STATE_EVENTS[states[name]["Type"]] for name in ("Succeeded", "JobFailed"))
    return EXECUTION_EVENTS + setup + polls * loop + end


def run_parameters(
    request: Mapping[str, Any], spec: JobSpec
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The run's `$.run` (set once `$.run.jobName` is drawn) and the `CreateTrainingJob`
    parameters that read it and the overrides in `$.hyperparameters`.

    `$.run` holds the name, the user's default hyperparameters, the SDK's own (`reserved`,
    which always win) and the tags, with the execution tag.
    """
    hyperparameters = dict(request.get("HyperParameters", {}))
    defaults = {k: v for k, v in hyperparameters.items() if k in spec.hyperparameters}
    reserved = {k: v for k, v in hyperparameters.items() if k not in spec.hyperparameters}
    fixed = {
        k: v for k, v in request.items() if k not in ("TrainingJobName", "HyperParameters", "Tags")
    }
    execution_tag = {"Key": EXECUTION_TAG, "Value.$": "$$.Execution.Id"}
    run = {
        "jobName.$": JOB_NAME_PATH,
        "hyperparameters": defaults,
        "reserved": with_run_name(reserved),
        "tags": [*with_run_name(list(request.get("Tags", []))), execution_tag],
    }
    parameters = {
        "TrainingJobName.$": JOB_NAME_PATH,
        **with_run_name(fixed),
        "HyperParameters.$": (
            "States.JsonMerge(States.JsonMerge($.run.hyperparameters, $.hyperparameters, false), "
            "$.run.reserved, false)"
        ),
        "Tags.$": "$.run.tags",
    }
    return run, parameters


def launcher_definition(
    request: Mapping[str, Any],
    spec: JobSpec,
    *,
    integration: Integration,
    quota_cause: str,
    min_poll_seconds: int = MIN_POLL_SECONDS,
) -> dict[str, Any]:
    """The state machine for `request` (rendered with `JOB_NAME_PLACEHOLDER` as its name).

    The user's hyperparameter keys (`spec.hyperparameters`) may be overridden by the
    execution input; the SDK's own (`sagemaker_*`, `model_dir`) always win. `quota_cause`:
    the Fail cause when a Service Quota is short (no quotes, braces or backslashes).
    `min_poll_seconds`: SDK_POLL's shortest interval; Default: `MIN_POLL_SECONDS`.
    """
    defaults, parameters = run_parameters(request, spec)
    timeout = execution_timeout(spec)
    states: dict[str, Any] = {
        "NameRun": {
            "Type": "Pass",
            "Parameters": {"jobName.$": job_name_expression(spec.name)},
            "ResultPath": "$.run",
            "Next": "SetDefaults",
        },
        "SetDefaults": {
            "Type": "Pass",
            "Parameters": defaults,
            "ResultPath": "$.run",
            "Next": "HasOverrides",
        },
        "HasOverrides": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.hyperparameters", "IsPresent": False, "Next": "NoOverrides"}
            ],
            "Default": "Train",
        },
        "NoOverrides": {
            "Type": "Pass",
            "Result": {},
            "ResultPath": "$.hyperparameters",
            "Next": "Train",
        },
        **failure_states(quota_cause),
    }
    if integration is Integration.RUN_JOB:
        states["Train"] = task(
            "sagemaker:createTrainingJob.sync",
            parameters,
            ResultPath="$.training",
            Retry=retry(),
            Catch=catches(SYNC_QUOTA_ERRORS, "TrainingFailed"),
            End=True,
        )
    else:
        states.update(_single_job_poll_states(parameters, poll_interval(timeout, min_poll_seconds)))
    return {
        "Comment": f"Runs SageMaker training job {spec.name} once per execution",
        "StartAt": "NameRun",
        "TimeoutSeconds": timeout,
        "States": states,
    }


DESCRIBED = ("TrainingJobName", "TrainingJobArn", "TrainingJobStatus", "SecondaryStatus")
"""The fields a poll keeps (every description has them): the state stays small."""


def describe(
    selected: Sequence[str] | None,
    result_path: str | None,
    *,
    name_path: str = JOB_NAME_PATH,
    **fields: Any,
) -> dict[str, Any]:
    """A `DescribeTrainingJob` task keeping the `selected` fields (Default None: the whole
    description) of the job named at `name_path` (a path or an intrinsic)."""
    if selected is not None:
        fields["ResultSelector"] = {f"{name}.$": f"$.{name}" for name in selected}
    return task(
        "aws-sdk:sagemaker:describeTrainingJob",
        {"TrainingJobName.$": name_path},
        ResultPath=result_path,
        Retry=retry(),
        **fields,
    )


def failed_catch() -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "TrainingFailed"}]


def poll_states(
    parameters: Mapping[str, Any],
    interval: int,
    *,
    ended: Mapping[str, str],
) -> dict[str, Any]:
    """`Train` (create the job) and the loop that polls it until a status of `ended`
    (`{"Completed": <next state>, ...}`); each poll keeps `DESCRIBED` in `$.training`."""
    choices = [
        {"Variable": "$.training.TrainingJobStatus", "StringEquals": value, "Next": next_state}
        for value, next_state in ended.items()
    ]
    return {
        # Any error after the retries may come from a call that did create the job (a
        # lost response): ConfirmCreated looks the name up. The name holds 80 random bits
        # drawn by this execution, so a job with it is this execution's own.
        "Train": task(
            "aws-sdk:sagemaker:createTrainingJob",
            parameters,
            ResultPath=None,
            Retry=retry(),
            Catch=catches(QUOTA_ERRORS, "ConfirmCreated"),
            Next="WaitForJob",
        ),
        "ConfirmCreated": describe(
            DESCRIBED,
            "$.training",
            Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "TrainingFailed"}],
            Next="JobStatus",
        ),
        "WaitForJob": {"Type": "Wait", "Seconds": interval, "Next": "DescribeJob"},
        "DescribeJob": describe(DESCRIBED, "$.training", Catch=failed_catch(), Next="JobStatus"),
        "JobStatus": {"Type": "Choice", "Choices": choices, "Default": "WaitForJob"},
    }


def _single_job_poll_states(parameters: Mapping[str, Any], interval: int) -> dict[str, Any]:
    ended = {"Completed": "Succeeded", "Failed": "DescribeFailure", "Stopped": "JobStopped"}
    return {
        **poll_states(parameters, interval, ended=ended),
        "DescribeFailure": describe(
            ["FailureReason"], "$.failure", Catch=failed_catch(), Next="JobFailed"
        ),
        "JobFailed": {
            "Type": "Fail",
            "Error": "TrainingJobFailed",
            "CausePath": "$.failure.FailureReason",
        },
        "JobStopped": {
            "Type": "Fail",
            "Error": "TrainingJobStopped",
            "Cause": "The training job was stopped.",
        },
        "Succeeded": {"Type": "Succeed"},
    }


STOPPED_STATUSES = ("ABORTED", "TIMED_OUT", "FAILED")
"""Execution statuses after which a launcher's job must not run on."""


def stopper_definition() -> dict[str, Any]:
    """Stops the running jobs an execution created, from its EventBridge status event.

    Input: a "Step Functions Execution Status Change" event. The jobs are found by their
    `EXECUTION_TAG` (SageMaker `Search`), so no name needs to be derived from the event.
    """
    return {
        "Comment": "Stops the SageMaker training jobs of ended launcher executions",
        "StartAt": "FindJobs",
        "TimeoutSeconds": 3600,
        "States": {
            "FindJobs": task(
                "aws-sdk:sagemaker:search",
                {
                    "Resource": "TrainingJob",
                    "SearchExpression": {
                        "Filters": [
                            {
                                "Name": "TrainingJobStatus",
                                "Operator": "Equals",
                                "Value": "InProgress",
                            },
                            {
                                "Name": f"Tags.{EXECUTION_TAG}",
                                "Operator": "Equals",
                                "Value.$": "$.detail.executionArn",
                            },
                        ]
                    },
                },
                ResultPath="$.found",
                Retry=retry(),
                Next="StopJobs",
            ),
            "StopJobs": {
                "Type": "Map",
                "ItemsPath": "$.found.Results",
                "ItemSelector": {"name.$": "$$.Map.Item.Value.TrainingJob.TrainingJobName"},
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "StopJob",
                    "States": {
                        "StopJob": task(
                            "aws-sdk:sagemaker:stopTrainingJob",
                            {"TrainingJobName.$": "$.name"},
                            Retry=retry(),
                            End=True,
                        )
                    },
                },
                "ResultPath": None,
                "OutputPath": "$.detail",
                "End": True,
            },
        },
    }


_FORMAT_CALL = re.compile(r"States\.Format\('(?P<template>(?:[^'\\]|\\.)*)'(?:, .*)?\)", re.S)
_TEMPLATE_PART = re.compile(r"\\(.)|\{\}", re.S)


def _unformat(expression: str) -> str:
    """The text `_format_with_name` turned into `expression`, with the placeholder back."""
    if expression == JOB_NAME_PATH:
        return JOB_NAME_PLACEHOLDER
    match = _FORMAT_CALL.fullmatch(expression)
    if match is None:
        raise ValueError(f"not a run-name expression: {expression!r}")
    return _TEMPLATE_PART.sub(
        lambda part: part.group(1) if part.group(1) is not None else JOB_NAME_PLACEHOLDER,
        match["template"],
    )


def _without_run_name(value: Any) -> Any:
    """Inverse of `with_run_name`: `"Key.$"` expressions back to placeholder strings."""
    if isinstance(value, Mapping):
        return {
            key.removesuffix(".$"): _unformat(item)
            if key.endswith(".$") and isinstance(item, str)
            else _without_run_name(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_without_run_name(item) for item in value]
    return value


def job_states(definition: Mapping[str, Any]) -> Any:
    """The states that create the job (`Train`): the definition's own, or those of the Map
    processor that runs it (a sweep's trial)."""
    states = definition["States"]
    if "Train" in states:
        return states
    for state in states.values():
        if state["Type"] == "Map":
            found = job_states(state["ItemProcessor"])
            if found is not None:
                return found
    return None


def request_from_definition(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The request a launcher definition sends when run without overrides (its job name
    is `JOB_NAME_PLACEHOLDER`): the inverse of `launcher_definition`, for tests."""
    states = job_states(definition)
    parameters = {
        key: value
        for key, value in states["Train"]["Parameters"].items()
        if key not in ("TrainingJobName.$", "HyperParameters.$", "Tags.$")
    }
    defaults = states["SetDefaults"]["Parameters"]
    tags = [tag for tag in defaults["tags"] if tag.get("Key") != EXECUTION_TAG]
    hyperparameters = {
        **defaults["hyperparameters"],
        **_without_run_name(defaults["reserved"]),
    }
    request = {"TrainingJobName": JOB_NAME_PLACEHOLDER, **_without_run_name(parameters)}
    if hyperparameters:
        request["HyperParameters"] = hyperparameters
    if tags:
        request["Tags"] = _without_run_name(tags)
    return request
