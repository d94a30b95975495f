"""`TrainingPipelineStack`: a self-mutating CDK Pipelines delivery pipeline for job files.

Source (a CodeConnections connection) -> synth (the README's commands) -> self-mutation ->
one stage per target environment: [manual approval if protected] -> quota gate ->
deploy of the same training-job stacks `build_app` makes (`add_training_stacks`).
`QuotaReaderStack` is the role the quota gates assume in each target account.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from aws_cdk import App, Duration, Environment, Stack, Stage, pipelines
from aws_cdk import aws_codebuild as codebuild
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk_sagemaker_training import GuardMode, Integration, JobSpec, load_jobs
from cdk_sagemaker_training.aws.permissions import QUOTA_ACTIONS
from cdk_sagemaker_training.cdk._private.lint import ROLE_DEPENDENCY, ignore_cfn_lint
from cdk_sagemaker_training.cdk._private.nag import WILDCARD_RULE, acknowledge, flatten_reference
from stacks import _choice, add_training_stacks
from stacks.pipeline_config import PipelineConfig, StageConfig, load_pipeline_config
from stacks.training_jobs import TrainingJobsStack

PACKAGE_JSON = Path(__file__).resolve().parents[1] / "package.json"
PIPELINE_STACK_ID = "TrainingPipeline"
READER_STACK_PREFIX = "QuotaReader-"
READER_PROFILE = "quota-reader"
"""The AWS CLI profile the quota gate writes: the reader role, from CodeBuild's credentials."""
INSTALL_COMMANDS = ("make install",)
"""The README's install (`.venv` from requirements, the CDK CLI from package-lock.json)."""
CLI = ".venv/bin/cdk-sagemaker-training"
IAM5_STAR = f"{WILDCARD_RULE}[Resource::*]"
ACCESS_LOGS_RULE = "AwsSolutions::AwsSolutions-S1"
ARTIFACT_BUCKET_REASON = (
    "Holds only this pipeline's transient artifacts (source zip, cloud assembly), "
    "KMS-encrypted and reachable only by the pipeline's roles; access logs would need "
    "one more bucket"
)
PIPELINE_WILDCARDS = (
    (
        r"Action::s3:",
        "CDK Pipelines' grants on its own artifact buckets: the action "
        "families of aws-cdk-lib's Bucket grants, on those buckets only",
    ),
    (
        r"Action::kms:",
        "CDK Pipelines' grants on its artifact keys: KMS data-key and re-encrypt families",
    ),
    (r"Resource::.*[Bb]ucket.*/\*$", "Objects of the pipeline's own artifact buckets"),
    (r"log-group:/aws/codebuild/", "Log streams of the pipeline's CodeBuild projects"),
    (r"report-group/", "Report groups of the pipeline's CodeBuild projects"),
    (
        r"Resource::arn:\*:iam::\d{12}:role/\*$",
        "Self-mutation assumes only the CDK "
        "bootstrap roles (condition iam:ResourceTag/aws-cdk:bootstrap-role)",
    ),
    (
        r"Resource::\*$",
        "CDK Pipelines' own statements: StartBuild of its asset projects, "
        "DescribeStacks and ListBucket for self-mutation, and KMS on the cross-region "
        "replication key, whose ARN lives in another region's support stack",
    ),
)
"""Reasons for the wildcards CDK Pipelines writes into its roles, by the finding id."""


def pinned_npm(package: str) -> str:
    """The exact version of an npm `package` that package.json pins (CDK CLI, cdk-assets)."""
    return str(json.loads(PACKAGE_JSON.read_text())["devDependencies"][package])


def synth_commands(config_path: str) -> list[str]:
    """What a developer runs to synthesize the pipeline (README "Delivery pipeline")."""
    return [f'PATH="$PWD/.venv/bin:$PATH" npx cdk synth --quiet -c pipeline={config_path}']


def gate_commands(stage: StageConfig) -> list[str]:
    """The quota gate: the `quotas` command as the reader role; exit 1 (shortfall, with the
    table) or 3 (no access) fails the stage before its deploy."""
    return [
        f'aws configure set profile.{READER_PROFILE}.role_arn "$QUOTA_READER_ROLE_ARN"',
        f"aws configure set profile.{READER_PROFILE}.credential_source EcsContainer",
        f"{CLI} quotas {stage.jobs} --region {stage.region} --profile {READER_PROFILE}",
    ]


