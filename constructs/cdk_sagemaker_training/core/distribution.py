"""Distributed-training settings -> the launcher hyperparameters the framework containers read.

Mirrors SDK v2 `Framework._distribution_configuration` and the PyTorch estimator's
`torch_distributed` / `pytorchddp` handling. SageMaker model parallelism
(`smdistributed.modelparallel`) needs the SDK's own parameter translation and is not
rendered (rule JOB011).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from cdk_sagemaker_training.core.model import Framework, JobSpec


class DistributionKey(StrEnum):
    """Top-level `distribution` keys of the SDK v2 framework estimators."""

    PYTORCHXLA = "pytorchxla"
    SMDISTRIBUTED = "smdistributed"
    PYTORCHDDP = "pytorchddp"
    TORCH_DISTRIBUTED = "torch_distributed"
    MULTI_WORKER_MIRRORED_STRATEGY = "multi_worker_mirrored_strategy"
    MPI = "mpi"
    PARAMETER_SERVER = "parameter_server"


# The hyperparameters the framework containers read.
PYTORCH_XLA = "sagemaker_pytorch_xla_multi_worker_enabled"
PARAMETER_SERVER = "sagemaker_parameter_server_enabled"
MPI = "sagemaker_mpi_enabled"
MPI_PROCESSES_PER_HOST = "sagemaker_mpi_num_of_processes_per_host"
MPI_CUSTOM_OPTIONS = "sagemaker_mpi_custom_mpi_options"
SM_DATA_PARALLEL = "sagemaker_distributed_dataparallel_enabled"
SM_DATA_PARALLEL_CUSTOM_OPTIONS = "sagemaker_distributed_dataparallel_custom_mpi_options"
MULTI_WORKER_MIRRORED = "sagemaker_multi_worker_mirrored_strategy_enabled"
TORCH_DISTRIBUTED = "sagemaker_torch_distributed_enabled"
PYTORCH_DDP = "sagemaker_pytorch_ddp_enabled"
INSTANCE_TYPE = "sagemaker_instance_type"


def _enabled(settings: Any) -> bool:
    return isinstance(settings, dict) and bool(settings.get("enabled", False))


def _generic(spec: JobSpec) -> dict[str, Any]:
    """`Framework._distribution_configuration` (every framework)."""
    distribution = spec.distribution
    config: dict[str, Any] = {}
    if DistributionKey.PYTORCHXLA in distribution:
        config[PYTORCH_XLA] = _enabled(distribution[DistributionKey.PYTORCHXLA])
    if DistributionKey.PARAMETER_SERVER in distribution:
        config[PARAMETER_SERVER] = _enabled(distribution[DistributionKey.PARAMETER_SERVER])
    if DistributionKey.MPI in distribution:
        mpi = distribution[DistributionKey.MPI]
        config[MPI] = _enabled(mpi)
        if mpi.get("processes_per_host"):
            config[MPI_PROCESSES_PER_HOST] = mpi["processes_per_host"]
        config[MPI_CUSTOM_OPTIONS] = mpi.get("custom_mpi_options", "")
    if DistributionKey.SMDISTRIBUTED in distribution:
        data_parallel = distribution[DistributionKey.SMDISTRIBUTED].get("dataparallel", {})
        config[SM_DATA_PARALLEL] = _enabled(data_parallel)
        config[INSTANCE_TYPE] = spec.instance_type
        if _enabled(data_parallel):
            config[SM_DATA_PARALLEL_CUSTOM_OPTIONS] = data_parallel.get("custom_mpi_options", "")
    if DistributionKey.MULTI_WORKER_MIRRORED_STRATEGY in distribution:
        settings = distribution[DistributionKey.MULTI_WORKER_MIRRORED_STRATEGY]
        config[MULTI_WORKER_MIRRORED] = _enabled(settings)
    return config


def hyperparameters(spec: JobSpec) -> dict[str, Any]:
    """The distribution hyperparameters, before JSON encoding (empty for one process)."""
    distribution = spec.distribution
    pytorch = spec.framework is Framework.PYTORCH
    if pytorch and _enabled(distribution.get(DistributionKey.PYTORCHDDP)):
        return {PYTORCH_DDP: True, INSTANCE_TYPE: spec.instance_type}
    if pytorch and _enabled(distribution.get(DistributionKey.TORCH_DISTRIBUTED)):
        config = _generic(spec) if DistributionKey.SMDISTRIBUTED in distribution else {}
        return {**config, TORCH_DISTRIBUTED: True, INSTANCE_TYPE: spec.instance_type}
    return _generic(spec)


def disables_debugger(spec: JobSpec) -> bool:
    """SDK v2 turns the debugger hook off for distributed jobs that checkpoint locally."""
    checkpointing = spec.checkpoint_s3_uri is not None and spec.checkpoint_local_path is not None
    return checkpointing and (spec.instance_count > 1 or bool(spec.distribution))
