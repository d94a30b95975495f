"""CloudFormation pseudo parameters as CDK tokens, read once.

Each `Aws.X` access is a round trip to the jsii runtime; these tokens never change, so
the constructs share one copy (hundreds of ARNs per synthesized app).
"""

from __future__ import annotations

from aws_cdk import Aws

from cdk_sagemaker_training.launcher.arns import ArnScope

ACCOUNT_ID: str = Aws.ACCOUNT_ID
PARTITION: str = Aws.PARTITION
REGION: str = Aws.REGION
URL_SUFFIX: str = Aws.URL_SUFFIX

STACK_ARNS = ArnScope(partition=PARTITION, region=REGION, account=ACCOUNT_ID)
"""ARNs in the deploying stack's partition, region and account."""
