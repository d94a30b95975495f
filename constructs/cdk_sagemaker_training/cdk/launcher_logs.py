"""Logged state machines: a customer-managed KMS key for their log groups, and the
state machine with its named, encrypted log group."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.lint import ROLE_DEPENDENCY, ignore_cfn_lint
from cdk_sagemaker_training.launcher.grants import Grant

LOG_RETENTION = logs.RetentionDays.ONE_YEAR
LOG_DELIVERY_AND_TRACING = Grant(
    actions=(
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    ),
    resources=("*",),
)
"""What aws-cdk-lib's `StateMachine` grants its role for logging and tracing (a test
compares). `state_machine_with_logs` roles carry it in their own inline policy, so CDK
adds no `AWS::IAM::Policy` per state machine."""


class LauncherLogsKey(Construct):
    """Rotated KMS key for state-machine log groups, usable only for this account's logs."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts SageMaker training launcher logs",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{pseudo.region()}.amazonaws.com")],
                actions=[
                    "kms:Decrypt*",
                    "kms:Describe*",
                    "kms:Encrypt*",
                    "kms:GenerateDataKey*",
                    "kms:ReEncrypt*",
                ],
                resources=["*"],  # in a key policy, "*" means this key
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": (
                            f"arn:{pseudo.partition()}:logs:{pseudo.region()}:{pseudo.account_id()}:log-group:*"
                        )
                    }
                },
            )
        )


def state_machine_with_logs(
    scope: Construct,
    *,
    definition: Mapping[str, Any],
    substitutions: Mapping[str, str],
    role: iam.Role,
    log_group_name: str,
    logs_key: kms.IKey,
    comment: str,
    metadata: Mapping[str, Any] | None = None,
) -> sfn.StateMachine:
    """A Standard, traced state machine logging everything to `log_group_name`.

    `role` must allow `LOG_DELIVERY_AND_TRACING` itself: the state machine adds nothing
    to it.
    `metadata`: template metadata of the state machine resource; Default: none.

    `definition` is plain JSON whose `${Name}` placeholders CloudFormation fills from
    `substitutions` (`DefinitionSubstitutions`), so no token sits inside the string.
    """
    log_group = logs.LogGroup(
        scope,
        "Logs",
        log_group_name=log_group_name,
        encryption_key=logs_key,
        retention=LOG_RETENTION,
    )
    state_machine = sfn.StateMachine(
        scope,
        "StateMachine",
        definition_body=sfn.DefinitionBody.from_string(json.dumps(definition)),
        definition_substitutions=dict(substitutions),
        state_machine_type=sfn.StateMachineType.STANDARD,
        role=role.without_policy_updates(),
        logs=sfn.LogOptions(
            destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=True
        ),
        tracing_enabled=True,
        comment=comment,
    )
    # W3005: CDK adds DependsOn on the role, which its GetAtt already implies. It stays:
    # it carries dependencies such as a QuotaGuard. (Step Functions checks log delivery
    # permissions at creation: they are in the role itself.) E3601: cfn-lint checks task
    # resources (`arn:${Partition}:states:::...`) before DefinitionSubstitutions apply;
    # the tests execute every definition with the placeholders filled instead.
    ignore_cfn_lint(state_machine, ROLE_DEPENDENCY, "E3601", metadata=metadata)
    return state_machine
