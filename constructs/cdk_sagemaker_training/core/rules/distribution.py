"""Rules on `distribution` shapes that SDK v2's estimators refuse."""

from __future__ import annotations

from collections.abc import Iterator

from cdk_sagemaker_training.core.model import Framework, JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, RuleContext, Violation, rule


@rule(
    "DIST001",
    ERROR,
    "pytorchddp and smdistributed together on PyTorch",
    "Keep one: the PyTorch estimator rewrites pytorchddp into smdistributed.dataparallel",
    source="https://sagemaker.readthedocs.io/en/v2.257.0/frameworks/pytorch/using_pytorch.html",
)
def _ddp_and_smdistributed(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.framework is Framework.PYTORCH and {"pytorchddp", "smdistributed"} <= set(
        spec.distribution
    ):
        yield "distribution.pytorchddp", "received pytorchddp next to smdistributed"
