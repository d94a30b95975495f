"""An IAM role's inline policy kept as Python data and rendered when the app synthesizes.

Jobs add grants one by one (and a warm-pool group's jobs share a role). Building a CDK
`PolicyStatement` per grant costs several jsii round trips; at hundreds of jobs that
dominates synthesis. Here grants are plain data, merged by (actions, conditions), in a
`PolicyDocument` whose `resolve` CDK (and cdk-nag) call at synthesis, after every
construct has added its grants. The role takes it in `inline_policies` when it is
created: one round trip, and no reaching into the role's L1 afterwards.

What a consumer adds with `role.add_to_policy(...)` or `role.attach_inline_policy(...)`
is a separate `AWS::IAM::Policy` that CDK renders as usual.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import IResolveContext
from aws_cdk import aws_iam as iam

from cdk_sagemaker_training.launcher.grants import POLICY_VERSION, Grant, statement_json


def policy_document(grants: Sequence[Grant]) -> iam.PolicyDocument:
    """A policy document of `grants`, built in one call (CDK minimizes it as usual)."""
    return iam.PolicyDocument.from_json(
        {"Version": POLICY_VERSION, "Statement": [statement_json(g) for g in grants]}
    )


class InlinePolicy(iam.PolicyDocument):
    """Allow-statements of one inline policy, merged and rendered at synthesis.

    Pass it to the role: `iam.Role(..., inline_policies={name: policy})`.
    """

    def __init__(self) -> None:
        super().__init__()
        self._resources: dict[tuple[tuple[str, ...], str], list[str]] = {}

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

    def resolve(self, context: IResolveContext) -> Any:
        """The policy document (called by CDK at synthesis, in place of the statements
        a `PolicyDocument` would hold)."""
        return {"Version": POLICY_VERSION, "Statement": self.statements()}
