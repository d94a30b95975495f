"""Rules on `distribution` shapes that SDK v2's estimators refuse (so would the toolkit)."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_sagemaker_training.core import distribution as dist
from cdk_sagemaker_training.core.model import Framework, JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, WARNING, RuleContext, Violation, rule


@rule(
    "DIST001",
    ERROR,
    "SDK v2's estimator refuses this distribution",
    "PyTorch: keep pytorchddp or smdistributed, not both; multi_worker_mirrored_strategy is "
    "TensorFlow only; a heterogeneous cluster takes a distribution only with one instance "
    "group, and then only mpi or smdistributed dataparallel",
    source="https://sagemaker.readthedocs.io/en/v2.257.0/api/training/estimators.html",
)
def _refused(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    keys = set(spec.distribution)
    if (
        spec.framework is Framework.PYTORCH
        and {dist.DistributionKey.PYTORCHDDP, dist.DistributionKey.SMDISTRIBUTED} <= keys
    ):
        yield "distribution.pytorchddp", "received pytorchddp next to smdistributed"
    if (
        dist.DistributionKey.MULTI_WORKER_MIRRORED_STRATEGY in keys
        and spec.framework is not Framework.TENSORFLOW
    ):
        yield (
            "distribution.multi_worker_mirrored_strategy",
            f"received it for framework {spec.framework.value}",
        )
    if keys and len(spec.instance_groups) > 1:
        yield "distribution", f"received a distribution with {len(spec.instance_groups)} groups"
    hyperparameters = dist.hyperparameters(spec)
    launched = hyperparameters.get(dist.MPI) or hyperparameters.get(dist.SM_DATA_PARALLEL)
    if dist.INSTANCE_GROUPS in hyperparameters and not launched:
        yield "distribution", "received a heterogeneous cluster without mpi or smdistributed"


TORCH_LAUNCHERS = (dist.DistributionKey.PYTORCHDDP, dist.DistributionKey.TORCH_DISTRIBUTED)


@rule(
    "DIST101",
    WARNING,
    "A PyTorch launcher on a TensorFlow job starts nothing",
    "Use mpi, parameter_server, smdistributed or multi_worker_mirrored_strategy (TensorFlow); "
    "SDK v2 accepts pytorchddp / torch_distributed here but the TensorFlow container ignores them",
)
def _torch_launcher_on_tensorflow(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    tensorflow = spec.framework is Framework.TENSORFLOW or spec.tensorflow_version is not None
    for key in TORCH_LAUNCHERS:
        if tensorflow and key in spec.distribution:
            yield f"distribution.{key}", f"received {key} on a TensorFlow job"
