"""Construct test apps, each synthesized once per session (cdk-nag attached)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_events as events
from aws_cdk.assertions import Template

from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.cdk.warm_pool_group import WarmPoolGroup
from cdk_sagemaker_training.core.model import Channel, JobSpec
from cdk_sagemaker_training.launcher.definition import Integration
from tests.factories import BASE, HUGGINGFACE, TENSORFLOW
from tests.synth_helpers import new_app

PINNED_ENV = Environment(account="111122223333", region="us-west-2")
GIVEN_ROLE = "arn:aws:iam::111122223333:role/given-training-role"
SECURE = replace(
    TENSORFLOW,
    name="secure",
    subnets=("subnet-0a1b2c3d",),
    security_group_ids=("sg-0a1b2c3d",),
    volume_kms_key="arn:aws:kms:us-east-1:111122223333:key/volume",
    enable_network_isolation=True,
    encrypt_inter_container_traffic=True,
    inputs=(Channel(name="train", s3_data="s3://data-bucket/mnist/train"),),
    output_path="s3://out-bucket/secure",
)
PINNED = replace(HUGGINGFACE, name="pinned", keep_alive_period_in_seconds=600, role=GIVEN_ROLE)


@dataclass(frozen=True)
class Synthesized:
    """One synthesized stack and its jobs."""

    outdir: Path
    stack: Stack
    template: dict[str, Any]
    jobs: dict[str, TrainingJob]
    assertions: Template
    """The same template, for `has_resource_properties` with `Match`."""


def synthesize(
    outdir: Path, build: Callable[[Stack], dict[str, TrainingJob]], env: Environment | None = None
) -> Synthesized:
    """Build one stack with `build` and synthesize its app."""
    app: App = new_app(outdir)
    stack = Stack(app, "Test", env=env)
    jobs = build(stack)
    app.synth()
    template = Template.from_stack(stack)
    return Synthesized(outdir, stack, dict(template.to_json()), jobs, template)


@pytest.fixture(scope="session")
def source_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny local training folder."""
    folder = tmp_path_factory.mktemp("code")
    (folder / "train.py").write_text("print('training')\n")
    (folder / "requirements.txt").write_text("datasets\n")
    return folder


@pytest.fixture(scope="session")
def agnostic(tmp_path_factory: pytest.TempPathFactory, source_dir: Path) -> Synthesized:
    """Environment-agnostic stack: S3 job, warm-pool group, VPC/KMS job, polled job."""

    def build(stack: Stack) -> dict[str, TrainingJob]:
        output = OutputBucket(stack, "Output")
        group = WarmPoolGroup(stack, "Pool", name="pool")
        pooled = replace(
            HUGGINGFACE,
            source_dir=str(source_dir),
            output_path=None,
            keep_alive_period_in_seconds=1800,
            warm_pool_group="pool",
            use_warm_pool_cache=True,
        )
        return {
            "minimal": TrainingJob(stack, "Minimal", job=replace(BASE, name="minimal")),
            "pool-a": TrainingJob(
                stack,
                "PoolA",
                job=replace(pooled, name="pool-a"),
                warm_pool_group=group,
                output_bucket=output.bucket,
            ),
            "pool-b": TrainingJob(
                stack,
                "PoolB",
                job=replace(pooled, name="pool-b", hyperparameters={"epochs": 2}),
                warm_pool_group=group,
                output_bucket=output.bucket,
            ),
            "secure": TrainingJob(stack, "Secure", job=SECURE),
            "polled": TrainingJob(
                stack,
                "Polled",
                job=replace(BASE, name="polled", output_path=None),
                integration=Integration.SDK_POLL,
                schedule=events.Schedule.rate(Duration.days(1)),
                schedule_input={"hyperparameters": {"epochs": "2"}},
                start_on_deploy=True,
            ),
        }

    return synthesize(tmp_path_factory.mktemp("agnostic"), build)


@pytest.fixture(scope="session")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """Environment-specific stack (us-west-2): a given role, code and output on S3."""

    def build(stack: Stack) -> dict[str, TrainingJob]:
        return {
            "pinned": TrainingJob(stack, "Pinned", job=PINNED),
            "kwargs": TrainingJob(
                stack,
                "Kwargs",
                job={
                    "name": "kwargs-job",
                    "framework": "pytorch",
                    "framework_version": "1.13.1",
                    "py_version": "py39",
                    "compiler_config": {},
                    "entry_point": "train.py",
                    "source_dir": "s3://code-bucket/kwargs/sourcedir.tar.gz",
                    "instance_type": "ml.g5.2xlarge",
                    "output_path": "s3://out-bucket/kwargs",
                },
            ),
        }

    return synthesize(tmp_path_factory.mktemp("pinned"), build, PINNED_ENV)


def spec_of(synth: Synthesized, name: str) -> JobSpec:
    """The spec of one job of a synthesized stack."""
    return synth.jobs[name].spec
