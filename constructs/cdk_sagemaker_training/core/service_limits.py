"""Every bound of the API model, enforced on a rendered `CreateTrainingJob` request.

botocore's `ParamValidator` checks types, required members and minimums only; SageMaker
rejects the rest at `CreateTrainingJob`. `model_violations` walks the request against the
installed model and checks every `min`/`max` (string lengths, list and map sizes,
numbers), `pattern` (matched in full, as the service does) and `enum`, plus the int32 /
int64 range of integer shapes. Each violation is mapped back to the job-file key it
comes from (`ResourceConfig.VolumeSizeInGB` -> `volume_size`), so the values the library
adds (the `sagemaker_*` hyperparameters, the `code` channel) count against the limits
and are reported at the key that caused them.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from cdk_sagemaker_training.core import compiler
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.request import CODE_CHANNEL
from cdk_sagemaker_training.core.service_model import ModelShape

INTEGER_RANGE = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}
"""The ranges of the model's integer shapes (Smithy `integer` is int32, `long` int64)."""
SPACE_SEPARATORS = "\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
UNICODE_CLASSES = {"L": r"\w", "N": r"\w", "Z": SPACE_SEPARATORS, "Alnum": "a-zA-Z0-9"}
"""Java `\\p{X}` classes in the model's patterns -> Python class bodies. Python's `\\w` is
`\\p{L}\\p{N}` plus `_`, which the one model pattern using them (tags) allows anyway;
`\\p{Z}` is the Unicode space separators; Java's `\\p{Alnum}` is ASCII."""
_UNICODE_CLASS = re.compile(r"\\p\{([A-Za-z]+)\}")


@dataclass(frozen=True)
class ModelViolation:
    """One value of a request that the API model rejects."""

    path: tuple[str | int, ...]
    """Where in the request: member names, list indexes and map keys."""
    message: str


@functools.cache
def compiled_pattern(pattern: str) -> re.Pattern[str]:
    """A model pattern as a Python regex (Java `\\p{L}`-style classes expanded)."""
    translated = _UNICODE_CLASS.sub(lambda m: UNICODE_CLASSES[m.group(1)], pattern)
    return re.compile(translated)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:60]}... ({len(value)} characters)"


def _size_problem(size: int, metadata: Mapping[str, Any], unit: str) -> str | None:
    low, high = metadata.get("min"), metadata.get("max")
    if low is not None and size < low:
        return f"{size} {unit}; the API needs at least {low}"
    if high is not None and size > high:
        return f"{size} {unit}; the API allows at most {high}"
    return None


def _string(value: str, shape: ModelShape, path: tuple[str | int, ...]) -> Iterator[ModelViolation]:
    problem = _size_problem(len(value), shape.metadata, "characters")
    if problem is not None:
        yield ModelViolation(path, f"received {problem}")
    pattern = shape.metadata.get("pattern")
    if pattern is not None and not compiled_pattern(pattern).fullmatch(value):
        yield ModelViolation(
            path, f"received {_describe(value)}, which does not match the API pattern {pattern}"
        )
    allowed = getattr(shape, "enum", None)
    if allowed and value not in allowed:
        yield ModelViolation(path, f"received {_describe(value)}, not a value the API allows")


def _number(value: int, shape: ModelShape, path: tuple[str | int, ...]) -> Iterator[ModelViolation]:
    low, high = INTEGER_RANGE[shape.type_name]
    low = max(low, shape.metadata.get("min", low))
    high = min(high, shape.metadata.get("max", high))
    if not low <= value <= high:
        yield ModelViolation(path, f"received {value}; the API allows {low} to {high}")


