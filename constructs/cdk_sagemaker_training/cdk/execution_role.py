"""The role SageMaker assumes to run a training job: least privilege, no managed policies."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.inline_policy import InlinePolicy
from cdk_sagemaker_training.cdk._private.nag import acknowledge, wildcard_acknowledgements
from cdk_sagemaker_training.cdk._private.scope_cache import bucket_name_and_arn, service_principal

SAGEMAKER_PRINCIPAL = "sagemaker.amazonaws.com"
INLINE_POLICY = "TrainingJobAccess"
TRAINING_LOG_GROUP = "/aws/sagemaker/TrainingJobs"
TRAINING_METRICS_NAMESPACE = "/aws/sagemaker/TrainingJobs"
ECR_PULL_ACTIONS = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:GetDownloadUrlForLayer",
    "ecr:BatchGetImage",
)
KMS_ACTIONS = ("kms:Decrypt", "kms:Encrypt", "kms:CreateGrant")
ENI_DESCRIBE_ACTIONS = (
    "ec2:DescribeDhcpOptions",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets",
    "ec2:DescribeVpcs",
)
ENI_MANAGE_ACTIONS = (
    "ec2:CreateNetworkInterfacePermission",
    "ec2:DeleteNetworkInterface",
    "ec2:DeleteNetworkInterfacePermission",
)
ENI_REASON = (
    "SageMaker creates the job's network interfaces at run time, so their ids are unknown; "
    "creation is limited to the job's subnets and security groups."
)
S3_URI = re.compile(r"s3://(?P<bucket>[^/]+)/?(?P<key>.*)")
_batch: dict[int, tuple[TrainingExecutionRole, list[dict[str, str]]]] | None = None
"""Acknowledgements held back by `batched_role_updates`, per role."""


@contextmanager
def batched_role_updates() -> Iterator[None]:
    """Hold back what every `TrainingExecutionRole` built or granted inside writes to its
    construct: the cdk-nag acknowledgements, recorded in as few metadata calls as the ids
    allow (one, unless two grants acknowledge the same id with different reasons), and
    the inline policy of a role built inside, set once as a value (a later grant makes
    it lazy again)."""
    global _batch
    if _batch is not None:  # nested: the outer batch records
        yield
        return
    _batch = {}
    try:
        yield
    finally:
        pending, _batch = _batch, None
        for role, records in pending.values():
            role._policy.render_now()
            for record in records:
                acknowledge(role.role, record)


def s3_location(uri: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> (bucket, prefix)."""
    match = S3_URI.fullmatch(uri)
    if match is None:
        raise ValueError(f"not an S3 URI: {uri!r}")
    return match["bucket"], match["key"]


def s3_object_arn(uri: str) -> str:
    """`s3://bucket/key` -> the object's ARN."""
    bucket, key = s3_location(uri)
    return f"{_bucket_arn(bucket)}/{key}"


def _arn(
    service: str, resource: str, *, region: str = pseudo.REGION, account: str = pseudo.ACCOUNT_ID
) -> str:
    return f"arn:{pseudo.PARTITION}:{service}:{region}:{account}:{resource}"


def _bucket_arn(bucket: str) -> str:
    return f"arn:{pseudo.PARTITION}:s3:::{bucket}"


