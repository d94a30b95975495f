"""Synthesis fails on a request the API model rejects; deploy-time tokens never trip it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from aws_cdk import Stack
from aws_cdk import aws_kms as kms

from cdk_sagemaker_training.cdk.training_job import TrainingJob
from tests.factories import BASE
from tests.synth_helpers import new_app


def test_model_limit_fails_synthesis_with_code_and_path(tmp_path: Path) -> None:
    app = new_app(tmp_path, nag=False)
    stack = Stack(app, "Test")
    tags = {f"t{i}": "v" for i in range(51)}
    TrainingJob(stack, "Job", job=replace(BASE, tags=tags))
    with pytest.raises(RuntimeError) as error:
        app.synth()
    assert "API001" in str(error.value) and "tags" in str(error.value)


def test_tokens_from_constructs_pass(tmp_path: Path) -> None:
    """The output bucket's name and the volume key's ARN are tokens when the request renders."""
    app = new_app(tmp_path, nag=False)
    stack = Stack(app, "Test")
    key = kms.Key(stack, "Key")
    built = TrainingJob(stack, "Job", job=replace(BASE, output_path=None), volume_key=key)
    assert built.valid and "${Token[" in built.request["OutputDataConfig"]["S3OutputPath"]
    assert "${Token[" in built.request["ResourceConfig"]["VolumeKmsKeyId"]
    assert not [f for f in built.findings if f.code.startswith("API")]
