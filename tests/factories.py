"""Valid job specs to vary one field at a time in tests."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from cdk_sagemaker_training.core.model import CompilerConfig, Framework, JobSpec
from cdk_sagemaker_training.core.policy import PlatformPolicy
from cdk_sagemaker_training.core.rules import check_jobs

BASE = JobSpec(
    name="base-job",
    framework=Framework.PYTORCH,
    framework_version="1.13.1",
    py_version="py39",
    compiler_config=CompilerConfig(),
    entry_point="train.py",
    source_dir="s3://code-bucket/base/sourcedir.tar.gz",
    instance_type="ml.p3.2xlarge",
    output_path="s3://out-bucket/base",
)
"""A valid PyTorch compiler job with code and output on S3."""

HUGGINGFACE = replace(
    BASE,
    framework=Framework.HUGGINGFACE,
    framework_version=None,
    transformers_version="4.21.1",
    pytorch_version="1.11.0",
    py_version="py38",
)
TENSORFLOW = replace(
    BASE, framework=Framework.TENSORFLOW, framework_version="2.11", py_version="py39"
)
PLAIN_PYTORCH = replace(
    BASE,
    compiler_config=None,
    framework_version="2.1",
    py_version="py310",
    instance_type="ml.g5.xlarge",
)
"""A job without the compiler, on an ordinary PyTorch DLC."""


def job(base: JobSpec = BASE, **changes: Any) -> JobSpec:
    """`base` with some fields changed."""
    return replace(base, **changes)


class Case(NamedTuple):
    """One rule test case: the jobs (one, or a set for cross-job rules), the code it is
    about, and the context the rules get."""

    id: str
    subject: JobSpec | tuple[JobSpec, ...]
    code: str
    region: str | None = None
    policy: PlatformPolicy | None = None

    def codes(self) -> set[str]:
        """Every code the rules report for this case."""
        specs = (self.subject,) if isinstance(self.subject, JobSpec) else self.subject
        return {f.code for f in check_jobs(specs, region=self.region, policy=self.policy)}
