"""Platform policies: limits a platform team sets for every job (checked by POLICY rules).

A policy is a YAML file (or a `PlatformPolicy` value) that `plan --policy` checks in CI and
the `TrainingJobPolicy` aspect enforces at synth, e.g. allowed instance types, a cap on
warm-pool keep-alive, required VPC, network isolation, volume encryption or tags.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.parsing import (
    Collector,
    Parser,
    boolean,
    check_keys,
    integer,
    mapping,
    read_document,
    string_list,
)


@dataclass(frozen=True, kw_only=True)
class PlatformPolicy:
    """Limits every job must respect. Default: no limit for each field."""

    allowed_instance_types: tuple[str, ...] = ()
    """Shell-style patterns (`ml.p3.*`); empty allows every type."""
    max_keep_alive_period_in_seconds: int | None = None
    max_instance_count: int | None = None
    max_run: int | None = None
    require_vpc: bool = False
    require_network_isolation: bool = False
    require_volume_kms_key: bool = False
    required_tags: tuple[str, ...] = ()


POLICY_FIELDS = tuple(f.name for f in fields(PlatformPolicy))
_PARSERS: dict[str, Parser] = {
    "allowed_instance_types": string_list,
    "required_tags": string_list,
    "max_keep_alive_period_in_seconds": integer,
    "max_instance_count": integer,
    "max_run": integer,
    "require_vpc": boolean,
    "require_network_isolation": boolean,
    "require_volume_kms_key": boolean,
}


def parse_policy(data: Any, *, source: str, file: str | None = None) -> PlatformPolicy:
    """A policy from one parsed YAML document; raises `SpecError` with every finding.
    `file`: the file it was read from. Default: none."""
    out = Collector(source, file)
    document = mapping(out, data, "")
    if document is None:
        raise SpecError(out.findings)
    check_keys(out, document, POLICY_FIELDS, "")
    values: dict[str, Any] = {
        key: _PARSERS[key](out, value, key)
        for key, value in document.items()
        if key in _PARSERS and value is not None
    }
    if out.findings:
        raise SpecError(out.findings)
    return PlatformPolicy(**values)


def load_policy(path: str | Path) -> PlatformPolicy:
    """Read a policy file (YAML 1.2 mapping)."""
    document = read_document(Path(path), "a policy")
    return parse_policy(document, source=str(path), file=str(path))
