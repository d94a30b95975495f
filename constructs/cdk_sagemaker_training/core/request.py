"""Render the complete `CreateTrainingJob` request, as SDK v2's estimators send it.

One small `render_<key>` per top-level API key, joined by `render_request`. Values known
only at deploy or run time (role ARN, job name, source and output locations, region)
are parameters, so the constructs can pass CDK tokens or placeholders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cdk_sagemaker_training.core import compiler, distribution
from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Severity, SpecError
from cdk_sagemaker_training.core.images import resolve_image
from cdk_sagemaker_training.core.model import (
    DEFAULT_CONTAINER_LOG_LEVEL,
    WARM_POOL_CACHE_DIR,
    Channel,
    Framework,
    JobSpec,
    S3DataDistribution,
)

RENDER001 = define(
    "RENDER001",
    Severity.ERROR,
    "A deploy-time value is missing",
    "Pass the source URI / output path",
)
CODE_CHANNEL = "code"
ISOLATED_SOURCE_DIR = f"/opt/ml/input/data/{CODE_CHANNEL}"
"""Where the source archive lands when it travels as the `code` channel (the file keeps
its S3 object's name, so `sagemaker_submit_directory` must name that file)."""
WARM_POOL_CACHE_ENVIRONMENT = {
    "PIP_CACHE_DIR": f"{WARM_POOL_CACHE_DIR}/pip",
    "HF_HOME": f"{WARM_POOL_CACHE_DIR}/huggingface",
}
"""Caches pointed into the persistent warm-pool cache by `use_warm_pool_cache`."""


@dataclass(frozen=True, kw_only=True)
class RenderContext:
    """Values unknown until deploy or run time."""

    region: str
    role_arn: str
    job_name: str
    image_uri: str
    source_uri: str | None
    source_archive_name: str
    output_path: str


def json_encode(value: Any) -> str:
    """A hyperparameter value as the SDK sends it (`3` -> `"3"`, `"a"` -> `"\\"a\\""`)."""
    return json.dumps(value)


def render_algorithm_specification(spec: JobSpec, ctx: RenderContext) -> dict[str, Any]:
    """`AlgorithmSpecification`."""
    algorithm: dict[str, Any] = {
        "TrainingInputMode": spec.input_mode.value,
        "TrainingImage": ctx.image_uri,
        "EnableSageMakerMetricsTimeSeries": True,
    }
    if spec.metric_definitions:
        algorithm["MetricDefinitions"] = [
            {"Name": m.name, "Regex": m.regex} for m in spec.metric_definitions
        ]
    return algorithm


def _submit_directory(spec: JobSpec, ctx: RenderContext) -> str:
    if spec.enable_network_isolation:
        return f"{ISOLATED_SOURCE_DIR}/{ctx.source_archive_name}"
    assert ctx.source_uri is not None  # render_request checks it
    return ctx.source_uri


MPI_MODEL_DIR = "/opt/ml/model"
"""TensorFlow's `model_dir` under MPI (Horovod): every rank saves locally."""


def _model_dir(spec: JobSpec, ctx: RenderContext) -> str:
    """TensorFlow's `model_dir`, where the SDK's TensorFlow estimator points it."""
    if distribution.mpi_enabled(spec):
        return MPI_MODEL_DIR
    return f"{ctx.output_path.rstrip('/')}/{ctx.job_name}/model"


def render_hyperparameters(spec: JobSpec, ctx: RenderContext) -> dict[str, str]:
    """`HyperParameters`: the user's, script-mode ones and the compiler's, JSON-encoded."""
    values = {key: json_encode(value) for key, value in spec.hyperparameters.items()}
    values.update({k: json_encode(v) for k, v in distribution.hyperparameters(spec).items()})
    if spec.framework is Framework.TENSORFLOW:
        values["model_dir"] = json_encode(_model_dir(spec, ctx))
    values.update(
        {
            "sagemaker_submit_directory": json_encode(_submit_directory(spec, ctx)),
            "sagemaker_program": json_encode(spec.entry_point),
            "sagemaker_container_log_level": json_encode(DEFAULT_CONTAINER_LOG_LEVEL),
            "sagemaker_job_name": json_encode(ctx.job_name),
            "sagemaker_region": json_encode(ctx.region),
        }
    )
    values.update(compiler.hyperparameters(spec))
    return values


def _channel(channel: Channel) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "ChannelName": channel.name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": channel.s3_data,
                "S3DataDistributionType": channel.distribution.value,
            }
        },
    }
    if channel.content_type is not None:
        rendered["ContentType"] = channel.content_type
    if channel.compression is not None:
        rendered["CompressionType"] = channel.compression.value
    if channel.input_mode is not None:
        rendered["InputMode"] = channel.input_mode.value
    return rendered


def render_input_data_config(spec: JobSpec, ctx: RenderContext) -> list[dict[str, Any]]:
    """`InputDataConfig`, plus the `code` channel under network isolation."""
    channels = [_channel(c) for c in spec.inputs]
    if spec.enable_network_isolation:
        assert ctx.source_uri is not None
        channels.append(
            _channel(
                Channel(
                    name=CODE_CHANNEL,
                    s3_data=ctx.source_uri,
                    distribution=S3DataDistribution.FULLY_REPLICATED,
                )
            )
        )
    return channels


def render_output_data_config(spec: JobSpec, ctx: RenderContext) -> dict[str, Any]:
    """`OutputDataConfig`."""
    output: dict[str, Any] = {"S3OutputPath": ctx.output_path}
    if spec.output_kms_key is not None:
        output["KmsKeyId"] = spec.output_kms_key
    return output


