"""cdk-nag acknowledgements for the wildcards these constructs create on purpose.

cdk-nag (3.x) names each wildcard finding after the flattened resource
(`AwsSolutions-IAM5[Resource::<flattened>]`), so the constructs acknowledge exactly the
resources they scope by prefix, each with the reason the wildcard is the narrowest
scope. Nothing here imports cdk-nag: acknowledgements are aws-cdk-lib metadata.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import Stack, Validations
from constructs import IConstruct

from cdk_sagemaker_training.cdk._private import pseudo

WILDCARD_RULE = "AwsSolutions::AwsSolutions-IAM5"
ACKNOWLEDGED_RULES: str = Validations.ACKNOWLEDGED_RULES_METADATA_KEY
TOKEN = re.compile(r"(\$\{Token\[[^\]]+\]\})")
_PSEUDO_NAMES = {
    pseudo.PARTITION: "<AWS::Partition>",
    pseudo.REGION: "<AWS::Region>",
    pseudo.ACCOUNT_ID: "<AWS::AccountId>",
    pseudo.URL_SUFFIX: "<AWS::URLSuffix>",
}
_FLAT_TOKENS: dict[str, str] = {}
"""Token string -> flattened value; token strings are unique within a process."""


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


def _flatten(scope: IConstruct, resource: str) -> str:
    """`flatten_reference` of a resolved resource. Pseudo parameters are flattened in
    Python and every other token is resolved once per app (resolving is a jsii round trip;
    an app has thousands of these ARNs, most sharing a bucket or role token)."""
    parts = []
    for part in TOKEN.split(resource):
        if TOKEN.fullmatch(part):
            if part not in _FLAT_TOKENS:
                _FLAT_TOKENS[part] = _PSEUDO_NAMES.get(part) or flatten_reference(
                    Stack.of(scope).resolve(part)
                )
            parts.append(_FLAT_TOKENS[part])
        else:
            parts.append(flatten_reference(part))
    return "".join(parts)


def wildcard_acknowledgements(
    scope: IConstruct, resources: Sequence[str], reason: str
) -> dict[str, str]:
    """IAM5 acknowledgement ids (with `reason`) for the `resources` that hold a wildcard."""
    wild = [resource for resource in resources if "*" in resource]
    if not wild:
        return {}
    flats = (_flatten(scope, resource) for resource in wild)
    return {f"{WILDCARD_RULE}[Resource::{flat}]": reason for flat in flats if "*" in flat}


def acknowledge(scope: IConstruct, acknowledgements: Mapping[str, str]) -> None:
    """Write what `Validations.of(scope).acknowledge(...)` writes, for many ids in one call."""
    if acknowledgements:
        scope.node.add_metadata(ACKNOWLEDGED_RULES, dict(acknowledgements))
