"""Synth-time validation: error findings fail synthesis with their code and construct path."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Environment, Stack

from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.cdk.warm_pool_group import WarmPoolGroup
from cdk_sagemaker_training.core.images import resolve_image
from tests.factories import BASE, HUGGINGFACE
from tests.synth_helpers import new_app

CANDIDATE_REGIONS = ("il-central-1", "mx-central-1", "ap-southeast-7", "eu-south-2", "ca-west-1")


def synth_error(tmp_path: Path, build: Callable[[Stack], object], region: str | None = None) -> str:
    """The message synthesis fails with."""
    app = new_app(tmp_path, nag=False)
    stack = Stack(app, "Test", env=Environment(region=region) if region else None)
    build(stack)
    with pytest.raises(RuntimeError) as error:
        app.synth()
    return str(error.value)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        pytest.param({"instance_type": "ml.c5.xlarge"}, "TRCOMP001", id="compiler-on-cpu"),
        pytest.param({"keep_alive_period_in_seconds": 10**6}, "WPOOL001", id="keep-alive-bounds"),
        pytest.param(
            {"keep_alive_period_in_seconds": 60, "use_spot_instances": True, "max_wait": 90000},
            "WPOOL002",
            id="warm-pool-with-spot",
        ),
    ],
)
def test_error_findings_fail_synthesis_with_code_and_path(
    tmp_path: Path, changes: dict[str, Any], code: str
) -> None:
    message = synth_error(
        tmp_path, lambda stack: TrainingJob(stack, "Job", job=replace(BASE, **changes))
    )
    assert code in message
    assert "Test/Job" in message


def test_warm_pool_group_names_the_first_differing_reuse_key(tmp_path: Path) -> None:
    def build(stack: Stack) -> None:
        group = WarmPoolGroup(stack, "Pool", name="pool")
        pooled = replace(BASE, keep_alive_period_in_seconds=600, warm_pool_group="pool")
        TrainingJob(stack, "A", job=replace(pooled, name="a"), warm_pool_group=group)
        TrainingJob(
            stack,
            "B",
            job=replace(pooled, name="b", volume_size=100, instance_count=2),
            warm_pool_group=group,
        )

    message = synth_error(tmp_path, build)
    assert "WPOOL004" in message
    assert "Test/Pool" in message
    assert "ResourceConfig.InstanceCount" in message  # the first difference, not the volume


def test_known_region_without_the_image_fails(tmp_path: Path) -> None:
    # transformers 4.11.0 is published in five regions only.
    spec = replace(HUGGINGFACE, transformers_version="4.11.0", pytorch_version="1.9.0")
    registries = resolve_image(spec).registries
    region = next(r for r in CANDIDATE_REGIONS if r not in registries)
    message = synth_error(
        tmp_path, lambda stack: TrainingJob(stack, "Job", job=spec), region=region
    )
    assert "IMAGE002" in message
    assert region in message
