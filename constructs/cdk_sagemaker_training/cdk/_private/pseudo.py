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
def _aws(name: str) -> str:
    """`Aws.<name>`, read through jsii once."""
    value: str = getattr(Aws, name)
    return value


def account_id() -> str:
    """`AWS::AccountId`."""
    return _aws("ACCOUNT_ID")


def partition() -> str:
    """`AWS::Partition`."""
    return _aws("PARTITION")


def region() -> str:
    """`AWS::Region`."""
    return _aws("REGION")


def url_suffix() -> str:
    """`AWS::URLSuffix`."""
    return _aws("URL_SUFFIX")


@cache
def stack_arns() -> ArnScope:
    """ARNs in the deploying stack's partition, region and account."""
    return ArnScope(partition=partition(), region=region(), account=account_id())