def reader_role_arn(config: PipelineConfig, account: str) -> str:
    """The quota-reader role's ARN in `account` (a fixed name: it exists before the stage)."""
    return f"arn:aws:iam::{account}:role/{config.reader_role_name}"


class TrainingStage(Stage):
    """One target environment's training-job stacks, as `build_app` composes them."""

    def __init__(
        self,
        scope: Construct,
        stage_id: str,
        *,
        specs: Sequence[JobSpec],
        start_on_deploy: bool,
        integration: Integration,
        mode: GuardMode,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, stage_id, **kwargs)
        self.stacks: list[TrainingJobsStack] = add_training_stacks(
            self, specs, integration=integration, mode=mode, start_on_deploy=start_on_deploy
        )


class TrainingPipelineStack(Stack):
    """The pipeline of `config`, in its tooling account; `stage_jobs`: jobs by stage name.

    Default launchers: `SDK_POLL`, quota guard fail (as `build_app`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        config_path: str,
        stage_jobs: Mapping[str, Sequence[JobSpec]],
        integration: Integration = Integration.SDK_POLL,
        mode: GuardMode = GuardMode.FAIL,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=config.account, region=config.region),
            description=f"Delivery of SageMaker training jobs ({config.source.repository})",
            **kwargs,
        )
        self.config = config
        source = pipelines.CodePipelineSource.connection(
            config.source.repository,
            config.source.branch,
            connection_arn=config.source.connection_arn,
        )
        self.pipeline = pipelines.CodePipeline(
            self,
            "Pipeline",
            pipeline_name=config.name,
            synth=pipelines.ShellStep(
                "Synth",
                input=source,
                install_commands=list(INSTALL_COMMANDS),
                commands=synth_commands(config_path),
            ),
            cli_version=pinned_npm("aws-cdk"),  # self-mutation, as `npx cdk` locally
            cdk_assets_cli_version=pinned_npm("cdk-assets"),
            cross_account_keys=True,  # stages deploy to other accounts
            enable_key_rotation=True,
            code_build_defaults=pipelines.CodeBuildOptions(
                # Documented to provide Python 3.11+, Node.js 20 and make (`make install`).
                build_environment=codebuild.BuildEnvironment(
                    build_image=codebuild.LinuxBuildImage.STANDARD_7_0
                )
            ),
        )
        self.stages: dict[str, TrainingStage] = {}
        for stage in config.stages:
            self.stages[stage.name] = TrainingStage(
                self,
                stage.name,
                specs=stage_jobs[stage.name],
                start_on_deploy=stage.run_after_deploy,
                integration=integration,
                mode=mode,
                env=Environment(account=stage.account, region=stage.region),
            )
            self.pipeline.add_stage(self.stages[stage.name], pre=self._pre_steps(stage, source))
        self.pipeline.build_pipeline()
        self._accept_pipeline_defaults()

    def _pre_steps(
        self, stage: StageConfig, source: pipelines.CodePipelineSource
    ) -> list[pipelines.Step]:
        """[approval, then] the quota gate: checked right before the deploy it guards."""
        gate = pipelines.CodeBuildStep(
            "QuotaGate",
            input=source,
            install_commands=list(INSTALL_COMMANDS),
            commands=gate_commands(stage),
            env={"QUOTA_READER_ROLE_ARN": reader_role_arn(self.config, stage.account)},
            role=self._gate_role(stage),
        )
        if not stage.protected:
            return [gate]
        approval = pipelines.ManualApprovalStep(
            "Approve",
            comment=f"Deploy training jobs to {stage.name} ({stage.account}, {stage.region})",
        )
        gate.add_step_dependency(approval)
        return [approval, gate]

    def _accept_pipeline_defaults(self) -> None:
        """Accept what CDK Pipelines renders as it does (its roles' grants, the artifact
        buckets' missing access logs, its deploy actions' role ARNs), each with its reason."""
        # CDK renders the deploy actions' bootstrap role ARNs with Fn::Join (style check
        # E3703) and adds DependsOn on the pipeline role its GetAtt implies.
        ignore_cfn_lint(self.pipeline.pipeline, "E3703", ROLE_DEPENDENCY)
        acknowledge(
            self.pipeline.pipeline.artifact_bucket, {ACCESS_LOGS_RULE: ARTIFACT_BUCKET_REASON}
        )
        for support in self.pipeline.pipeline.cross_region_support.values():
            acknowledge(support.replication_bucket, {ACCESS_LOGS_RULE: ARTIFACT_BUCKET_REASON})
        for policy in self.node.find_all():
            if isinstance(policy, iam.CfnPolicy) and Stack.of(policy) is self:
                document = self.resolve(policy.policy_document)
                reasons = {i: _pipeline_reason(i) for i in _wildcard_ids(document)}
                acknowledge(policy, {i: reason for i, reason in reasons.items() if reason})

    def _gate_role(self, stage: StageConfig) -> iam.Role:
        """May assume the stage's reader role, nothing else of its own (CDK Pipelines adds
        only its logs, reports and source artifact)."""
        role = iam.Role(
            self,
            f"QuotaGateRole-{stage.name}",
            role_name=self.config.gate_role_name(stage),
            assumed_by=iam.ServicePrincipal("codebuild.amazonaws.com"),
            description=f"Quota gate of stage {stage.name}: assumes the quota reader role",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["sts:AssumeRole"],
                resources=[reader_role_arn(self.config, stage.account)],
            )
        )
        return role


def _wildcard_ids(document: Mapping[str, Any]) -> Iterator[str]:
    """cdk-nag's IAM5 finding ids for the wildcards of a resolved policy document."""
    for statement in document["Statement"]:
        for key in ("Action", "Resource"):
            values = statement.get(key, [])
            for value in values if isinstance(values, list) else [values]:
                flat = flatten_reference(value)
                if "*" in flat:
                    yield f"{WILDCARD_RULE}[{key}::{flat}]"


