"""A stack of launchers: one `TrainingJob` per job, warm-pool groups, the quota guard."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, CfnOutput, Stack, Validations
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_sagemaker_training.launcher_definition import Integration
from cdk_sagemaker_training.quota_guard import GuardMode, QuotaGuard
from cdk_sagemaker_training.spec.model import JobSpec
from cdk_sagemaker_training.training_job import TrainingJob
from cdk_sagemaker_training.warm_pool_group import WarmPoolGroup

NAG_ACKNOWLEDGEMENTS = {
    "AwsSolutions::AwsSolutions-IAM5[Resource::*]": (
        "Only actions without resource-level permissions use `*`: ecr:GetAuthorizationToken, "
        "cloudwatch:PutMetricData (pinned to the /aws/sagemaker/TrainingJobs namespace), "
        "ec2:Describe* for VPC jobs, and Step Functions' log delivery and X-Ray APIs."
    ),
}


def construct_id(name: str) -> str:
    """A job or group name as a construct id (PascalCase, letters and digits)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


class TrainingJobsStack(Stack):
    """Launchers for `jobs`, in dependency order behind one `QuotaGuard`.

    Jobs with the same `warm_pool_group` share one `WarmPoolGroup` (and execution role).
    Each launcher's state machine ARN is a stack output named after the job.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id_: str,
        *,
        jobs: Sequence[JobSpec],
        output_bucket: s3.IBucket,
        logs_key: kms.IKey,
        integration: Integration = Integration.RUN_JOB,
        quota_guard: GuardMode = GuardMode.FAIL,
        start_on_deploy: bool = False,
        **kwargs: Any,
    ) -> None:
        """Default: `RUN_JOB` launchers, a failing quota guard, no start on deploy."""
        super().__init__(scope, construct_id_, **kwargs)
        guard = QuotaGuard(self, "QuotaGuard", jobs=jobs, mode=quota_guard)
        groups: dict[str, WarmPoolGroup] = {}
        self.jobs: list[TrainingJob] = []
        for spec in jobs:
            group = None
            if spec.warm_pool_group is not None:
                group = groups.get(spec.warm_pool_group) or WarmPoolGroup(
                    self, f"WarmPool{construct_id(spec.warm_pool_group)}", name=spec.warm_pool_group
                )
                groups[spec.warm_pool_group] = group
            job = TrainingJob(
                self,
                construct_id(spec.name),
                spec=spec,
                integration=integration,
                warm_pool_group=group,
                output_bucket=output_bucket,
                logs_key=logs_key,
                start_on_deploy=start_on_deploy,
            )
            job.node.add_dependency(guard)
            self.jobs.append(job)
            if job.valid:
                CfnOutput(
                    self,
                    f"{construct_id(spec.name)}StateMachineArn",
                    value=job.state_machine.state_machine_arn,
                    description=f"Start a run of {spec.name}: aws stepfunctions start-execution",
                )
        for rule, reason in NAG_ACKNOWLEDGEMENTS.items():
            Validations.of(self).acknowledge(Acknowledgment(id=rule, reason=reason))
