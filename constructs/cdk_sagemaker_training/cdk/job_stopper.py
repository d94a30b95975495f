"""`JobStopper`: stops the training jobs of launcher executions that ended early.

An aborted or timed-out execution cannot act, and a failed one may leave its job running
(for example when `DescribeTrainingJob` kept failing). One stopper state machine per stack
receives each watched launcher's "Execution Status Change" events for ABORTED, TIMED_OUT
and FAILED from EventBridge and stops the jobs tagged with that execution's ARN.
"""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.scope_cache import stack_cache
from cdk_sagemaker_training.cdk.launcher_logs import state_machine_with_logs
from cdk_sagemaker_training.launcher.definition import (
    PARTITION,
    STOPPED_STATUSES,
    stopper_definition,
)
from cdk_sagemaker_training.launcher.grants import statement_json
from cdk_sagemaker_training.launcher.statements import SEARCH_JOBS, stop_grant

STOPPER_ID = "TrainingJobStopper"
STOPPER_LOG_GROUP_PREFIX = "/aws/vendedlogs/states/sagemaker-training-stopper/"


class JobStopper(Construct):
    """The stack's stopper; `JobStopper.of(stack, key)` creates it on first use."""

    def __init__(self, scope: Construct, construct_id: str, *, logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self._cache = stack_cache(Stack.of(self))
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=self._cache.service_principal("states.amazonaws.com"),
            description="Stops SageMaker training jobs of ended launcher executions",
        )
        self.state_machine = state_machine_with_logs(
            self,
            definition=stopper_definition(),
            substitutions={PARTITION: pseudo.PARTITION},
            role=self.role,
            log_group_name=f"{STOPPER_LOG_GROUP_PREFIX}{Stack.of(self).stack_name}",
            logs_key=logs_key,
            comment="Stops the SageMaker training jobs of ended launcher executions",
        )
        self._target = targets.SfnStateMachine(self.state_machine)  # one for every rule
        self.role.add_to_principal_policy(
            iam.PolicyStatement.from_json(statement_json(SEARCH_JOBS))
        )
        self._cache.wildcards.add(
            self.role,
            ["*"],
            "sagemaker:Search has no resource-level permissions; Step Functions adds "
            "log delivery and X-Ray actions, which have none either.",
        )

    @classmethod
    def of(cls, stack: Stack, logs_key: kms.IKey) -> JobStopper:
        """The stack's stopper (created with `logs_key` the first time)."""
        found = stack.node.try_find_child(STOPPER_ID)
        return found if isinstance(found, JobStopper) else cls(stack, STOPPER_ID, logs_key=logs_key)

    def watch(
        self, scope: Construct, launcher: sfn.IStateMachine, job_name_prefix: str
    ) -> events.Rule:
        """Stop the jobs of `launcher`'s executions that end ABORTED, TIMED_OUT or FAILED
        (an EventBridge rule in `scope`)."""
        self._grant(job_name_prefix)
        return events.Rule(
            scope,
            "StopJobOnEnd",
            description=f"Stops the training job of a {job_name_prefix} run that ended early",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "stateMachineArn": [launcher.state_machine_arn],
                    "status": list(STOPPED_STATUSES),
                },
            ),
            targets=[self._target],
        )

    def _grant(self, job_name_prefix: str) -> None:
        grant = stop_grant(job_name_prefix, pseudo.STACK_ARNS)
        self.role.add_to_principal_policy(iam.PolicyStatement.from_json(statement_json(grant)))
        self._cache.wildcards.add(
            self.role,
            list(grant.resources),
            "Each run of a job gets a new name: the job's prefix plus a per-execution suffix.",
        )
