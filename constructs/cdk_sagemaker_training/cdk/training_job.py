"""`TrainingJob`: a training job in a stack, as a launcher that runs it once per execution.

CloudFormation has no training-job resource, so the job lives as a Standard Step
Functions state machine whose every execution creates one uniquely named job from the
request the spec renders. IAM on the launcher's role pins the definition (guardrails).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.inline_policy import policy_document
from cdk_sagemaker_training.cdk._private.lint import ROLE_DEPENDENCY, ignore_cfn_lint
from cdk_sagemaker_training.cdk._private.scope_cache import (
    StackCache,
    record_stack,
    stack_cache,
    stack_of,
)
from cdk_sagemaker_training.cdk._private.validation import report_findings
from cdk_sagemaker_training.cdk.execution_role import (
    KMS_ACTIONS,
    TrainingExecutionRole,
    s3_object_arn,
)
from cdk_sagemaker_training.cdk.image_registry import image_reference
from cdk_sagemaker_training.cdk.job_stopper import JobStopper
from cdk_sagemaker_training.cdk.launcher_logs import (
    LOG_DELIVERY_AND_TRACING,
    LOG_RETENTION,
    LauncherLogsKey,
    state_machine_with_logs,
)
from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
from cdk_sagemaker_training.cdk.source_bundle import SourceBundle
from cdk_sagemaker_training.cdk.warm_pool_group import WarmPoolGroup
from cdk_sagemaker_training.core.findings import Finding, SpecError
from cdk_sagemaker_training.core.images import resolve_image
from cdk_sagemaker_training.core.loader import parse_job
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.options import option_conflicts
from cdk_sagemaker_training.core.quota_requirements import QuotaKind, derive_requirements
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.core.rules import check_job, has_errors
from cdk_sagemaker_training.launcher.definition import (
    JOB_NAME_PLACEHOLDER,
    LAUNCHER_METADATA,
    MIN_POLL_SECONDS,
    PARTITION,
    Integration,
    launcher_definition,
    placeholder,
)
from cdk_sagemaker_training.launcher.grants import Grant
from cdk_sagemaker_training.launcher.statements import launcher_statements, training_job_arn

LAUNCHER_POLICY = "LaunchTrainingJob"
LAUNCHER_ROLE_ID = "LauncherRole"
LOG_GROUP_PREFIX = "/aws/vendedlogs/states/sagemaker-training/"
"""Launcher log groups are named `<prefix><job name>`: Step Functions' vended-logs path
(no per-log-group entry in the account's CloudWatch Logs resource policy), unique per job
name and the same in whichever stack the job lives."""
PROVIDER_LOGS_ID = "StartOnDeployProviderLogs"
LAMBDA_BASIC_EXECUTION = (
    "arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
)


def quota_cause(spec: JobSpec) -> str:
    """The Fail cause for `ResourceLimitExceeded`: the quotas this job needs, by name.

    Plain text without quotes, braces or backslashes, so no interpreter needs to escape it.
    """
    needs = [
        f"{r.quota_name} at least {r.needed}"
        for r in derive_requirements([spec])
        if r.kind in (QuotaKind.TRAINING, QuotaKind.SPOT, QuotaKind.WARM_POOL)
    ]
    return (
        f"A SageMaker Service Quota is too low for job {spec.name}. Raise (service code "
        f"sagemaker): {'; '.join(needs)} (Service Quotas console or "
        "aws service-quotas request-service-quota-increase)."
    )


class _DeployTimeValues:
    """Values known only at deploy time, as `${Name}` placeholders in the definition."""

    def __init__(self, cache: StackCache) -> None:
        self.values: dict[str, str] = {}
        self._cache = cache

    def text(self, name: str, value: str, *, token: bool | None = None) -> str:
        """`value`, or its placeholder when it holds a token (CloudFormation fills it).

        `token`: whether it does, when the caller knows; Default: ask CDK.
        """
        if not (self._cache.is_unresolved(value) if token is None else token):
            return value
        self.values[name] = value
        return placeholder(name)

    def spec(self, spec: JobSpec) -> JobSpec:
        """`spec` with placeholders for the values CDK-typed options gave as tokens."""

        def texts(name: str, values: Sequence[str]) -> tuple[str, ...]:
            return tuple(self.text(f"{name}{index}", v) for index, v in enumerate(values))

        def key(name: str, value: str | None) -> str | None:
            return self.text(name, value) if value is not None else None

        return replace(
            spec,
            subnets=texts("Subnet", spec.subnets),
            security_group_ids=texts("SecurityGroup", spec.security_group_ids),
            volume_kms_key=key("VolumeKmsKey", spec.volume_kms_key),
            output_kms_key=key("OutputKmsKey", spec.output_kms_key),
        )


def _with_cdk_objects(
    spec: JobSpec,
    vpc: ec2.IVpc | None,
    vpc_subnets: ec2.SubnetSelection | None,
    security_groups: Sequence[ec2.ISecurityGroup],
    volume_key: kms.IKey | None,
    output_key: kms.IKey | None,
) -> JobSpec:
    """`spec` with the values of CDK-typed options (tokens) in the keys they stand for."""
    changes: dict[str, Any] = {}
    if vpc is not None:
        selection = vpc_subnets or ec2.SubnetSelection()
        selected = vpc.select_subnets(
            availability_zones=selection.availability_zones,
            one_per_az=selection.one_per_az,
            subnet_filters=selection.subnet_filters,
            subnet_group_name=selection.subnet_group_name,
            subnets=selection.subnets,
            subnet_type=selection.subnet_type,
        )
        changes["subnets"] = tuple(selected.subnet_ids)
    if security_groups:
        changes["security_group_ids"] = tuple(g.security_group_id for g in security_groups)
    if volume_key is not None:
        changes["volume_kms_key"] = volume_key.key_arn
    if output_key is not None:
        changes["output_kms_key"] = output_key.key_arn
    return replace(spec, **changes) if changes else spec


@jsii.implements(iam.IGrantable)
class TrainingJob(Construct):
    """One SageMaker training job: execution role, code, launcher state machine.

    `job` is the definition: a `JobSpec` (from `load_jobs` or `JobSpec.from_keys`) or a
    mapping of its keys (the SDK v2 estimator names: `name`, `framework`,
    `entry_point`, `instance_type`, ...). Everything else is an option of the construct,
    so no job key can shadow one. Error findings (of the rules, or of options that
    contradict the definition) fail synthesis with their code; warnings become
    annotations. Each execution may pass `{"hyperparameters": {"epochs": "5"}}` to
    override defaults (values as the API takes them: strings).

    A `TrainingJob` is `IGrantable`: `bucket.grant_read(job)` grants its execution role.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        job: JobSpec | Mapping[str, Any],
        integration: Integration = Integration.SDK_POLL,
        role: iam.IRole | None = None,
        warm_pool_group: WarmPoolGroup | None = None,
        output_bucket: s3.IBucket | None = None,
        logs_key: kms.IKey | None = None,
        vpc: ec2.IVpc | None = None,
        vpc_subnets: ec2.SubnetSelection | None = None,
        security_groups: Sequence[ec2.ISecurityGroup] = (),
        volume_key: kms.IKey | None = None,
        output_key: kms.IKey | None = None,
        schedule: events.Schedule | None = None,
        schedule_input: Mapping[str, Any] | None = None,
        start_on_deploy: bool = False,
        poll_interval: Duration | None = None,
    ) -> None:
        """Build the launcher.

        `integration`: Default `Integration.SDK_POLL`. `role`: the execution role (used as
        is, no grants); Default: the job's `role` ARN, else the warm-pool group's shared
        role, else a new `TrainingExecutionRole` with exactly the job's access.
        `warm_pool_group`: Default: none. `output_bucket`: where a job without
        `output_path` writes; Default: a new `OutputBucket`. `logs_key`: encrypts the
        launcher's logs; Default: a new key. `vpc` (with `vpc_subnets`, Default: CDK's
        default selection) and `security_groups`: the job's VPC as CDK objects, instead
        of the job's `subnets`/`security_group_ids`; Default: none. `volume_key` /
        `output_key`: keys as `IKey`, instead of `volume_kms_key` / `output_kms_key`;
        Default: none. `schedule`/`schedule_input`: Default: no
        schedule / empty input. `start_on_deploy`: start one run whenever the rendered job
        changes; Default False. `poll_interval`: SDK_POLL's shortest Wait (longer when the
        job's timeout needs it to fit the execution history); Default `MIN_POLL_SECONDS`.
        """
        super().__init__(scope, construct_id)
        self.integration = integration
        self._stack = stack_of(scope)
        record_stack(self, self._stack)
        self._cache = stack_cache(self._stack)
        self._region = self._cache.region
        self._state_machine: sfn.StateMachine | None = None
        self._role: iam.IRole | None = None
        self._request: dict[str, Any] | None = None
        self._logs_key: kms.IKey | None = None
        self._spec: JobSpec | None = None
        try:
            self._spec = job if isinstance(job, JobSpec) else parse_job(job, source=self.node.path)
        except SpecError as error:
            self.findings: list[Finding] = list(error.findings)
        else:
            self.findings = check_job(self._spec, region=self._region)
            self.findings += option_conflicts(
                self._spec,
                where=lambda: self.node.path,
                role=role is not None,
                group=warm_pool_group.name if warm_pool_group is not None else None,
                output_bucket=output_bucket is not None,
                vpc=vpc is not None,
                security_groups=bool(security_groups),
                volume_key=volume_key is not None,
                output_key=output_key is not None,
            )
            if warm_pool_group is not None:
                warm_pool_group.add_member(self._spec)
        self._effective: JobSpec | None = None
        self._volume_key = volume_key
        if self._spec is not None and not has_errors(self.findings):
            self._effective = _with_cdk_objects(
                self._spec, vpc, vpc_subnets, security_groups, volume_key, output_key
            )
            self._keys: list[str | kms.IKey] = [
                key
                for key in (
                    volume_key or self._spec.volume_kms_key,
                    output_key or self._spec.output_kms_key,
                )
                if key is not None
            ]
            try:
                self._build(
                    self._effective, role, warm_pool_group, output_bucket, logs_key, poll_interval
                )
            except SpecError as error:
                self.findings.extend(error.findings)
        report_findings(self, self.findings)
        if self._state_machine is not None:
            if schedule is not None:
                self._schedule(schedule, schedule_input or {})
            if start_on_deploy:
                self._start_on_deploy()

    @property
    def spec(self) -> JobSpec:
        """The job definition. Raises `SpecError` when `job` was not a valid definition."""
        if self._spec is None:
            raise SpecError(self.findings)
        return self._spec

    @property
    def effective_spec(self) -> JobSpec:
        """The definition with the CDK-typed options applied (their values are tokens):
        what the request, the guardrails and platform policies see."""
        return self._effective or self.spec

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The execution role's principal (what SageMaker runs the job as)."""
        return self.role.grant_principal

    @property
    def valid(self) -> bool:
        """Whether the definition passed the rules (otherwise synthesis fails)."""
        return self._state_machine is not None

    def _built(self) -> None:
        if self._state_machine is None:
            raise SpecError(self.findings)

    @property
    def state_machine(self) -> sfn.StateMachine:
        """The launcher: one training job per execution."""
        self._built()
        assert self._state_machine is not None
        return self._state_machine

    @property
    def state_machine_arn(self) -> str:
        """The launcher's ARN (a token)."""
        self._built()
        return self._state_machine_arn

    @property
    def role(self) -> iam.IRole:
        """The execution role SageMaker assumes."""
        self._built()
        assert self._role is not None
        return self._role

    @property
    def request(self) -> dict[str, Any]:
        """The rendered `CreateTrainingJob` request (job name = `JOB_NAME_PLACEHOLDER`)."""
        self._built()
        assert self._request is not None
        return self._request

    def grant_start_execution(self, grantee: iam.IGrantable) -> iam.Grant:
        """Allow `grantee` to start runs."""
        return self.state_machine.grant_start_execution(grantee)

    def metric_failed(self) -> Any:
        """Failed runs (`ExecutionsFailed`)."""
        return self.state_machine.metric_failed()

    def _build(
        self,
        spec: JobSpec,
        role: iam.IRole | None,
        group: WarmPoolGroup | None,
        output_bucket: s3.IBucket | None,
        logs_key: kms.IKey | None,
        poll_interval: Duration | None,
    ) -> None:
        owned: TrainingExecutionRole | None = None
        if role is None and spec.role is not None:
            role = iam.Role.from_role_arn(self, "ImportedRole", spec.role, mutable=False)
        elif role is None and group is not None:
            owned = group.execution_role
            role = owned.role
        elif role is None:
            owned = TrainingExecutionRole(self, "ExecutionRole")
            role = owned.role
            # Its cdk-nag acknowledgements go on this job, with the launcher role's.
            self._cache.wildcards.record_on(role, self)
        self._role = role
        role_arn = role.role_arn
        source = (
            SourceBundle(self, "Source", source_dir=Path(spec.source_dir or ""))
            if spec.source_is_local
            else None
        )
        output_path = spec.output_path
        bucket = None
        output_is_token = None
        if output_path is None:
            bucket = output_bucket or OutputBucket(self, "Output").bucket
            bucket_name = self._cache.bucket_name_and_arn(bucket)[0]
            output_path = f"s3://{bucket_name}/{spec.name}"
            output_is_token = self._cache.is_unresolved(bucket_name)
        self._output_bucket = bucket
        image = image_reference(self._stack, resolve_image(spec))
        deploy_time = self._deploy_time = _DeployTimeValues(self._cache)
        self._request = render_request(
            deploy_time.spec(spec),
            region=deploy_time.text("Region", self._region or pseudo.region()),
            # A role this construct created has a token ARN; a given one may not.
            role_arn=deploy_time.text("RoleArn", role_arn, token=True if owned else None),
            job_name=JOB_NAME_PLACEHOLDER,
            image_uri=deploy_time.text("TrainingImage", image.uri),
            source_uri=(
                deploy_time.text("SourceUri", source.s3_uri) if source is not None else None
            ),
            source_archive_name=source.archive_name if source is not None else None,
            output_path=deploy_time.text("OutputPath", output_path, token=output_is_token),
        )
        self.substitutions = deploy_time.values
        if owned is not None:
            self._grant_data_access(owned, image.repository_arn, source, bucket, output_path)
        self._state_machine = self._create_state_machine(
            self._request, role_arn, logs_key, poll_interval
        )

    def _grant_data_access(
        self,
        role: TrainingExecutionRole,
        repository_arn: str | None,
        source: SourceBundle | None,
        bucket: s3.IBucket | None,
        output_path: str,
    ) -> None:
        spec = self.effective_spec
        if repository_arn is not None:
            role.allow_image(repository_arn)
        if source is not None:
            role.allow_read_object(source.object_arn)
        elif spec.source_dir is not None:
            role.allow_read_object(s3_object_arn(spec.source_dir))
        for channel in spec.inputs:
            role.allow_read(channel.s3_data)
        if bucket is not None:
            role.allow_write(bucket, spec.name)
        else:
            role.allow_write(output_path)
        if spec.checkpoint_s3_uri is not None:
            role.allow_read(spec.checkpoint_s3_uri)
            role.allow_write(spec.checkpoint_s3_uri)
        for key in self._keys:
            if isinstance(key, str):
                role.allow_key(key)
            else:  # a CDK key grants the CDK way (its key policy stays as it is)
                key.grant(role, *KMS_ACTIONS)
        if spec.uses_vpc:
            role.allow_vpc(spec.subnets, spec.security_group_ids)

    def _create_state_machine(
        self,
        request: dict[str, Any],
        role_arn: str,
        logs_key: kms.IKey | None,
        poll_interval: Duration | None,
    ) -> sfn.StateMachine:
        spec = self.effective_spec
        grants = self._launcher_grants(spec, role_arn)
        launcher = iam.Role(
            self,
            LAUNCHER_ROLE_ID,
            assumed_by=self._cache.service_principal("states.amazonaws.com"),
            description=f"Launches SageMaker training job {spec.name}",
            inline_policies={LAUNCHER_POLICY: policy_document([*grants, LOG_DELIVERY_AND_TRACING])},
        )
        wildcards = self._cache.wildcards  # acknowledged on this job (covers its roles)
        wildcards.add(
            self,
            [training_job_arn(spec.name, pseudo.stack_arns())],
            "Each run creates a new job name: this job's prefix plus a per-execution suffix.",
        )
        wildcards.add(
            self,
            ["*"],
            "Step Functions needs log delivery (logs:*LogDelivery, logs:Describe*) and X-Ray "
            "actions, which have no resource-level permissions.",
        )
        self.definition = self._definition(
            request,
            spec,
            MIN_POLL_SECONDS if poll_interval is None else int(poll_interval.to_seconds()),
        )
        self.substitutions[PARTITION] = pseudo.partition()
        logs_key = self._logs_key = logs_key or LauncherLogsKey(self, "LogsKey").key
        state_machine = state_machine_with_logs(
            self,
            definition=self.definition,
            substitutions=self.substitutions,
            role=launcher,
            log_group_name=f"{LOG_GROUP_PREFIX}{spec.name}",
            logs_key=logs_key,
            comment=f"Runs SageMaker training job {spec.name}",
            # Names the job in the template, for `cdk_sagemaker_training.testing` and readers.
            metadata={LAUNCHER_METADATA: {"job": spec.name}},
        )
        self._state_machine_arn = state_machine.state_machine_arn  # read once: a round trip
        JobStopper.of(self._stack, logs_key).watch(self._state_machine_arn, spec.name)
        return state_machine

    def _launcher_grants(self, spec: JobSpec, role_arn: str) -> list[Grant]:
        """What the launcher's role may do (its inline policy)."""
        return launcher_statements(
            spec,
            job_name_prefix=spec.name,
            execution_role_arn=role_arn,
            integration=self.integration,
            arns=pseudo.stack_arns(),
            volume_key_is_arn=self._volume_key is not None,
        )

    def _definition(
        self, request: Mapping[str, Any], spec: JobSpec, min_poll_seconds: int
    ) -> dict[str, Any]:
        """The launcher's ASL (placeholders filled from `self.substitutions`)."""
        return launcher_definition(
            request,
            spec,
            integration=self.integration,
            quota_cause=quota_cause(spec),
            min_poll_seconds=min_poll_seconds,
        )

    def definition_digest(self) -> str:
        """SHA-256 of the launcher definition and its resolved substitutions: changes
        exactly when the job does."""
        resolved = [self.definition, self._stack.resolve(self.substitutions)]
        return hashlib.sha256(json.dumps(resolved, sort_keys=True).encode()).hexdigest()

    def _schedule(self, schedule: events.Schedule, schedule_input: Mapping[str, Any]) -> None:
        events.Rule(
            self,
            "Schedule",
            schedule=schedule,
            description=f"Runs SageMaker training job {self.spec.name} on a schedule",
            targets=[
                targets.SfnStateMachine(
                    self.state_machine,
                    input=events.RuleTargetInput.from_object(dict(schedule_input)),
                )
            ],
        )

    def _provider_log_group(self) -> logs.ILogGroup:
        """The encrypted log group of the stack's custom-resource provider (a singleton)."""
        found = self._stack.node.try_find_child(PROVIDER_LOGS_ID)
        if isinstance(found, logs.LogGroup):
            return found
        return logs.LogGroup(
            self._stack,
            PROVIDER_LOGS_ID,
            encryption_key=self._logs_key,
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )

    def _start_on_deploy(self) -> None:
        call = cr.AwsSdkCall(
            service="SFN",
            action="startExecution",
            parameters={
                "stateMachineArn": self.state_machine_arn,
                "input": json.dumps(
                    {"startedBy": "deploy", "definitionSha256": self.definition_digest()}
                ),
            },
            physical_resource_id=cr.PhysicalResourceId.from_response("executionArn"),
        )
        cr.AwsCustomResource(
            self,
            "StartOnDeploy",
            log_group=self._provider_log_group(),
            on_create=call,
            on_update=call,
            install_latest_aws_sdk=False,
            policy=cr.AwsCustomResourcePolicy.from_statements(
                [
                    iam.PolicyStatement(
                        actions=["states:StartExecution"],
                        resources=[self.state_machine_arn],
                    )
                ]
            ),
        )
        provider = self._stack.node.try_find_child(
            "AWS" + cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace("-", "")
        )
        if provider is None:  # the provider is a stack-wide singleton; CDK names it so
            return
        Validations.of(provider).acknowledge(
            Acknowledgment(
                id=f"AwsSolutions::AwsSolutions-IAM4[Policy::{LAMBDA_BASIC_EXECUTION}]",
                reason="CDK's AwsCustomResource provider function logs with the "
                "AWSLambdaBasicExecutionRole managed policy (CloudWatch Logs only); its own "
                "permission is states:StartExecution on this state machine.",
            )
        )
        ignore_cfn_lint(provider, ROLE_DEPENDENCY)  # CDK's provider function and its role