def render_resource_config(spec: JobSpec) -> dict[str, Any]:
    """`ResourceConfig`, with the warm pool's `KeepAlivePeriodInSeconds`."""
    resources: dict[str, Any] = {"VolumeSizeInGB": spec.volume_size}
    if spec.instance_groups:
        resources["InstanceGroups"] = [
            {
                "InstanceGroupName": g.instance_group_name,
                "InstanceType": g.instance_type,
                "InstanceCount": g.instance_count,
            }
            for g in spec.instance_groups
        ]
    else:
        resources["InstanceCount"] = spec.instance_count
        resources["InstanceType"] = spec.instance_type
    if spec.volume_kms_key is not None:
        resources["VolumeKmsKeyId"] = spec.volume_kms_key
    if spec.warm_pool_enabled:
        resources["KeepAlivePeriodInSeconds"] = spec.keep_alive_period_in_seconds
    return resources


def render_stopping_condition(spec: JobSpec) -> dict[str, Any]:
    """`StoppingCondition`."""
    condition: dict[str, Any] = {"MaxRuntimeInSeconds": spec.max_run}
    if spec.max_wait is not None:
        condition["MaxWaitTimeInSeconds"] = spec.max_wait
    return condition


def render_vpc_config(spec: JobSpec) -> dict[str, Any]:
    """`VpcConfig`."""
    return {"Subnets": list(spec.subnets), "SecurityGroupIds": list(spec.security_group_ids)}


def render_checkpoint_config(spec: JobSpec) -> dict[str, Any]:
    """`CheckpointConfig`."""
    checkpoint: dict[str, Any] = {"S3Uri": spec.checkpoint_s3_uri}
    if spec.checkpoint_local_path is not None:
        checkpoint["LocalPath"] = spec.checkpoint_local_path
    return checkpoint


def render_environment(spec: JobSpec) -> dict[str, str]:
    """`Environment`: the warm-pool cache settings, then the job's own (which win)."""
    environment = dict(WARM_POOL_CACHE_ENVIRONMENT) if spec.use_warm_pool_cache else {}
    environment.update(spec.environment)
    return environment


def render_tags(spec: JobSpec) -> list[dict[str, str]]:
    """`Tags`."""
    return [{"Key": key, "Value": value} for key, value in spec.tags.items()]


def render_debug_hook_config(ctx: RenderContext) -> dict[str, Any]:
    """`DebugHookConfig`: the SDK's default hook (off for compiler jobs, as documented)."""
    return {"S3OutputPath": ctx.output_path, "CollectionConfigurations": []}


def render_profiler_config(spec: JobSpec, ctx: RenderContext) -> dict[str, Any]:
    """`ProfilerConfig`."""
    if spec.profiler_disabled:
        return {"DisableProfiler": True}
    return {"S3OutputPath": ctx.output_path, "DisableProfiler": False}


def _missing(path: str, message: str) -> SpecError:
    return RENDER001.error(path, message)


def render_request(
    spec: JobSpec,
    *,
    region: str,
    role_arn: str,
    job_name: str,
    image_uri: str | None = None,
    source_uri: str | None = None,
    output_path: str | None = None,
    source_archive_name: str | None = None,
) -> dict[str, Any]:
    """The `CreateTrainingJob` request for one run of `spec`.

    `image_uri`: Default: the image resolved for `region`. `source_uri`: the uploaded
    `sourcedir.tar.gz`; Default: `source_dir` when it is on S3. `role_arn` is used unless
    the job names its own `role`. `output_path`: Default: the job's `output_path`.
    `source_archive_name`: the archive's object name, which network isolation needs when
    `source_uri` is a token; Default: the last segment of `source_uri`.
    """
    source = source_uri or (spec.source_dir if not spec.source_is_local else None)
    if source is None and spec.source_dir is not None:
        raise _missing("source_dir", "a local source_dir needs the uploaded archive's S3 URI")
    if source is None:
        raise _missing("source_dir", "the job has no source_dir; give the source archive URI")
    output = output_path or spec.output_path
    if output is None:
        raise _missing("output_path", "the job has no output_path; give one")
    ctx = RenderContext(
        region=region,
        role_arn=spec.role or role_arn,
        job_name=job_name,
        image_uri=image_uri or resolve_image(spec).uri(region),
        source_uri=source,
        source_archive_name=source_archive_name or source.rsplit("/", 1)[-1],
        output_path=output,
    )
    request: dict[str, Any] = {
        "TrainingJobName": job_name,
        "AlgorithmSpecification": render_algorithm_specification(spec, ctx),
        "RoleArn": ctx.role_arn,
        "OutputDataConfig": render_output_data_config(spec, ctx),
        "ResourceConfig": render_resource_config(spec),
        "StoppingCondition": render_stopping_condition(spec),
        "HyperParameters": render_hyperparameters(spec, ctx),
        "ProfilerConfig": render_profiler_config(spec, ctx),
    }
    optional: dict[str, Any] = {
        "InputDataConfig": render_input_data_config(spec, ctx),
        "VpcConfig": render_vpc_config(spec) if spec.uses_vpc else None,
        "EnableNetworkIsolation": spec.enable_network_isolation or None,
        "EnableInterContainerTrafficEncryption": spec.encrypt_inter_container_traffic or None,
        "EnableManagedSpotTraining": spec.use_spot_instances or None,
        "CheckpointConfig": render_checkpoint_config(spec) if spec.checkpoint_s3_uri else None,
        "RetryStrategy": (
            {"MaximumRetryAttempts": spec.max_retry_attempts}
            if spec.max_retry_attempts is not None
            else None
        ),
        "Environment": render_environment(spec),
        "Tags": render_tags(spec),
        "DebugHookConfig": (
            None
            if spec.compiler_enabled or distribution.disables_debugger(spec)
            else render_debug_hook_config(ctx)
        ),
    }
    request.update({key: value for key, value in optional.items() if value})
    return request