def model_violations(
    value: Any, shape: ModelShape, path: tuple[str | int, ...] = ()
) -> Iterator[ModelViolation]:
    """Every bound, pattern and enum of `shape` that `value` breaks (types are botocore's)."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from model_violations(value[name], member, (*path, name))
    elif kind in ("list", "map") and isinstance(value, list | dict):
        problem = _size_problem(len(value), shape.metadata, "items")
        if problem is not None:
            yield ModelViolation(path, f"received {problem}")
        if isinstance(value, list):
            for index, item in enumerate(value):
                yield from model_violations(item, shape.member, (*path, index))
        else:
            for key, item in value.items():
                yield from model_violations(key, shape.key, (*path, key))
                yield from model_violations(item, shape.value, (*path, key))
    elif kind == "string" and isinstance(value, str):
        yield from _string(value, shape, path)
    elif kind in INTEGER_RANGE and isinstance(value, int) and not isinstance(value, bool):
        yield from _number(value, shape, path)


LIBRARY_HYPERPARAMETERS = {
    "sagemaker_program": "entry_point",
    "sagemaker_submit_directory": "source_dir",
    "sagemaker_job_name": "name",
    "sagemaker_region": "region",
    "sagemaker_container_log_level": "hyperparameters",
    "sagemaker_instance_type": "instance_type",
    "model_dir": "output_path",
    compiler.HP_ENABLED: "compiler_config",
    compiler.HP_DEBUG: "compiler_config",
}
"""Hyperparameters the library adds -> the job-file key their value comes from (the
distribution launchers' keys come from `distribution`)."""
FIELDS = {
    "TrainingJobName": "name",
    "RoleArn": "role",
    "AlgorithmSpecification.TrainingImage": "image_uri",
    "AlgorithmSpecification.TrainingInputMode": "input_mode",
    "AlgorithmSpecification.MetricDefinitions": "metric_definitions",
    "AlgorithmSpecification.MetricDefinitions[]": "metric_definitions[{0}]",
    "AlgorithmSpecification.MetricDefinitions[].Name": "metric_definitions[{0}].Name",
    "AlgorithmSpecification.MetricDefinitions[].Regex": "metric_definitions[{0}].Regex",
    "OutputDataConfig.S3OutputPath": "output_path",
    "OutputDataConfig.KmsKeyId": "output_kms_key",
    "ResourceConfig.InstanceType": "instance_type",
    "ResourceConfig.InstanceCount": "instance_count",
    "ResourceConfig.VolumeSizeInGB": "volume_size",
    "ResourceConfig.VolumeKmsKeyId": "volume_kms_key",
    "ResourceConfig.KeepAlivePeriodInSeconds": "keep_alive_period_in_seconds",
    "ResourceConfig.InstanceGroups": "instance_groups",
    "ResourceConfig.InstanceGroups[]": "instance_groups[{0}]",
    "ResourceConfig.InstanceGroups[].InstanceGroupName": "instance_groups[{0}].instance_group_name",
    "ResourceConfig.InstanceGroups[].InstanceType": "instance_groups[{0}].instance_type",
    "ResourceConfig.InstanceGroups[].InstanceCount": "instance_groups[{0}].instance_count",
    "StoppingCondition.MaxRuntimeInSeconds": "max_run",
    "StoppingCondition.MaxWaitTimeInSeconds": "max_wait",
    "VpcConfig.Subnets": "subnets",
    "VpcConfig.Subnets[]": "subnets[{0}]",
    "VpcConfig.SecurityGroupIds": "security_group_ids",
    "VpcConfig.SecurityGroupIds[]": "security_group_ids[{0}]",
    "CheckpointConfig.S3Uri": "checkpoint_s3_uri",
    "CheckpointConfig.LocalPath": "checkpoint_local_path",
    "RetryStrategy.MaximumRetryAttempts": "max_retry_attempts",
    "Environment": "environment",
    "Tags": "tags",
    "InputDataConfig": "inputs",
    "HyperParameters": "hyperparameters",
    "DebugHookConfig.S3OutputPath": "output_path",
    "ProfilerConfig.S3OutputPath": "output_path",
}
"""Request paths (`[]` for a list index) -> job-file keys (`{0}` for that index)."""
CHANNEL_FIELDS = {
    "ChannelName": "",
    "DataSource.S3DataSource.S3Uri": ".s3_data",
    "ContentType": ".content_type",
}
"""Channel members -> keys under `inputs.<name>`."""


def _hyperparameter_field(spec: JobSpec, key: str) -> str:
    if key in spec.hyperparameters:
        return f"hyperparameters.{key}"
    return LIBRARY_HYPERPARAMETERS.get(key, "distribution")


def _channel_field(request: Mapping[str, Any], index: int, rest: tuple[str | int, ...]) -> str:
    channel = request["InputDataConfig"][index]
    name = channel["ChannelName"]
    if name == CODE_CHANNEL and request.get("EnableNetworkIsolation"):
        return "source_dir"  # the library's own channel carries the source archive
    member = ".".join(str(part) for part in rest)
    return f"inputs.{name}{CHANNEL_FIELDS.get(member, '')}"


def job_field(spec: JobSpec, request: Mapping[str, Any], path: tuple[str | int, ...]) -> str:
    """The job-file key a request path comes from (`HyperParameters.x` -> `hyperparameters.x`)."""
    head = path[0]
    if head == "HyperParameters" and len(path) > 1:
        return _hyperparameter_field(spec, str(path[1]))
    if head == "InputDataConfig" and len(path) > 1:
        return _channel_field(request, int(path[1]), path[2:])
    if head == "Tags" and len(path) > 1:
        return f"tags.{request['Tags'][int(path[1])]['Key']}"
    if head == "Environment" and len(path) > 1:
        return f"environment.{path[1]}"
    indexes = [part for part in path if isinstance(part, int)]
    generic = [
        ".".join("[]" if isinstance(p, int) else p for p in path[:n])
        for n in range(len(path), 0, -1)
    ]
    for candidate in generic:
        key = candidate.replace(".[]", "[]")
        if key in FIELDS:
            return FIELDS[key].format(*indexes)
    return ".".join(str(part) for part in path)
