"""The launcher's Amazon States Language: one uniquely named training job per execution.

The request comes from `spec.request.render_request`, rendered with a placeholder job
name; this module only turns it into ASL: strings that contain the placeholder become
`States.Format(...)` over the per-execution name, and hyperparameters from the execution
input are merged over the job's defaults (`States.JsonMerge`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

JOB_NAME_PLACEHOLDER = "cdkSmtRunJobName7f3e9a1c"
"""Rendered in place of the job name, then replaced by the per-execution name."""
JOB_NAME_PATH = "$.run.jobName"
LAUNCHER_METADATA = "cdk_sagemaker_training:launcher"
"""Template metadata key on each launcher state machine: `{"job": <job name>}`."""
THROTTLING_ERRORS = (
    "ThrottlingException",
    "SageMaker.ThrottlingException",
    "SageMaker.SdkClientException",
)
"""Transient errors retried with backoff."""
QUOTA_ERRORS = ("SageMaker.ResourceLimitExceededException", "SageMaker.ResourceLimitExceeded")
"""How a short Service Quota surfaces (`ResourceLimitExceeded`)."""
RETRY = {
    "IntervalSeconds": 5,
    "MaxAttempts": 6,
    "BackoffRate": 2.0,
    "MaxDelaySeconds": 300,
    "JitterStrategy": "FULL",
}
# `$$.Execution.StartTime` (2024-01-31T12:34:56.789Z) split on `-:.Z`: parts 0-4 are
# yyyy, mm, ddThh, mm, ss; part 1 of a UUID split on `-` is 4 hex characters. Together
# they make the RUN_SUFFIX_LENGTH-character suffix `-yyyymmddThhmmss-xxxx`.
_STAMP_PART = "States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, '-:.Z'), {})"
_NONCE = "States.ArrayGetItem(States.StringSplit(States.UUID(), '-'), 1)"
_TOKEN = re.compile(r"(\$\{Token\[[^\]]+\]\})")
_ESCAPED = re.compile(r"([\\'{}])")


class Integration(StrEnum):
    """How the state machine calls SageMaker."""

    RUN_JOB = "RUN_JOB"
    """Optimized `createTrainingJob.sync`: waits for the job; aborting the execution stops it."""
    SDK_POLL = "SDK_POLL"
    """AWS SDK `createTrainingJob` plus a Wait/`DescribeTrainingJob` loop: every API field."""


def escape_literal(text: str) -> str:
    """Escape text for an intrinsic-function string literal, leaving CDK tokens intact."""
    parts = _TOKEN.split(text)
    return "".join(
        part if _TOKEN.fullmatch(part) else _ESCAPED.sub(r"\\\1", part) for part in parts
    )


def job_name_expression(prefix: str) -> str:
    """Intrinsic that builds `<prefix>-yyyymmddThhmmss-xxxx` from the execution."""
    stamp = ", ".join(_STAMP_PART.format(i) for i in range(5))
    return f"States.Format('{escape_literal(prefix)}-{{}}{{}}{{}}{{}}{{}}-{{}}', {stamp}, {_NONCE})"


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


def _task(
    partition: str, resource: str, parameters: Mapping[str, Any], **fields: Any
) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": f"arn:{partition}:states:::{resource}",
        "Parameters": dict(parameters),
        **fields,
    }


def _failures(quota_cause: str) -> dict[str, Any]:
    cause = f"{escape_literal(quota_cause)} SageMaker said: {{}}"
    return {
        "QuotaExceeded": {
            "Type": "Fail",
            "Error": "ResourceLimitExceeded",
            "CausePath": f"States.Format('{cause}', $.error.Cause)",
        },
        "TrainingFailed": {
            "Type": "Fail",
            "ErrorPath": "$.error.Error",
            "CausePath": "$.error.Cause",
        },
    }


def _catch() -> list[dict[str, Any]]:
    return [
        {"ErrorEquals": list(QUOTA_ERRORS), "ResultPath": "$.error", "Next": "QuotaExceeded"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "TrainingFailed"},
    ]


def _retry() -> list[dict[str, Any]]:
    return [{"ErrorEquals": list(THROTTLING_ERRORS), **RETRY}]


def launcher_definition(
    request: Mapping[str, Any],
    *,
    job_name_prefix: str,
    overridable: Sequence[str],
    integration: Integration,
    quota_cause: str,
    partition: str,
    poll_interval_seconds: int = 60,
) -> dict[str, Any]:
    """The state machine for `request` (rendered with `JOB_NAME_PLACEHOLDER` as its name).

    `overridable`: hyperparameter keys the execution input may override (the user's);
    the SDK's own (`sagemaker_*`, `model_dir`) always win. `quota_cause`: the Fail cause
    when a Service Quota is short. `poll_interval_seconds`: SDK_POLL only. Default: 60.
    """
    hyperparameters = dict(request.get("HyperParameters", {}))
    defaults = {key: value for key, value in hyperparameters.items() if key in overridable}
    reserved = {key: value for key, value in hyperparameters.items() if key not in overridable}
    parameters = with_run_name(
        {k: v for k, v in request.items() if k not in ("TrainingJobName", "HyperParameters")}
    )
    parameters = {
        "TrainingJobName.$": JOB_NAME_PATH,
        **parameters,
        "HyperParameters.$": (
            "States.JsonMerge(States.JsonMerge($.run.hyperparameters, $.hyperparameters, false), "
            "$.run.reserved, false)"
        ),
    }
    states: dict[str, Any] = {
        "NameRun": {
            "Type": "Pass",
            "Parameters": {"jobName.$": job_name_expression(job_name_prefix)},
            "ResultPath": "$.run",
            "Next": "SetDefaults",
        },
        "SetDefaults": {
            "Type": "Pass",
            "Parameters": {
                "jobName.$": JOB_NAME_PATH,
                "hyperparameters": defaults,
                "reserved": with_run_name(reserved),
            },
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
        **_failures(quota_cause),
    }
    if integration is Integration.RUN_JOB:
        states["Train"] = _task(
            partition,
            "sagemaker:createTrainingJob.sync",
            parameters,
            ResultPath="$.training",
            Retry=_retry(),
            Catch=_catch(),
            End=True,
        )
    else:
        states.update(_poll_states(partition, parameters, poll_interval_seconds))
    return {
        "Comment": f"Runs SageMaker training job {job_name_prefix} once per execution",
        "StartAt": "NameRun",
        "States": states,
    }


def _poll_states(
    partition: str, parameters: Mapping[str, Any], poll_interval_seconds: int
) -> dict[str, Any]:
    return {
        "Train": _task(
            partition,
            "aws-sdk:sagemaker:createTrainingJob",
            parameters,
            ResultPath="$.created",
            Retry=_retry(),
            Catch=_catch(),
            Next="WaitForJob",
        ),
        "WaitForJob": {"Type": "Wait", "Seconds": poll_interval_seconds, "Next": "DescribeJob"},
        "DescribeJob": _task(
            partition,
            "aws-sdk:sagemaker:describeTrainingJob",
            {"TrainingJobName.$": JOB_NAME_PATH},
            ResultPath="$.training",
            Retry=_retry(),
            Catch=[
                {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "TrainingFailed"}
            ],
            Next="JobStatus",
        ),
        "JobStatus": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.training.TrainingJobStatus",
                    "StringEquals": "Completed",
                    "Next": "Succeeded",
                },
                {
                    "Variable": "$.training.TrainingJobStatus",
                    "StringEquals": "Failed",
                    "Next": "JobFailed",
                },
                {
                    "Variable": "$.training.TrainingJobStatus",
                    "StringEquals": "Stopped",
                    "Next": "JobStopped",
                },
            ],
            "Default": "WaitForJob",
        },
        "JobFailed": {
            "Type": "Fail",
            "Error": "TrainingJobFailed",
            "CausePath": "$.training.FailureReason",
        },
        "JobStopped": {
            "Type": "Fail",
            "Error": "TrainingJobStopped",
            "Cause": "The training job was stopped.",
        },
        "Succeeded": {"Type": "Succeed"},
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


def request_from_definition(definition: Mapping[str, Any]) -> dict[str, Any]:
    """The request a launcher definition sends when run without overrides (its job name
    is `JOB_NAME_PLACEHOLDER`): the inverse of `launcher_definition`, for tests."""
    states = definition["States"]
    parameters = {
        key: value
        for key, value in states["Train"]["Parameters"].items()
        if key not in ("TrainingJobName.$", "HyperParameters.$")
    }
    defaults = states["SetDefaults"]["Parameters"]
    hyperparameters = {
        **defaults["hyperparameters"],
        **_without_run_name(defaults["reserved"]),
    }
    request = {"TrainingJobName": JOB_NAME_PLACEHOLDER, **_without_run_name(parameters)}
    if hyperparameters:
        request["HyperParameters"] = hyperparameters
    return request