def _pipeline_reason(finding_id: str) -> str | None:
    """Why CDK Pipelines' wildcard `finding_id` is acceptable; None for an unknown one,
    which stays unacknowledged (cdk-nag then fails the synth) rather than waved through."""
    for pattern, reason in PIPELINE_WILDCARDS:
        if re.search(pattern, finding_id.removesuffix("]")):
            return reason
    return None


class QuotaReaderStack(Stack):
    """The role the quota gates of `stages` (all in this stack's account) assume: reads
    Service Quotas only (the `quotas` command's `QUOTA_ACTIONS`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: PipelineConfig,
        stages: Sequence[StageConfig],
        **kwargs: Any,
    ) -> None:
        super().__init__(
            scope,
            construct_id,
            env=Environment(account=stages[0].account, region=stages[0].region),
            description=f"Quota reader for the {config.name} pipeline's quota gates",
            **kwargs,
        )
        gates = [
            f"arn:aws:iam::{config.account}:role/{config.gate_role_name(stage)}" for stage in stages
        ]
        # The account principal plus aws:PrincipalArn (not the role ARNs as principals):
        # IAM refuses a trust policy naming a role that does not exist yet.
        self.role = iam.Role(
            self,
            "Role",
            role_name=config.reader_role_name,
            assumed_by=iam.AccountPrincipal(config.account).with_conditions(
                {"ArnEquals": {"aws:PrincipalArn": gates}}
            ),
            max_session_duration=Duration.hours(1),
            description=f"Read-only Service Quotas access for the {config.name} quota gates",
            inline_policies={
                "ReadQuotas": iam.PolicyDocument(
                    statements=[iam.PolicyStatement(actions=list(QUOTA_ACTIONS), resources=["*"])]
                )
            },
        )
        acknowledge(
            self.role,
            {
                IAM5_STAR: "ListServiceQuotas and ListAWSDefaultServiceQuotas support no "
                "resource-level permissions: * is the only resource they accept"
            },
        )


def build_pipeline(app: App, config_path: str) -> list[Stack]:
    """The pipeline of the config file at `config_path` and one `QuotaReaderStack` per
    target account. Context `integration` and `quota_guard` as for `build_app`.
    Raises `SpecError` for a bad config or job file."""
    config = load_pipeline_config(config_path)
    pipeline = TrainingPipelineStack(
        app,
        PIPELINE_STACK_ID,
        config=config,
        config_path=config_path,
        stage_jobs={stage.name: load_jobs(stage.jobs) for stage in config.stages},
        integration=_choice(app, "integration", Integration, Integration.SDK_POLL),
        mode=_choice(app, "quota_guard", GuardMode, GuardMode.FAIL),
    )
    accounts: dict[str, list[StageConfig]] = {}
    for stage in config.stages:
        accounts.setdefault(stage.account, []).append(stage)
    readers = [
        QuotaReaderStack(app, f"{READER_STACK_PREFIX}{account}", config=config, stages=stages)
        for account, stages in accounts.items()
    ]
    return [pipeline, *readers]
