"""The role SageMaker assumes to run a training job: least privilege, no managed policies."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk._private.inline_policy import InlinePolicy
from cdk_sagemaker_training.cdk._private.scope_cache import stack_cache, stack_of

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


def _arn(service: str, resource: str) -> str:
    """An ARN of the deploying stack's region and account."""
    return f"arn:{pseudo.partition()}:{service}:{pseudo.region()}:{pseudo.account_id()}:{resource}"


def _bucket_arn(bucket: str) -> str:
    return f"arn:{pseudo.partition()}:s3:::{bucket}"


@jsii.implements(iam.IGrantable)
class TrainingExecutionRole(Construct):
    """An execution role trusted by SageMaker with only what a training job uses.

    Always: write its logs under `/aws/sagemaker/TrainingJobs`, put metrics in that
    namespace, get an ECR token. Everything else is allowed per job through the `allow_*`
    methods (image repository, inputs, output prefix, key ARNs, VPC), as statements of
    the role's own inline policy. It is `IGrantable`: CDK resources grant to it the CDK
    way, e.g. `key.grant_encrypt_decrypt(role)` or `bucket.grant_read(role)`.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, description: str | None = None
    ) -> None:
        """Default `description`: what the role is for."""
        super().__init__(scope, construct_id)
        self._cache = stack_cache(stack_of(scope))
        # Grants live in the role resource itself (no separate AWS::IAM::Policy).
        self._policy = InlinePolicy()
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=self._cache.service_principal(SAGEMAKER_PRINCIPAL),
            description=description or "SageMaker training job execution role (least privilege)",
            inline_policies={INLINE_POLICY: self._policy},
        )
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
    ) -> None:
        """Add one statement once (jobs of a warm-pool group may ask for the same access).

        `reason`: why a wildcard in `resources` is the narrowest scope (acknowledged for
        cdk-nag); Default: none expected.
        """
        self._policy.add(actions, resources, conditions)
        if reason:
            self._cache.wildcards.add(self.role, resources, reason)

    def _add_baseline(self) -> None:
        log_group = _arn("logs", f"log-group:{TRAINING_LOG_GROUP}")
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
        )
        self._add(
            ["cloudwatch:PutMetricData"],
            ["*"],
            "cloudwatch:PutMetricData has no resource-level permissions; the condition "
            "pins the /aws/sagemaker/TrainingJobs namespace.",
            {"StringEquals": {"cloudwatch:namespace": TRAINING_METRICS_NAMESPACE}},
        )
        self._add(
            ["ecr:GetAuthorizationToken"],
            ["*"],
            "ecr:GetAuthorizationToken takes no resource: `*` is required; image pulls "
            "are scoped to the image's repository.",
        )

    def allow_image(self, repository_arn: str) -> None:
        """Pull the training image from exactly this ECR repository."""
        self._add(ECR_PULL_ACTIONS, [repository_arn])

    def allow_read(self, location: str | s3.IBucket, prefix: str = "") -> None:
        """List and read objects under an `s3://bucket/prefix` URI (an input channel), or
        under `prefix` of a CDK bucket (Default `prefix`: the whole bucket)."""
        bucket_arn, prefix = self._bucket_and_prefix(location, prefix)
        conditions = {"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None
        self._add(["s3:ListBucket"], [bucket_arn], conditions=conditions)
        self._add(
            ["s3:GetObject"],
            [f"{bucket_arn}/{prefix}*"],
            "SageMaker reads every object under the channel's S3 prefix, as the job "
            "definition names it; objects outside the prefix stay denied.",
        )

    def allow_read_object(self, object_arn: str) -> None:
        """Read exactly one object (the job's source archive)."""
        self._add(["s3:GetObject"], [object_arn])

    def allow_write(self, location: str | s3.IBucket, prefix: str = "") -> None:
        """Write objects under an `s3://bucket/prefix` URI (the output path), or under
        `prefix` of a CDK bucket (Default `prefix`: the whole bucket)."""
        bucket_arn, prefix = self._bucket_and_prefix(location, prefix)
        self._add(
            ["s3:PutObject"],
            [f"{bucket_arn}/{prefix.rstrip('/')}/*" if prefix else f"{bucket_arn}/*"],
            "SageMaker writes artifacts under <output path>/<job name>/ with a new job "
            "name per run; writes are limited to this job's prefix.",
        )

    def _bucket_and_prefix(self, location: str | s3.IBucket, prefix: str) -> tuple[str, str]:
        """(bucket ARN, key prefix) of a URI or of a CDK bucket and `prefix`."""
        if not isinstance(location, str):
            return self._cache.bucket_name_and_arn(location)[1], prefix
        if prefix:
            raise TypeError(f"pass the prefix inside the S3 URI {location!r}, not as prefix=")
        bucket, key = s3_location(location)
        return _bucket_arn(bucket), key

    def allow_key(self, key: str) -> None:
        """Use a KMS key (volume, output or input) named by key ARN, key id or alias.

        A CDK key grants the CDK way instead: `key.grant(role, *KMS_ACTIONS)`.
        """
        if key.startswith("alias/"):
            # IAM authorizes the key behind an alias, not the alias ARN.
            self._add(
                KMS_ACTIONS,
                ["*"],
                "The job names its key by alias; IAM authorizes the key behind the alias, "
                "so `*` is limited by the kms:ResourceAliases condition to that key.",
                {"ForAnyValue:StringEquals": {"kms:ResourceAliases": [key]}},
            )
        else:
            self._add(KMS_ACTIONS, [key if key.startswith("arn:") else _arn("kms", f"key/{key}")])

    def allow_vpc(self, subnets: Sequence[str], security_group_ids: Sequence[str]) -> None:
        """Create and delete the job's network interfaces in these subnets and groups."""
        interfaces = _arn("ec2", "network-interface/*")
        self._add(
            ENI_DESCRIBE_ACTIONS,
            ["*"],
            "ec2:Describe* actions have no resource-level permissions: `*` is required.",
        )
        self._add(
            ["ec2:CreateNetworkInterface"],
            [
                interfaces,
                *(_arn("ec2", f"subnet/{subnet}") for subnet in subnets),
                *(_arn("ec2", f"security-group/{group}") for group in security_group_ids),
            ],
            ENI_REASON,
        )
        self._add(ENI_MANAGE_ACTIONS, [interfaces], ENI_REASON)
