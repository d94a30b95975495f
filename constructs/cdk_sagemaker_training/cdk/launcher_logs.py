"""A customer-managed KMS key that CloudWatch Logs may use for launcher log groups."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo


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
                principals=[iam.ServicePrincipal(f"logs.{pseudo.REGION}.amazonaws.com")],
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
                            f"arn:{pseudo.PARTITION}:logs:{pseudo.REGION}:{pseudo.ACCOUNT_ID}:log-group:*"
                        )
                    }
                },
            )
        )
