"""`TrainingJobPolicy`: platform limits fail synthesis at the job's construct path."""

from __future__ import annotations

import pytest
from aws_cdk import App, Aspects, Stack

from cdk_sagemaker_training.cdk.policy_aspect import TrainingJobPolicy
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.core.policy import PlatformPolicy
from tests.factories import job

CAP = PlatformPolicy(max_keep_alive_period_in_seconds=1800)


def build(keep_alive: int) -> App:
    app = App()
    stack = Stack(app, "PolicyStack")
    TrainingJob(stack, "Small", job=job(name="small", keep_alive_period_in_seconds=600))
    TrainingJob(stack, "Big", job=job(name="big", keep_alive_period_in_seconds=keep_alive))
    Aspects.of(app).add(TrainingJobPolicy(CAP))
    return app


def test_violation_fails_synthesis_at_the_offending_job() -> None:
    with pytest.raises(RuntimeError) as raised:
        build(keep_alive=3600).synth()
    message = str(raised.value)
    assert "PolicyStack/Big" in message and "POLICY002" in message
    assert "PolicyStack/Small" not in message


def test_compliant_jobs_synthesize() -> None:
    assembly = build(keep_alive=1800).synth()
    assert assembly.get_stack_by_name("PolicyStack").template["Resources"]
