"""cdk-nag acknowledgements for the wildcards these constructs create on purpose.

cdk-nag (3.x) names each wildcard finding after the flattened resource
(`AwsSolutions-IAM5[Resource::<flattened>]`) and, since 3.0, suppresses only exact ids
acknowledged with `Validations.of(construct).acknowledge(...)` (no patterns). So the
constructs acknowledge exactly the resources they scope by prefix, each with the reason
the wildcard is the narrowest scope, through that public aws-cdk-lib API: nothing here
imports cdk-nag (a development dependency).

Kept shortcut: `flatten_reference` ports cdk-nag's `flattenCfnReference`
(`src/utils/flatten-cfn-reference.ts`), which cdk-nag does not export.
tests/constructs/test_nag_equivalence.py runs the real AwsSolutions checks over every kind
of wildcard resource the constructs create and fails if the ids differ.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

from cdk_sagemaker_training.cdk._private.scope_cache import stack_cache

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


def flattened(stack: Stack, resources: Sequence[str]) -> list[str]:
    """cdk-nag's form of each resource as `stack` resolves it: the resources not seen
    before in this stack are resolved in one `Stack.resolve` call (a jsii round trip)."""
    memo = stack_cache(stack).flat_resources
    new = [r for r in dict.fromkeys(resources) if r != "*" and r not in memo]
    if new:
        memo.update(zip(new, map(flatten_reference, stack.resolve(new)), strict=True))
    return [memo.get(resource, resource) for resource in resources]


def wildcard_acknowledgements(
    stack: Stack, resources: Sequence[str], reason: str
) -> dict[str, str]:
    """IAM5 acknowledgement ids (with `reason`) for the `resources` that hold a wildcard."""
    wild = [resource for resource in resources if "*" in resource]
    if not wild:
        return {}
    return {
        f"{WILDCARD_RULE}[Resource::{flat}]": reason
        for flat in flattened(stack, wild)
        if "*" in flat
    }


def acknowledge(scope: IConstruct, acknowledgements: Mapping[str, str]) -> None:
    """`Validations.of(scope).acknowledge(...)` for many ids in one call."""
    if acknowledgements:
        Validations.of(scope).acknowledge(
            *(Acknowledgment(id=id_, reason=reason) for id_, reason in acknowledgements.items())
        )
