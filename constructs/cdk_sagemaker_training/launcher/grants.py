"""IAM allow-statements as plain data: what the launcher and the execution role need."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

POLICY_VERSION = "2012-10-17"


@dataclass(frozen=True)
class Grant:
    """One allow-statement as data."""

    actions: Sequence[str]
    resources: Sequence[str]
    conditions: Mapping[str, Any] | None = None


def statement_json(grant: Grant) -> dict[str, Any]:
    """IAM JSON of one grant."""
    actions, resources = sorted(set(grant.actions)), list(dict.fromkeys(grant.resources))
    statement: dict[str, Any] = {
        "Action": actions[0] if len(actions) == 1 else actions,
        "Effect": "Allow",
        "Resource": resources[0] if len(resources) == 1 else resources,
    }
    if grant.conditions:
        statement["Condition"] = dict(grant.conditions)
    return statement
