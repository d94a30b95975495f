"""SageMaker Training Compiler: the facts its rules and its hyperparameters rest on.

There is no API field for the compiler: a compiler job is an ordinary training job on a
compiler-enabled image with the hyperparameters below (SDK `TrainingCompilerConfig`).
"""

from __future__ import annotations

from cdk_sagemaker_training.core.distribution import DistributionKey
from cdk_sagemaker_training.core.model import Framework, JobSpec

HP_ENABLED = "sagemaker_training_compiler_enabled"
HP_DEBUG = "sagemaker_training_compiler_debug_mode"

SUPPORTED_INSTANCE_CLASSES = ("p3", "p3dn", "g4dn", "p4d", "g5")
"""Instance classes (`ml.<class>.<size>`) the compiler supports; exact match."""
EFA_INSTANCE_TYPES = (
    "ml.g4dn.8xlarge",
    "ml.g4dn.12xlarge",
    "ml.g5.48xlarge",
    "ml.p3dn.24xlarge",
    "ml.p4d.24xlarge",
)
"""Compiler-supported instance types with EFA, for multi-node jobs."""
HUGGINGFACE_PYTORCH_RANGE = ((1, 9), (1, 11))
TENSORFLOW_RANGE = ((2, 9), (2, 11))
PYTORCHXLA_MIN = {Framework.HUGGINGFACE: (1, 11), Framework.PYTORCH: (1, 12)}
"""Minimum PyTorch version for `pytorchxla` distributed compiler training."""
UNSUPPORTED_DISTRIBUTIONS = (
    DistributionKey.SMDISTRIBUTED,
    DistributionKey.PYTORCHDDP,
    DistributionKey.MULTI_WORKER_MIRRORED_STRATEGY,
)
"""SageMaker distributed libraries (the SDK rewrites `pytorchddp` to smdistributed) and
TensorFlow's multi-worker mirrored strategy: compiler jobs cannot use them (TRCOMP003)."""


def version_tuple(version: str) -> tuple[int, ...]:
    """`"1.13.1"` -> `(1, 13, 1)`; non-numeric parts end the tuple."""
    parts: list[int] = []
    for part in version.split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def minor(version: str) -> tuple[int, ...]:
    """The `(major, minor)` of a version string."""
    return version_tuple(version)[:2]


def instance_class(instance_type: str) -> str:
    """`ml.p3dn.24xlarge` -> `p3dn`."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "ml" else instance_type


def pytorchxla_enabled(spec: JobSpec) -> bool:
    """Whether the job asks for PyTorch/XLA distributed training."""
    settings = spec.distribution.get(DistributionKey.PYTORCHXLA)
    return isinstance(settings, dict) and bool(settings.get("enabled", False))


def pytorch_version(spec: JobSpec) -> str | None:
    """The PyTorch version a Hugging Face or PyTorch job runs."""
    if spec.framework is Framework.HUGGINGFACE:
        return spec.pytorch_version
    if spec.framework is Framework.PYTORCH:
        return spec.framework_version
    return None


def hyperparameters(spec: JobSpec) -> dict[str, str]:
    """The compiler's hyperparameters for a job (empty when the compiler is off)."""
    if spec.compiler_config is None or not spec.compiler_config.enabled:
        return {}
    # pytorchxla's own `sagemaker_pytorch_xla_multi_worker_enabled` comes from `distribution`.
    return {
        HP_ENABLED: "true",
        HP_DEBUG: "true" if spec.compiler_config.debug else "false",
    }
