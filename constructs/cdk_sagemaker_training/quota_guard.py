"""`QuotaGuard`: checks the jobs' SageMaker Service Quotas while `cdk deploy` runs.

A custom resource whose Lambda runs this library's own checker
(`cdk_sagemaker_training.quotas.guard_handler`), packaged from the package directory.
Launchers that depend on the guard are created only after the check has passed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import cast

from aws_cdk import Acknowledgment, CfnOutput, CustomResource, Duration, RemovalPolicy, Validations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk_sagemaker_training.quotas.aws import QUOTA_ACTIONS
from cdk_sagemaker_training.spec.model import JobSpec
from cdk_sagemaker_training.spec.quota_requirements import QuotaRequirement, derive_requirements

HANDLER = "cdk_sagemaker_training.quotas.guard_handler.handler"
HANDLER_RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime in aws-cdk-lib that cfn-lint also accepts."""
HANDLER_FILES = frozenset(
    {
        "__init__.py",
        "spec/__init__.py",
        "spec/quota_requirements.py",
        "quotas/__init__.py",
        "quotas/aws.py",
        "quotas/checker.py",
        "quotas/increase.py",
        "quotas/report.py",
        "quotas/guard_handler.py",
    }
)
"""The package files the handler imports (stdlib and boto3 only), relative to the package."""
PACKAGE_DIR = Path(__file__).resolve().parent
RESOURCE_TYPE = "Custom::SageMakerQuotaGuard"


class GuardMode(StrEnum):
    """What the guard does about a shortfall."""

    FAIL = "fail"
    """Fail the deployment with the shortfall table (before any dependent launcher)."""
    WARN = "warn"
    """Deploy anyway and record the table as a stack output."""
    OFF = "off"
    """Create nothing."""


def handler_asset_excludes(package_dir: Path = PACKAGE_DIR) -> list[str]:
    """Asset exclude patterns that leave only `HANDLER_FILES` of the package.

    Computed from the files present, so modules added later stay out of the Lambda.
    """
    keep = {f"{package_dir.name}/{name}" for name in HANDLER_FILES}
    keep_dirs = {str(Path(name).parent) for name in keep}
    excludes = ["__pycache__", "*.pyc"]  # byte code may appear while synthesizing
    for path in sorted(package_dir.parent.rglob("*")):
        relative = path.relative_to(package_dir.parent).as_posix()
        if any(relative.startswith(f"{excluded}/") for excluded in excludes):
            continue  # inside a directory that is already excluded
        kept = keep_dirs if path.is_dir() else keep
        if relative not in kept and path.name != "__pycache__":
            excludes.append(relative)
    return excludes


class QuotaGuard(Construct):
    """Runs the quota check for `jobs` at deploy time.

    Default: `mode=fail`; `log_retention` one month.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        jobs: Sequence[JobSpec],
        mode: GuardMode | str = GuardMode.FAIL,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
    ) -> None:
        super().__init__(scope, construct_id)
        self.mode = GuardMode(mode)
        self.requirements: list[QuotaRequirement] = derive_requirements(jobs)
        self.function: lambda_.Function | None = None
        self.resource: CustomResource | None = None
        self.report: str | None = None
        """The check's report (`Report` attribute); None when the guard is off."""
        if self.mode is GuardMode.OFF or not self.requirements:
            return
        self.function = self._create_function(log_retention)
        self.resource = CustomResource(
            self,
            "Resource",
            service_token=self.function.function_arn,
            resource_type=RESOURCE_TYPE,
            properties={
                "Mode": self.mode.value,
                "Requirements": json.dumps([r.as_dict() for r in self.requirements]),
            },
        )
        self.report = self.resource.get_att_string("Report")
        if self.mode is GuardMode.WARN:
            CfnOutput(
                self,
                "Report",
                value=self.report,
                description="SageMaker Service Quotas the training jobs need (QuotaGuard)",
            )

    def _create_function(self, log_retention: logs.RetentionDays) -> lambda_.Function:
        log_group = logs.LogGroup(
            self, "Logs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        # Inline policies live in the role resource itself, so the function's GetAtt on
        # the role orders everything and no separate DependsOn is needed.
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Reads SageMaker Service Quotas for the QuotaGuard",
            inline_policies={
                "QuotaGuard": iam.PolicyDocument(
                    statements=[
                        iam.PolicyStatement(actions=list(QUOTA_ACTIONS), resources=["*"]),
                        iam.PolicyStatement(
                            actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                            resources=[log_group.log_group_arn],
                        ),
                    ]
                )
            },
        )
        Validations.of(role).acknowledge(
            Acknowledgment(
                id="AwsSolutions::AwsSolutions-IAM5[Resource::*]",
                reason="servicequotas:ListServiceQuotas and ListAWSDefaultServiceQuotas "
                "support no resource-level permissions: resource `*` is required.",
            )
        )
        function = lambda_.Function(
            self,
            "Handler",
            runtime=HANDLER_RUNTIME,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(PACKAGE_DIR.parent), exclude=handler_asset_excludes()),
            role=role,
            log_group=log_group,
            timeout=Duration.minutes(2),
            memory_size=256,
            description="Checks SageMaker Service Quotas for the stack's training jobs",
        )
        # CDK adds DependsOn on the role, which the GetAtt already implies (cfn-lint W3005).
        cast(lambda_.CfnFunction, function.node.default_child).add_deletion_override("DependsOn")
        return function
