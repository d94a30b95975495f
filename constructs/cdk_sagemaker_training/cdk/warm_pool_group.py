"""Jobs that reuse one managed warm pool: one shared execution role, checked compatibility."""

from __future__ import annotations

from dataclasses import replace

from aws_cdk import Stack, Token
from constructs import Construct

from cdk_sagemaker_training.cdk._private.validation import report_errors_at_synth
from cdk_sagemaker_training.cdk.execution_role import TrainingExecutionRole
from cdk_sagemaker_training.core.findings import Finding
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules import check_job_set


class WarmPoolGroup(Construct):
    """A `warm_pool_group`: its jobs share one execution role (a different `RoleArn`
    silently prevents reuse), and synthesis fails naming the first reuse key on which a
    member differs from the first member (WPOOL004)."""

    def __init__(self, scope: Construct, construct_id: str, *, name: str) -> None:
        super().__init__(scope, construct_id)
        self.name = name
        self.execution_role = TrainingExecutionRole(
            self, "ExecutionRole", description=f"Shared by warm-pool group {name}"
        )
        self.members: list[JobSpec] = []
        report_errors_at_synth(self, self._findings)

    def add_member(self, spec: JobSpec) -> None:
        """Register a job (`TrainingJob(..., warm_pool_group=group)` does this)."""
        # The group this construct stands for, whatever the spec's own field says.
        self.members.append(replace(spec, warm_pool_group=self.name))

    def _findings(self) -> list[Finding]:
        region = Stack.of(self).region
        return check_job_set(self.members, region=None if Token.is_unresolved(region) else region)
