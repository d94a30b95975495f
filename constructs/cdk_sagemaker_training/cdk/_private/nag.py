"""cdk-nag acknowledgements for the wildcards these constructs create on purpose.

cdk-nag (3.x) names each wildcard finding after the flattened resource
(`AwsSolutions-IAM5[Resource::<flattened>]`) and, since 3.0, suppresses only exact ids
acknowledged with `Validations.of(construct).acknowledge(...)` (no patterns). So the
constructs acknowledge exactly the resources they scope by prefix, each with the reason
the wildcard is the narrowest scope, through that public aws-cdk-lib API: nothing here
imports cdk-nag (a development dependency). The ids are computed when the app validates
(see `WildcardAcknowledgements`, one per stack, owned by the stack's `StackCache`).

Kept shortcut: `flatten_reference` ports cdk-nag's `flattenCfnReference`
(`src/utils/flatten-cfn-reference.ts`), which cdk-nag does not export.
tests/constructs/test_nag_equivalence.py runs the real AwsSolutions checks over every kind
of wildcard resource the constructs create and fails if the ids differ.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import jsii
from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct, IValidation

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


@jsii.implements(IValidation)
class WildcardAcknowledgements:
    """The IAM5 acknowledgements of one stack's deliberate wildcard resources, by construct.

    Collected as grants are added and written once, when the app validates: after CDK
    has resolved cross-stack references (a bucket of another stack becomes an output
    reference), so each id names the resource exactly as cdk-nag sees it. The whole
    stack's resources are resolved in one `Stack.resolve` call, and each construct's ids
    recorded in one `acknowledge` call. A construct can have its ids recorded on an
    ancestor instead (`record_on`): cdk-nag looks for acknowledgements up the construct
    tree, so a training job acknowledges its roles' wildcards in one call.
    """

    def __init__(self, stack: Stack) -> None:
        self._stack = weakref.ref(stack)  # the stack's cache owns this object
        self._reasons: dict[IConstruct, dict[str, list[str]]] = {}
        """Construct -> wildcard resource -> why it is the narrowest scope (no repeats)."""
        self._written: set[tuple[IConstruct, str]] = set()
        self._record_on: dict[IConstruct, IConstruct] = {}
        stack.node.add_validation(self)

    def record_on(self, scope: IConstruct, ancestor: IConstruct) -> None:
        """Record the acknowledgements added for `scope` on `ancestor`, one of its
        ancestors: each then also covers the same finding on `ancestor`'s other
        children (the same exact resource, e.g. `*` of both roles of one job)."""
        self._record_on[scope] = ancestor

    def add(self, scope: IConstruct, resources: Sequence[str], reason: str) -> None:
        """Acknowledge on `scope` the `resources` that hold a wildcard, with `reason`."""
        for resource in resources:
            if "*" in resource:
                reasons = self._reasons.setdefault(scope, {}).setdefault(resource, [])
                if reason not in reasons:
                    reasons.append(reason)

    def validate(self) -> list[str]:
        """Write the acknowledgements not written yet (CDK calls this at synthesis)."""
        stack = self._stack()
        pending = [
            (scope, resource)
            for scope, resources in self._reasons.items()
            for resource in resources
            if (scope, resource) not in self._written
        ]
        if stack is None or not pending:
            return []
        unique = list(dict.fromkeys(resource for _, resource in pending))
        flat = dict(zip(unique, map(flatten_reference, stack.resolve(unique)), strict=True))
        ids: dict[IConstruct, dict[str, list[str]]] = {}
        for scope, resource in pending:
            if "*" in flat[resource]:
                id_ = f"{WILDCARD_RULE}[Resource::{flat[resource]}]"
                target = self._record_on.get(scope, scope)
                reasons = ids.setdefault(target, {}).setdefault(id_, [])
                reasons.extend(r for r in self._reasons[scope][resource] if r not in reasons)
        for scope, acknowledgements in ids.items():
            acknowledge(scope, {id_: " ".join(r) for id_, r in acknowledgements.items()})
        self._written.update(pending)
        return []


def acknowledge(scope: IConstruct, acknowledgements: Mapping[str, str]) -> None:
    """`Validations.of(scope).acknowledge(...)` for many ids in one call."""
    if acknowledgements:
        Validations.of(scope).acknowledge(
            *(Acknowledgment(id=id_, reason=reason) for id_, reason in acknowledgements.items())
        )
