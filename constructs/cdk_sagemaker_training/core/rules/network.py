"""Rules on VPC settings."""

from __future__ import annotations

import re
from collections.abc import Iterator

from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, RuleContext, Violation, rule

SUBNET_PATTERN = re.compile(r"subnet-[0-9a-f]{8,17}")
SECURITY_GROUP_PATTERN = re.compile(r"sg-[0-9a-f]{8,17}")


@rule(
    "NET001",
    ERROR,
    "VPC settings are incomplete or malformed",
    "Give both subnets (subnet-...) and security_group_ids (sg-...)",
)
def _vpc(spec: JobSpec, _: RuleContext) -> Iterator[Violation]:
    if spec.subnets and not spec.security_group_ids:
        yield "security_group_ids", "missing security_group_ids next to subnets"
    if spec.security_group_ids and not spec.subnets:
        yield "subnets", "missing subnets next to security_group_ids"
    for index, subnet in enumerate(spec.subnets):
        if not SUBNET_PATTERN.fullmatch(subnet):
            yield f"subnets[{index}]", f"received {subnet!r}"
    for index, group in enumerate(spec.security_group_ids):
        if not SECURITY_GROUP_PATTERN.fullmatch(group):
            yield f"security_group_ids[{index}]", f"received {group!r}"
