"""The one way these constructs silence a cfn-lint check: template metadata cfn-lint reads.

Each call site says why the check does not apply. The checks are silenced on the one
resource, never for the whole template, so a new resource still gets every check.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from aws_cdk import CfnResource
from constructs import IConstruct

CFN_LINT_METADATA = "cfn-lint"
ROLE_DEPENDENCY = "W3005"
"""CDK adds `DependsOn` on a resource's role, which its `Fn::GetAtt` already implies."""


def ignore_cfn_lint(
    construct: IConstruct, *checks: str, metadata: Mapping[str, Any] | None = None
) -> None:
    """Silence cfn-lint `checks` on `construct`'s CloudFormation resource.

    `metadata`: more template metadata for the same resource, written in the same call.
    Default: none.
    """
    resource = construct if isinstance(construct, CfnResource) else construct.node.default_child
    # One raw override, deep-merged into the resource's Metadata (`aws:cdk:path` stays).
    cast(CfnResource, resource).add_override(
        "Metadata",
        {CFN_LINT_METADATA: {"config": {"ignore_checks": list(checks)}}, **(metadata or {})},
    )
