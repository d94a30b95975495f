"""Logged state machines carry Step Functions' logging and X-Ray grants in their own role."""

from __future__ import annotations

from typing import cast

from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk.assertions import Template

from cdk_sagemaker_training.cdk.job_stopper import STOPPER_ID, JobStopper
from cdk_sagemaker_training.cdk.launcher_logs import LOG_DELIVERY_AND_TRACING
from tests.constructs.conftest import Synthesized
from tests.constructs.test_training_job import logical_id
from tests.synth_helpers import resources


def test_log_delivery_and_tracing_is_what_aws_cdk_lib_grants() -> None:
    stack = Stack(App(), "Plain")
    sfn.StateMachine(
        stack,
        "Machine",
        definition_body=sfn.DefinitionBody.from_string(
            '{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}'
        ),
        role=iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("states.amazonaws.com")),
        logs=sfn.LogOptions(destination=logs.LogGroup(stack, "Logs"), level=sfn.LogLevel.ALL),
        tracing_enabled=True,
    )
    (policy,) = resources(Template.from_stack(stack).to_json(), "AWS::IAM::Policy").values()
    granted = {
        action
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Resource"] == "*"
        for action in statement["Action"]
    }
    assert granted == set(LOG_DELIVERY_AND_TRACING.actions)


def test_launcher_and_stopper_roles_get_no_separate_policy(agnostic: Synthesized) -> None:
    policies = resources(agnostic.template, "AWS::IAM::Policy").values()
    attached = {role["Ref"] for p in policies for role in p["Properties"].get("Roles", [])}
    stopper = cast(JobStopper, agnostic.stack.node.find_child(STOPPER_ID))
    roles = [stopper.role] + [job.node.find_child("LauncherRole") for job in agnostic.jobs.values()]
    own = {logical_id(agnostic, role) for role in roles}
    assert len(own) == len(agnostic.jobs) + 1
    assert not own & attached