class TrainingExecutionRole(Construct):
    """An execution role trusted by SageMaker with only what a training job uses.

    Always: write its logs under `/aws/sagemaker/TrainingJobs`, put metrics in that
    namespace, get an ECR token. Everything else is granted per job through the
    `allow_*`/`grant_*` methods (image repository, inputs, output prefix, keys, VPC).
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, description: str | None = None
    ) -> None:
        """Default `description`: what the role is for."""
        super().__init__(scope, construct_id)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=service_principal(SAGEMAKER_PRINCIPAL),
            description=description or "SageMaker training job execution role (least privilege)",
        )
        # Grants live in the role resource itself (no separate AWS::IAM::Policy).
        self._policy = InlinePolicy(self.role, INLINE_POLICY, deferred=_batch is not None)
        if _batch is not None:
            _batch.setdefault(id(self), (self, []))
        self._add_baseline()

    @property
    def role_arn(self) -> str:
        """ARN of the role."""
        return self.role.role_arn

    @property
    def grant_principal(self) -> iam.IPrincipal:
        """The role, for `grant_*` calls of other constructs."""
        return self.role.grant_principal

    def _add(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        reason: str = "",
        conditions: Mapping[str, Any] | None = None,
    ) -> dict[str, str]:
        """Add one statement once (jobs of a warm-pool group may ask for the same access).

        `reason`: why a wildcard in `resources` is the narrowest scope; Default: none
        expected. Returns the cdk-nag acknowledgements the new resources need.
        """
        new = self._policy.add(actions, resources, conditions)
        return wildcard_acknowledgements(self.role, new, reason)

    def _acknowledge(self, *batches: Mapping[str, str]) -> None:
        """Record acknowledgements in one call (each call is a jsii round trip)."""
        merged: dict[str, str] = {}
        for batch in batches:
            for rule, reason in batch.items():
                merged[rule] = f"{merged[rule]} {reason}" if rule in merged else reason
        if not merged:
            return
        if _batch is None:
            acknowledge(self.role, merged)
            return
        records = _batch.setdefault(id(self), (self, []))[1]
        # A record per call would be as many round trips; merge into the last record
        # unless an id is already there (each id keeps exactly the reason it had).
        if records and not records[-1].keys() & merged.keys():
            records[-1].update(merged)
        else:
            records.append(merged)

    def _add_baseline(self) -> None:
        log_group = _arn("logs", f"log-group:{TRAINING_LOG_GROUP}")
        self._acknowledge(
            self._add(
                [
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:DescribeLogStreams",
                    "logs:PutLogEvents",
                ],
                [log_group, f"{log_group}:*"],
                "SageMaker names one log stream per job run in /aws/sagemaker/TrainingJobs; "
                "the streams of this log group only.",
            ),
            self._add(
                ["cloudwatch:PutMetricData"],
                ["*"],
                "cloudwatch:PutMetricData has no resource-level permissions; the condition "
                "pins the /aws/sagemaker/TrainingJobs namespace.",
                {"StringEquals": {"cloudwatch:namespace": TRAINING_METRICS_NAMESPACE}},
            ),
            self._add(
                ["ecr:GetAuthorizationToken"],
                ["*"],
                "ecr:GetAuthorizationToken takes no resource: `*` is required; image pulls "
                "are scoped to the image's repository.",
            ),
        )

    def allow_image(self, repository_arn: str) -> None:
        """Pull the training image from exactly this ECR repository."""
        self._add(ECR_PULL_ACTIONS, [repository_arn])

    def allow_read(self, uri: str) -> None:
        """List and read objects under an `s3://bucket/prefix` (an input channel)."""
        bucket, prefix = s3_location(uri)
        self._read(_bucket_arn(bucket), prefix)

    def _read(self, bucket_arn: str, prefix: str) -> None:
        conditions = {"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None
        self._add(["s3:ListBucket"], [bucket_arn], conditions=conditions)
        self._acknowledge(
            self._add(
                ["s3:GetObject"],
                [f"{bucket_arn}/{prefix}*"],
                "SageMaker reads every object under the channel's S3 prefix, as the job "
                "definition names it; objects outside the prefix stay denied.",
            )
        )

    def allow_read_object(self, object_arn: str) -> None:
        """Read exactly one object (the job's source archive)."""
        self._add(["s3:GetObject"], [object_arn])

    def allow_write(self, uri: str) -> None:
        """Write objects under an `s3://bucket/prefix` (the output path)."""
        bucket, prefix = s3_location(uri)
        self._write(_bucket_arn(bucket), prefix)

    def grant_write(self, bucket: s3.IBucket, prefix: str = "") -> None:
        """Write objects of `bucket` under `prefix`. Default `prefix`: the whole bucket."""
        self._write(bucket_name_and_arn(bucket)[1], prefix)

    def _write(self, bucket_arn: str, prefix: str) -> None:
        self._acknowledge(
            self._add(
                ["s3:PutObject"],
                [f"{bucket_arn}/{prefix.rstrip('/')}/*" if prefix else f"{bucket_arn}/*"],
                "SageMaker writes artifacts under <output path>/<job name>/ with a new job "
                "name per run; writes are limited to this job's prefix.",
            )
        )

    def allow_key(self, key: str | kms.IKey) -> None:
        """Use a KMS key (volume, output or input): a key ARN, key id, alias or `IKey`."""
        if not isinstance(key, str):
            key.grant(self.role, *KMS_ACTIONS)
        elif key.startswith("alias/"):
            # IAM authorizes the key behind an alias, not the alias ARN.
            self._acknowledge(
                self._add(
                    KMS_ACTIONS,
                    ["*"],
                    "The job names its key by alias; IAM authorizes the key behind the alias, "
                    "so `*` is limited by the kms:ResourceAliases condition to that key.",
                    {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [key]}},
                )
            )
        else:
            self._add(KMS_ACTIONS, [key if key.startswith("arn:") else _arn("kms", f"key/{key}")])

    def allow_vpc(self, subnets: Sequence[str], security_group_ids: Sequence[str]) -> None:
        """Create and delete the job's network interfaces in these subnets and groups."""
        interfaces = _arn("ec2", "network-interface/*")
        self._acknowledge(
            self._add(
                ENI_DESCRIBE_ACTIONS,
                ["*"],
                "ec2:Describe* actions have no resource-level permissions: `*` is required.",
            ),
            self._add(
                ["ec2:CreateNetworkInterface"],
                [
                    interfaces,
                    *(_arn("ec2", f"subnet/{subnet}") for subnet in subnets),
                    *(_arn("ec2", f"security-group/{group}") for group in security_group_ids),
                ],
                ENI_REASON,
            ),
            self._add(ENI_MANAGE_ACTIONS, [interfaces], ENI_REASON),
        )
