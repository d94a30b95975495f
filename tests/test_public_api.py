"""The package root is the public API: complete, cheap to import, the names users need."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import cdk_sagemaker_training

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = {
    "TrainingJob",
    "TrainingSweep",
    "WarmPoolGroup",
    "QuotaGuard",
    "TrainingJobPolicy",
    "PlatformPolicy",
    "JobSpec",
    "load_jobs",
    "Integration",
    "Finding",
    "Severity",
    "SpecError",
}


def test_root_exports_the_documented_names() -> None:
    assert set(cdk_sagemaker_training.__all__) >= REQUIRED
    readme = (ROOT / "README.md").read_text()
    for name in cdk_sagemaker_training.__all__:
        assert f"`{name}`" in readme, f"{name} is missing from README's public API index"


@pytest.mark.parametrize("name", cdk_sagemaker_training.__all__)
def test_every_public_name_resolves_to_its_defining_module(name: str) -> None:
    value = getattr(cdk_sagemaker_training, name)
    assert getattr(value, "__name__", name) == name
    assert value.__module__.startswith("cdk_sagemaker_training.")


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'TrainingJobs'"):
        _ = cdk_sagemaker_training.TrainingJobs


def test_importing_the_root_loads_no_cdk_boto3_or_sagemaker() -> None:
    code = (
        "import sys, cdk_sagemaker_training, cdk_sagemaker_training.testing; "
        "from cdk_sagemaker_training import JobSpec, load_jobs, PlatformPolicy; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'aws_cdk', 'jsii', 'boto3', 'botocore', 'sagemaker'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "[]"


def test_constructs_load_cdk_only_when_asked_for() -> None:
    code = (
        "import sys, cdk_sagemaker_training as c; before = 'aws_cdk' in sys.modules; "
        "c.TrainingJob; print(before, 'aws_cdk' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert result.stdout.strip() == "False True"
