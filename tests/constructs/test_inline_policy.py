"""Execution roles: the inline policy renders every grant, and a consumer's own policies,
grants and CDK-style grants (`bucket.grant_read(role)`) survive synthesis next to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk.assertions import Match, Template

from cdk_sagemaker_training.cdk.execution_role import (
    INLINE_POLICY,
    KMS_ACTIONS,
    TrainingExecutionRole,
)
from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from tests.factories import BASE
from tests.synth_helpers import new_app, resources

CONSUMER_OBJECT = "arn:aws:s3:::consumer-bucket/consumer-key"


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


def consumer_statement(sid: str) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=["s3:GetObject"], resources=[CONSUMER_OBJECT])


@pytest.fixture(scope="module")
def consumer(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A stack where a consumer adds its own policies to two execution roles: one built
    directly, one built by a job; and grants a CDK bucket and key to the first."""
    # Without cdk-nag: CDK's own grants use action wildcards (`s3:GetObject*`).
    app = new_app(tmp_path_factory.mktemp("consumer"), nag=False)
    stack = Stack(app, "Test")
    execution = TrainingExecutionRole(stack, "Execution")
    job = TrainingJob(stack, "Job", job=BASE)
    grants = {}
    for name, role in {"Execution": execution.role, "Job": job.role}.items():
        role.add_to_principal_policy(consumer_statement(f"{name}AddToPolicy"))
        role.attach_inline_policy(
            iam.Policy(stack, f"{name}Attached", statements=[consumer_statement(f"{name}Attached")])
        )
    bucket = OutputBucket(stack, "Data").bucket
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    grants["bucket"] = bucket.grant_read(execution)
    grants["key"] = key.grant(execution, *KMS_ACTIONS)
    app.synth()
    template = Template.from_stack(stack)
    role_ids = {
        name: stack.get_logical_id(cast(iam.CfnRole, role.node.default_child))
        for name, role in {"Execution": execution.role, "Job": job.role}.items()
    }
    return {"template": template, "roles": role_ids, "grants": grants}


@pytest.mark.parametrize("owner", ["Execution", "Job"])
@pytest.mark.parametrize("how", ["AddToPolicy", "Attached"])
def test_consumer_policies_survive_next_to_the_inline_policy(
    consumer: dict[str, Any], owner: str, how: str
) -> None:
    template: Template = consumer["template"]
    role = {"Ref": consumer["roles"][owner]}
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": Match.array_with([role]),
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Sid": f"{owner}{how}", "Resource": CONSUMER_OBJECT})]
                )
            },
        },
    )
    with_inline_policy = template.find_resources(
        "AWS::IAM::Role",
        {"Properties": {"Policies": [Match.object_like({"PolicyName": INLINE_POLICY})]}},
    )
    assert consumer["roles"][owner] in with_inline_policy


def test_cdk_resources_grant_to_the_execution_role_the_cdk_way(consumer: dict[str, Any]) -> None:
    template: Template = consumer["template"]
    role = {"Ref": consumer["roles"]["Execution"]}
    assert all(isinstance(grant, iam.Grant) for grant in consumer["grants"].values())
    for action in ("s3:GetObject*", "kms:Decrypt"):
        template.has_resource_properties(
            "AWS::IAM::Policy",
            {
                "Roles": [role],
                "PolicyDocument": {
                    "Statement": Match.array_with(
                        [Match.object_like({"Action": Match.array_with([action])})]
                    )
                },
            },
        )


def test_prefix_belongs_inside_an_s3_uri(tmp_path: Path) -> None:
    role = TrainingExecutionRole(Stack(new_app(tmp_path, nag=False), "Test"), "Role")
    with pytest.raises(TypeError, match="inside the S3 URI"):
        role.allow_write("s3://bucket/prefix", "other")
