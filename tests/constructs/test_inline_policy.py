"""A job's own execution role: its inline policy is set once, and later grants still land."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

from aws_cdk import Stack
from aws_cdk.assertions import Template

from cdk_sagemaker_training.cdk.execution_role import INLINE_POLICY, TrainingExecutionRole
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from tests.factories import BASE
from tests.synth_helpers import new_app, resources


def execution_role_policy(tmp_path: Path, late_object: str | None) -> str:
    """The execution role's inline policy as JSON, after an optional late grant."""
    app = new_app(tmp_path, nag=False)
    stack = Stack(app, "Test")
    job = TrainingJob(stack, "Job", job=BASE)
    if late_object is not None:
        role = cast(TrainingExecutionRole, job.node.find_child("ExecutionRole"))
        role.allow_read_object(late_object)
    template = Template.from_stack(stack).to_json()
    role_id = stack.get_logical_id(job.role.node.default_child)  # type: ignore[arg-type]
    (policy,) = resources(template, "AWS::IAM::Role")[role_id]["Properties"]["Policies"]
    assert policy["PolicyName"] == INLINE_POLICY
    return json.dumps(policy["PolicyDocument"])


def test_a_grant_after_the_job_is_built_is_rendered(tmp_path: Path) -> None:
    late = "arn:aws:s3:::late-bucket/late-key"
    before = execution_role_policy(tmp_path / "before", None)
    after = execution_role_policy(tmp_path / "after", late)
    assert late not in before
    assert late in after
