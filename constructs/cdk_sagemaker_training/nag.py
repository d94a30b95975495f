"""cdk-nag acknowledgements for the wildcards these constructs create on purpose.

cdk-nag (3.x) names each wildcard finding after the flattened resource
(`AwsSolutions-IAM5[Resource::<flattened>]`), so the constructs acknowledge exactly the
resources they scope by prefix, each with the reason the wildcard is the narrowest
scope. Nothing here imports cdk-nag: acknowledgements are aws-cdk-lib metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

WILDCARD_RULE = "AwsSolutions::AwsSolutions-IAM5"


def flatten_reference(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag flattens it (`flattenCfnReference`)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return re.sub(r"\}", ">", node.replace("${", "<"))
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(flatten_reference(item) for item in items)
        if "Fn::Sub" in node:
            return flatten_reference(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{flatten_reference(resource)}.{flatten_reference(attribute)}>"
        if "Fn::ImportValue" in node:
            return flatten_reference(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{flatten_reference(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))


def acknowledge_wildcards(scope: IConstruct, resources: Sequence[str], reason: str) -> None:
    """Acknowledge IAM5 for each of `resources` that holds a wildcard, with `reason`."""
    stack = Stack.of(scope)
    for resource in resources:
        flat = flatten_reference(stack.resolve(resource))
        if "*" in flat:
            Validations.of(scope).acknowledge(
                Acknowledgment(id=f"{WILDCARD_RULE}[Resource::{flat}]", reason=reason)
            )
