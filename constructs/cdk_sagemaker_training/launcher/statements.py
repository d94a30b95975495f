"""Guardrails on the launcher's role: IAM enforces the job definition at CreateTrainingJob.

Even if someone edits the state machine, its role can only create jobs under the job's
name prefix, on its instance types, with keep-alive and run time up to the configured
values, and with the configured volume key (given as a key ARN), network isolation and VPC.
"""

from __future__ import annotations

from typing import Any

from cdk_sagemaker_training.core.launch_limits import is_key_arn
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.launcher.arns import ArnScope
from cdk_sagemaker_training.launcher.definition import Integration
from cdk_sagemaker_training.launcher.grants import Grant

SAGEMAKER_EVENTS_RULE = "StepFunctionsGetEventsForSageMakerTrainingJobsRule"
"""The managed rule Step Functions uses to learn that a `.sync` training job finished."""


def training_job_arn(job_name_prefix: str, arns: ArnScope) -> str:
    """ARN pattern of every run of a job (SageMaker lower-cases names in its ARNs)."""
    return arns.arn("sagemaker", f"training-job/{job_name_prefix.lower()}-*")


def create_conditions(
    spec: JobSpec, *, volume_key_is_arn: bool = False
) -> dict[str, dict[str, Any]]:
    """Condition block for `sagemaker:CreateTrainingJob` that pins the job definition.

    `volume_key_is_arn`: `volume_kms_key` is a key ARN even if it does not read as one (a
    token from an `IKey`). Default: decided from its text.
    """
    conditions: dict[str, dict[str, Any]] = {
        "ForAllValues:StringEquals": {"sagemaker:InstanceTypes": list(spec.instance_types)},
        "NumericLessThanEqualsIfExists": {
            "sagemaker:KeepAlivePeriod": spec.keep_alive_period_in_seconds,
            "sagemaker:MaxRuntimeInSeconds": spec.max_run,
        },
    }
    # The condition key holds key ARNs: an alias or key id would never match (LAUNCH101).
    key = spec.volume_kms_key
    if key is not None and (volume_key_is_arn or is_key_arn(key)):
        conditions["StringEquals"] = {"sagemaker:VolumeKmsKey": spec.volume_kms_key}
    flags = {
        "sagemaker:NetworkIsolation": spec.enable_network_isolation,
        "sagemaker:InterContainerTrafficEncryption": spec.encrypt_inter_container_traffic,
    }
    required = {key: "true" for key, on in flags.items() if on}
    if required:
        conditions["Bool"] = required
    if spec.subnets:
        conditions["ForAllValues:StringEquals"]["sagemaker:VpcSubnets"] = list(spec.subnets)
    if spec.security_group_ids:
        conditions["ForAllValues:StringEquals"]["sagemaker:VpcSecurityGroupIds"] = list(
            spec.security_group_ids
        )
    return conditions


def launcher_statements(
    spec: JobSpec,
    *,
    job_name_prefix: str,
    execution_role_arn: str,
    integration: Integration,
    arns: ArnScope,
    volume_key_is_arn: bool = False,
) -> list[Grant]:
    """Everything the launcher's state machine may do, for one job (jobs are always tagged).

    `volume_key_is_arn`: see `create_conditions`.
    """
    jobs = training_job_arn(job_name_prefix, arns)
    grants = [
        Grant(
            ["sagemaker:CreateTrainingJob"],
            [jobs],
            create_conditions(spec, volume_key_is_arn=volume_key_is_arn),
        ),
        Grant(
            ["sagemaker:DescribeTrainingJob"]
            + (["sagemaker:StopTrainingJob"] if integration is Integration.RUN_JOB else []),
            [jobs],
        ),
        Grant(
            ["iam:PassRole"],
            [execution_role_arn],
            {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
        ),
    ]
    grants.append(Grant(["sagemaker:AddTags"], [jobs]))
    if integration is Integration.RUN_JOB:
        events_rule = arns.arn("events", f"rule/{SAGEMAKER_EVENTS_RULE}")
        grants.append(
            Grant(["events:DescribeRule", "events:PutRule", "events:PutTargets"], [events_rule])
        )
    return grants


SEARCH_JOBS = Grant(["sagemaker:Search"], ["*"])
"""The stopper finds a run's jobs by tag; `Search` has no resource-level permissions."""


def stop_grant(job_name_prefix: str, arns: ArnScope) -> Grant:
    """The stopper may stop every run of one job."""
    return Grant(["sagemaker:StopTrainingJob"], [training_job_arn(job_name_prefix, arns)])
