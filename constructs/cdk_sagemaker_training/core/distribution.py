"""Distributed-training settings -> the launcher hyperparameters the framework containers read.

Mirrors SDK v2.257.7: `Framework._distribution_configuration`, the Hugging Face and
PyTorch estimators' `pytorchddp` / `torch_distributed` launchers (both add
`sagemaker_instance_type`), and the PyTorch estimator's rewrite of `pytorchddp` into
SageMaker distributed data parallel. SageMaker model parallelism
(`smdistributed.modelparallel`) needs the SDK's own parameter translation and is not
rendered (rule JOB011).
"""

from __future__ import annotations

from collections.abc import Mapping
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
INSTANCE_GROUPS = "sagemaker_distribution_instance_groups"


def _enabled(settings: Any) -> bool:
    return isinstance(settings, Mapping) and bool(settings.get("enabled", False))


def _settings(distribution: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    settings = distribution.get(key)
    return settings if isinstance(settings, Mapping) else {}


def _generic(spec: JobSpec, distribution: Mapping[str, Any]) -> dict[str, Any]:
    """`Framework._distribution_configuration` (every framework)."""
    config: dict[str, Any] = {}
    if training_groups(spec):
        config[INSTANCE_GROUPS] = training_groups(spec)
    if DistributionKey.PYTORCHXLA in distribution:
        config[PYTORCH_XLA] = _enabled(distribution[DistributionKey.PYTORCHXLA])
    if DistributionKey.PARAMETER_SERVER in distribution:
        config[PARAMETER_SERVER] = _enabled(distribution[DistributionKey.PARAMETER_SERVER])
    if DistributionKey.MPI in distribution:
        mpi = _settings(distribution, DistributionKey.MPI)
        config[MPI] = _enabled(mpi)
        if mpi.get("processes_per_host"):
            config[MPI_PROCESSES_PER_HOST] = mpi["processes_per_host"]
        config[MPI_CUSTOM_OPTIONS] = mpi.get("custom_mpi_options", "")
    if DistributionKey.SMDISTRIBUTED in distribution:
        data_parallel = _settings(
            _settings(distribution, DistributionKey.SMDISTRIBUTED), "dataparallel"
        )
        config[SM_DATA_PARALLEL] = _enabled(data_parallel)
        config[INSTANCE_TYPE] = spec.instance_type
        if _enabled(data_parallel):
            config[SM_DATA_PARALLEL_CUSTOM_OPTIONS] = data_parallel.get("custom_mpi_options", "")
    if DistributionKey.MULTI_WORKER_MIRRORED_STRATEGY in distribution:
        config[MULTI_WORKER_MIRRORED] = _enabled(
            distribution[DistributionKey.MULTI_WORKER_MIRRORED_STRATEGY]
        )
    return config


def training_groups(spec: JobSpec) -> list[str]:
    """The instance groups that train: SDK v2 picks the only group of a one-group
    heterogeneous cluster; with more it needs `distribution.instance_groups`, which this
    library does not take (rule DIST001)."""
    if spec.distribution and len(spec.instance_groups) == 1:
        return [spec.instance_groups[0].instance_group_name]
    return []


def effective(spec: JobSpec) -> Mapping[str, Any]:
    """The distribution the estimator uses: SDK v2's PyTorch estimator rewrites `pytorchddp`
    into SageMaker distributed data parallel (`smdistributed.dataparallel`)."""
    distribution = spec.distribution
    if spec.framework is Framework.PYTORCH and DistributionKey.PYTORCHDDP in distribution:
        rewritten = {k: v for k, v in distribution.items() if k != DistributionKey.PYTORCHDDP}
        return {
            **rewritten,
            DistributionKey.SMDISTRIBUTED: {
                "dataparallel": distribution[DistributionKey.PYTORCHDDP]
            },
        }
    return distribution


def _launcher(spec: JobSpec, distribution: Mapping[str, Any]) -> dict[str, Any]:
    """The torch launchers of the Hugging Face and PyTorch estimators (`pytorchddp` first)."""
    config: dict[str, Any] = {}
    if DistributionKey.PYTORCHDDP in distribution:
        if _enabled(distribution[DistributionKey.PYTORCHDDP]):
            config[PYTORCH_DDP] = True
    elif _enabled(distribution.get(DistributionKey.TORCH_DISTRIBUTED)):
        if spec.framework is Framework.PYTORCH and DistributionKey.SMDISTRIBUTED in distribution:
            config = _generic(spec, distribution)
        config[TORCH_DISTRIBUTED] = True
    if config and spec.instance_type is not None:
        config[INSTANCE_TYPE] = spec.instance_type
    return config


def hyperparameters(spec: JobSpec) -> dict[str, Any]:
    """The distribution hyperparameters, before JSON encoding (empty for one process)."""
    distribution = effective(spec)
    if spec.framework is Framework.TENSORFLOW:
        return _generic(spec, distribution)
    return _launcher(spec, distribution) or _generic(spec, distribution)


def mpi_enabled(spec: JobSpec) -> bool:
    """Whether MPI (Horovod) launches the job; TensorFlow's `model_dir` is then local."""
    return _enabled(spec.distribution.get(DistributionKey.MPI))


def disables_debugger(spec: JobSpec) -> bool:
    """Whether SDK v2 turns the debugger hook off: TensorFlow parameter servers (smdebug
    lacks them), and PyTorch / TensorFlow jobs that checkpoint locally (its estimators
    always carry a distribution, so even one process counts as distributed)."""
    if spec.framework is Framework.TENSORFLOW and _enabled(
        spec.distribution.get(DistributionKey.PARAMETER_SERVER)
    ):
        return True
    checkpointing = spec.checkpoint_s3_uri is not None and spec.checkpoint_local_path is not None
    return checkpointing and spec.framework is not Framework.HUGGINGFACE
