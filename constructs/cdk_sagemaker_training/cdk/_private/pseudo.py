"""CloudFormation pseudo parameters as CDK tokens, read once, on first use.

Each `Aws.X` access is a round trip to the jsii runtime; these tokens never change, so
the constructs share one copy (hundreds of ARNs per synthesized app). Read on first use,
not at import: importing the constructs makes no jsii call (the reference app imports
them while another thread has aws-cdk-lib busy, see `app.py`).
"""

from __future__ import annotations

from functools import cache

from aws_cdk import Aws

from cdk_sagemaker_training.launcher.arns import ArnScope


@cache
def account_id() -> str:
    """`AWS::AccountId`."""
    return Aws.ACCOUNT_ID


@cache
def partition() -> str:
    """`AWS::Partition`."""
    return Aws.PARTITION


@cache
def region() -> str:
    """`AWS::Region`."""
    return Aws.REGION


@cache
def url_suffix() -> str:
    """`AWS::URLSuffix`."""
    return Aws.URL_SUFFIX


@cache
def stack_arns() -> ArnScope:
    """ARNs in the deploying stack's partition, region and account."""
    return ArnScope(partition=partition(), region=region(), account=account_id())
