"""The IAM actions the AWS operations call: what their roles must allow.

Plain data, so the CDK constructs that grant them import neither boto3 nor botocore.
"""

from __future__ import annotations

QUOTA_ACTIONS = (
    "servicequotas:ListServiceQuotas",
    "servicequotas:ListAWSDefaultServiceQuotas",
)
"""IAM actions the quota check needs (both on resource `*`)."""
USAGE_ACTIONS = ("sagemaker:ListTrainingJobs", "sagemaker:DescribeTrainingJob")
"""IAM actions `--include-usage` and `warm-pools list` need."""
