"""The bucket model artifacts land in when a job names no `output_path`."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


def _secure_bucket(scope: Construct, construct_id: str, **extra: Any) -> s3.Bucket:
    """Encrypted, TLS-only, private, versioned and retained: no model artifact (or its
    access trail) is ever lost by a `cdk destroy`."""
    return s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        enforce_ssl=True,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        versioned=True,
        removal_policy=RemovalPolicy.RETAIN,
        **extra,
    )


class OutputBucket(Construct):
    """Encrypted, versioned, TLS-only, private, retained bucket with server access logs."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        # Log delivery by bucket policy, not ACL: ACLs are disabled (BUCKET_OWNER_ENFORCED).
        self.node.set_context(S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, True)
        self.access_logs = _secure_bucket(self, "AccessLogs")
        self.bucket = _secure_bucket(
            self,
            "Bucket",
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="output/",
        )
