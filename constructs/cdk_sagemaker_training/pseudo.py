"""CloudFormation pseudo parameters as CDK tokens, read once.

Each `Aws.X` access is a round trip to the jsii runtime; these tokens never change, so
the constructs share one copy (hundreds of ARNs per synthesized app).
"""

from __future__ import annotations

from aws_cdk import Aws

ACCOUNT_ID: str = Aws.ACCOUNT_ID
PARTITION: str = Aws.PARTITION
REGION: str = Aws.REGION
URL_SUFFIX: str = Aws.URL_SUFFIX
