"""An IAM role's inline policy kept as Python data and rendered when the app synthesizes.

Jobs add grants one by one (and a warm-pool group's jobs share a role). Building a CDK
`PolicyStatement` per grant costs several jsii round trips; at hundreds of jobs that
dominates synthesis. Here grants are plain data, merged by (actions, conditions), and
the role's `Policies` property is one `Lazy` value that CDK (and cdk-nag) resolve: it is
computed at synthesis, after every construct has added its grants.

The role is created without `inline_policies`, so this is its only `Policies` entry;
what a consumer adds with `role.add_to_policy(...)` or `role.attach_inline_policy(...)`
is a separate `AWS::IAM::Policy` that CDK renders as usual.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

import jsii
from aws_cdk import IStableAnyProducer, Lazy
from aws_cdk import aws_iam as iam

from cdk_sagemaker_training.launcher.grants import POLICY_VERSION, Grant, statement_json


def policy_document(grants: Sequence[Grant]) -> iam.PolicyDocument:
    """A policy document of `grants`, built in one call."""
    return iam.PolicyDocument.from_json(
        {"Version": POLICY_VERSION, "Statement": [statement_json(g) for g in grants]}
    )


@jsii.implements(IStableAnyProducer)
class InlinePolicy:
    """Allow-statements of one inline policy of `role`, merged and rendered at synthesis."""

    def __init__(self, role: iam.Role, name: str) -> None:
        self.name = name
        self._resources: dict[tuple[tuple[str, ...], str], list[str]] = {}
        cast(iam.CfnRole, role.node.default_child).policies = Lazy.any(self)

    def add(
        self,
        actions: Sequence[str],
        resources: Sequence[str],
        conditions: Mapping[str, Any] | None = None,
    ) -> None:
        """Allow `actions` on `resources` (merged with the statement of the same actions
        and conditions; a resource already there is not repeated)."""
        key = (tuple(sorted(set(actions))), json.dumps(conditions or {}, sort_keys=True))
        known = self._resources.setdefault(key, [])
        known.extend(resource for resource in dict.fromkeys(resources) if resource not in known)

    def statements(self) -> list[dict[str, Any]]:
        """The statements in the order their first grant arrived."""
        return [
            statement_json(Grant(actions, resources, json.loads(conditions)))
            for (actions, conditions), resources in self._resources.items()
        ]

    def produce(self) -> Any:
        """The role's `Policies` property, as the L1 takes it (called by CDK at synth)."""
        return [
            {
                "policyName": self.name,
                "policyDocument": {"Version": POLICY_VERSION, "Statement": self.statements()},
            }
        ]
