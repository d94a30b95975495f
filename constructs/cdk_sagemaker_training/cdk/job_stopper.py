"""`JobStopper`: stops the training jobs of launcher executions that ended early.

An aborted or timed-out execution cannot act, and a failed one may leave its job running
(for example when `DescribeTrainingJob` kept failing). One stopper state machine per stack
receives each watched launcher's "Execution Status Change" events for ABORTED, TIMED_OUT
and FAILED from EventBridge and stops the jobs tagged with that execution's ARN.

The stack's launchers share EventBridge rules: each rule lists up to `LAUNCHERS_PER_RULE`
launcher ARNs in its pattern (a rule per launcher cost a resource and about ten jsii
round trips per job), read from a Python list when the app synthesizes (no round trip
per launcher). The stopper's role holds all its grants in one inline policy.
"""

from __future__ import annotations

import json
from typing import Any

import jsii
from aws_cdk import IStableListProducer, Lazy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.inline_policy import InlinePolicy
from cdk_sagemaker_training.cdk._private.scope_cache import stack_cache
from cdk_sagemaker_training.cdk.launcher_logs import (
    LOG_DELIVERY_AND_TRACING,
    state_machine_with_logs,
)
from cdk_sagemaker_training.launcher.definition import (
    PARTITION,
    STOPPED_STATUSES,
    stopper_definition,
)
from cdk_sagemaker_training.launcher.statements import SEARCH_JOBS, stop_grant

STOPPER_ID = "TrainingJobStopper"
STOPPER_LOG_GROUP_PREFIX = "/aws/vendedlogs/states/sagemaker-training-stopper/"
STOPPER_POLICY = "StopTrainingJobs"
RULE_ID_PREFIX = "StopJobsOnEnd"
EVENT_PATTERN_MAX_LENGTH = 4096
"""`PutRule`'s `EventPattern` maximum (events API model; a test compares it)."""
STATE_MACHINE_ARN_MAX_LENGTH = (
    len("arn:aws-us-gov:states:ap-southeast-5:123456789012:stateMachine:") + 80
)
"""An upper bound: the longest partition (`aws-us-gov`) and region names (14 characters)
plus an 80-character state machine name."""


def _event_pattern(state_machine_arns: list[str]) -> dict[str, Any]:
    """The stop rules' pattern as EventBridge reads it."""
    return {
        "source": ["aws.states"],
        "detail-type": ["Step Functions Execution Status Change"],
        "detail": {"stateMachineArn": state_machine_arns, "status": list(STOPPED_STATUSES)},
    }


LAUNCHERS_PER_RULE = (EVENT_PATTERN_MAX_LENGTH - len(json.dumps(_event_pattern([])))) // (
    STATE_MACHINE_ARN_MAX_LENGTH + len('"", ')
)
"""Launchers one rule watches: their ARNs fit the pattern whatever names CloudFormation
generates."""


@jsii.implements(IStableListProducer)
class _Listed:
    """A list CDK reads when it synthesizes (`Lazy.list`): one rule's launcher ARNs."""

    def __init__(self, values: list[str]) -> None:
        self._values = values

    def produce(self) -> list[str]:
        """The list as it is at synthesis."""
        return self._values


class JobStopper(Construct):
    """The stack's stopper; `JobStopper.of(stack, key)` creates it on first use."""

    def __init__(self, scope: Construct, construct_id: str, *, logs_key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self._cache = stack_cache(Stack.of(self))
        self._policy = InlinePolicy()
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=self._cache.service_principal("states.amazonaws.com"),
            description="Stops SageMaker training jobs of ended launcher executions",
            inline_policies={STOPPER_POLICY: self._policy},
        )
        self.state_machine = state_machine_with_logs(
            self,
            definition=stopper_definition(),
            substitutions={PARTITION: pseudo.partition()},
            role=self.role,
            log_group_name=f"{STOPPER_LOG_GROUP_PREFIX}{Stack.of(self).stack_name}",
            logs_key=logs_key,
            comment="Stops the SageMaker training jobs of ended launcher executions",
        )
        self._target = targets.SfnStateMachine(self.state_machine)  # one for every rule
        for grant in (SEARCH_JOBS, LOG_DELIVERY_AND_TRACING):
            self._policy.add(grant.actions, grant.resources)
        self.rules: list[events.Rule] = []
        """The rules feeding the stopper, each watching up to `LAUNCHERS_PER_RULE`."""
        self._watched = 0
        self._arns: list[list[str]] = []
        """The launcher ARNs each rule watches (rendered into its pattern at synthesis)."""
        self._cache.wildcards.add(
            self.role,
            ["*"],
            "sagemaker:Search has no resource-level permissions; Step Functions needs "
            "log delivery and X-Ray actions, which have none either.",
        )

    @classmethod
    def of(cls, stack: Stack, logs_key: kms.IKey) -> JobStopper:
        """The stack's stopper (created with `logs_key` the first time)."""
        singletons = stack_cache(stack).singletons
        found = singletons.get(STOPPER_ID) or stack.node.try_find_child(STOPPER_ID)
        stopper = (
            found if isinstance(found, JobStopper) else cls(stack, STOPPER_ID, logs_key=logs_key)
        )
        singletons[STOPPER_ID] = stopper
        return stopper

    def watch(self, launcher_arn: str, job_name_prefix: str) -> events.Rule:
        """Stop the jobs of the executions of launcher `launcher_arn` that end ABORTED,
        TIMED_OUT or FAILED; returns the rule that now watches it."""
        self._grant(job_name_prefix)
        if not self._watched % LAUNCHERS_PER_RULE:
            arns: list[str] = []
            pattern = _event_pattern(Lazy.list(_Listed(arns)))
            self._arns.append(arns)
            self.rules.append(
                events.Rule(
                    self,
                    f"{RULE_ID_PREFIX}{len(self.rules) + 1}",
                    description="Stops the training jobs of launcher runs that ended early",
                    event_pattern=events.EventPattern(
                        source=pattern["source"],
                        detail_type=pattern["detail-type"],
                        detail=pattern["detail"],
                    ),
                    targets=[self._target],
                )
            )
        self._arns[-1].append(launcher_arn)  # the rule's pattern reads the list at synthesis
        self._watched += 1
        return self.rules[-1]

    def _grant(self, job_name_prefix: str) -> None:
        grant = stop_grant(job_name_prefix, pseudo.stack_arns())
        self._policy.add(grant.actions, grant.resources)
        self._cache.wildcards.add(
            self.role,
            list(grant.resources),
            "Each run of a job gets a new name: the job's prefix plus a per-execution suffix.",
        )
