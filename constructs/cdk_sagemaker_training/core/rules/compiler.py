"""Training Compiler rules (SDK v2 `TrainingCompilerConfig.validate`, with its TF bug fixed)."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_sagemaker_training.core import compiler as trcomp
from cdk_sagemaker_training.core.distribution import DistributionKey
from cdk_sagemaker_training.core.model import Framework, JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, WARNING, RuleContext, Violation, rule

DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/training-compiler-support.html"


@rule(
    "TRCOMP001",
    ERROR,
    "Compiler needs a supported GPU instance class",
    f"Use an instance class of {', '.join(trcomp.SUPPORTED_INSTANCE_CLASSES)} (see {DOCS})",
)
def _instance_class(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.instance_type is not None:
        found = trcomp.instance_class(spec.instance_type)
        if found not in trcomp.SUPPORTED_INSTANCE_CLASSES:
            yield (
                "instance_type",
                f"instance class {found!r} ({spec.instance_type}) is not supported",
            )


@rule(
    "TRCOMP002",
    ERROR,
    "Compiler jobs cannot use a custom image",
    "Remove image_uri and set the framework versions; the compiler-enabled DLC is resolved",
)
def _custom_image(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.image_uri is not None:
        yield "image_uri", f"received {spec.image_uri!r} together with compiler_config"


@rule(
    "TRCOMP003",
    ERROR,
    "Compiler jobs cannot use SageMaker distributed libraries or multi-worker mirrored strategy",
    "Use distribution {pytorchxla: {enabled: true}} (PyTorch) or a single worker (TensorFlow)",
)
def _distributed_libraries(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if not spec.compiler_enabled:
        return
    for key in trcomp.UNSUPPORTED_DISTRIBUTIONS:
        if key in spec.distribution:
            yield f"distribution.{key}", f"received distribution {key.value!r}"


@rule(
    "TRCOMP004",
    ERROR,
    "Compiler jobs cannot use heterogeneous clusters",
    "Use instance_type and instance_count instead of instance_groups",
)
def _instance_groups(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.instance_groups:
        yield "instance_groups", f"received {len(spec.instance_groups)} instance groups"


def _outside(
    key: str, version: str | None, bounds: tuple[tuple[int, int], tuple[int, int]]
) -> Iterator[Violation]:
    """A violation at `key` when `version` is set and its minor is outside `bounds`."""
    low, high = bounds
    if version and not low <= trcomp.minor(version) <= high:
        yield key, f"received {version!r}"


@rule(
    "TRCOMP005",
    ERROR,
    "Hugging Face compiler jobs need PyTorch 1.9-1.11",
    "Set pytorch_version to 1.9, 1.10 or 1.11 with a matching transformers_version",
)
def _huggingface_pytorch(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.framework is Framework.HUGGINGFACE:
        yield from _outside(
            "pytorch_version", spec.pytorch_version, trcomp.HUGGINGFACE_PYTORCH_RANGE
        )


@rule(
    "TRCOMP006",
    ERROR,
    "pytorchxla needs a recent PyTorch and must be the only distribution",
    "Use PyTorch >= 1.11 (Hugging Face) or >= 1.12 (PyTorch) and no other distribution key",
)
def _pytorchxla(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if not (spec.compiler_enabled and trcomp.pytorchxla_enabled(spec)):
        return
    minimum = trcomp.PYTORCHXLA_MIN.get(spec.framework)
    version = trcomp.pytorch_version(spec)
    if minimum is None or version is None:
        yield "distribution.pytorchxla", "received pytorchxla on a TensorFlow job"
    elif trcomp.minor(version) < minimum:
        yield "distribution.pytorchxla", f"received PyTorch {version!r} with pytorchxla"
    others = sorted(k for k in spec.distribution if k != DistributionKey.PYTORCHXLA)
    if others:
        yield "distribution", f"received {', '.join(others)} next to pytorchxla"


@rule(
    "TRCOMP007",
    ERROR,
    "pytorchxla needs the compiler",
    "Set compiler_config: {enabled: true} or use another distribution (e.g. torch_distributed)",
)
def _pytorchxla_without_compiler(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if not spec.compiler_enabled and trcomp.pytorchxla_enabled(spec):
        yield "distribution.pytorchxla", "received pytorchxla without compiler_config"


@rule(
    "TRCOMP008",
    ERROR,
    "TensorFlow compiler jobs need TensorFlow 2.9-2.11",
    "Set framework_version to 2.9, 2.10 or 2.11 (the SDK means to enforce this but does not)",
)
def _tensorflow_version(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.framework is Framework.TENSORFLOW:
        yield from _outside("framework_version", spec.framework_version, trcomp.TENSORFLOW_RANGE)


@rule(
    "TRCOMP009",
    ERROR,
    "Only pytorchxla distributes compiler jobs on recent PyTorch",
    "Use distribution {pytorchxla: {enabled: true}} (PyTorch >= 1.11 with Hugging Face, "
    ">= 1.12 with PyTorch), or no distribution",
)
def _only_pytorchxla(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    minimum = trcomp.PYTORCHXLA_MIN.get(spec.framework)
    version = trcomp.pytorch_version(spec)
    if not spec.compiler_enabled or minimum is None or version is None:
        return
    if DistributionKey.PYTORCHXLA in spec.distribution or trcomp.minor(version) < minimum:
        return
    others = sorted(k for k in spec.distribution if k not in trcomp.UNSUPPORTED_DISTRIBUTIONS)
    if others:
        yield "distribution", f"received {', '.join(others)} on PyTorch {version}"


@rule(
    "TRCOMP101",
    WARNING,
    "Training Compiler is in maintenance",
    "AWS publishes no new compiler versions; existing images keep working without patches",
)
def _maintenance(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled:
        yield "compiler_config", "this job uses SageMaker Training Compiler"


@rule(
    "TRCOMP102",
    WARNING,
    "Compiler debug mode slows training",
    "Set compiler_config.debug: false once you have the dumps you need",
)
def _debug(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.compiler_config is not None and spec.compiler_config.debug:
        yield "compiler_config.debug", "received true (dumps go to /opt/ml/output/data/compiler/)"


@rule(
    "TRCOMP103",
    WARNING,
    "Profiler on with the compiler adds recompilation overhead",
    "Remove disable_profiler: false (compiler jobs default to the profiler off)",
)
def _profiler(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.compiler_enabled and spec.disable_profiler is False:
        yield "disable_profiler", "received false"


@rule(
    "TRCOMP104",
    WARNING,
    "Multi-node PyTorch compiler job without pytorchxla",
    "Add distribution {pytorchxla: {enabled: true}} so every node trains (PyTorch >= 1.11 "
    "with Hugging Face, >= 1.12 with PyTorch; TensorFlow jobs have no pytorchxla)",
)
def _multi_node_without_xla(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    minimum = trcomp.PYTORCHXLA_MIN.get(spec.framework)
    version = trcomp.pytorch_version(spec)
    if not spec.compiler_enabled or spec.instance_count <= 1 or trcomp.pytorchxla_enabled(spec):
        return
    if minimum is not None and version is not None and trcomp.minor(version) >= minimum:
        yield "instance_count", f"received {spec.instance_count} without pytorchxla"


@rule(
    "TRCOMP105",
    WARNING,
    "Multi-node compiler job on an instance without EFA",
    f"Use an EFA instance type for multi-node jobs: {', '.join(trcomp.EFA_INSTANCE_TYPES)}",
)
def _no_efa(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if (
        spec.compiler_enabled
        and spec.instance_count > 1
        and spec.instance_type is not None
        and spec.instance_type not in trcomp.EFA_INSTANCE_TYPES
    ):
        yield (
            "instance_type",
            f"received {spec.instance_type} with instance_count {spec.instance_count}",
        )
