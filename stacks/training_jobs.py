"""A stack of launchers: one `TrainingJob` per job and the jobs' warm-pool groups.

Each stack holds its own output bucket (retained: a job moving to another stack never
deletes artifacts) and the KMS key of its launchers' log groups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from cdk_sagemaker_training import (
    Integration,
    JobSpec,
    LauncherLogsKey,
    OutputBucket,
    TrainingJob,
    WarmPoolGroup,
)


def construct_id(name: str) -> str:
    """A job or group name as a construct id (PascalCase, letters and digits)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


class TrainingJobsStack(Stack):
    """Launchers for `jobs`, with an output bucket and a logs key.

    Jobs with the same `warm_pool_group` share one `WarmPoolGroup` (and execution role).
    Each launcher's state machine ARN is a stack output named after the job.
    """

    def __init__(
        self,
        scope: Construct,
        stack_id: str,
        *,
        jobs: Sequence[JobSpec],
        integration: Integration = Integration.RUN_JOB,
        start_on_deploy: bool = False,
        **kwargs: Any,
    ) -> None:
        """Default: `RUN_JOB` launchers, no start on deploy."""
        super().__init__(scope, stack_id, **kwargs)
        self.output = OutputBucket(self, "Output")
        logs_key = LauncherLogsKey(self, "LauncherLogsKey").key
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
                job=spec,
                integration=integration,
                warm_pool_group=group,
                output_bucket=self.output.bucket,
                logs_key=logs_key,
                start_on_deploy=start_on_deploy,
            )
            self.jobs.append(job)
            if job.valid:
                CfnOutput(
                    self,
                    f"{construct_id(spec.name)}StateMachineArn",
                    value=job.state_machine.state_machine_arn,
                    description=f"Start a run of {spec.name}: aws stepfunctions start-execution",
                )
