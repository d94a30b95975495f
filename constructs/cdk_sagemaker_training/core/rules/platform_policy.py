"""Platform-policy rules: each is silent unless the policy sets its limit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase

from cdk_sagemaker_training.core.codes import Code, define
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules.registry import ERROR, RuleContext, Violation, rule


@rule(
    "POLICY001",
    ERROR,
    "Instance type not allowed by the platform policy",
    "Use an instance type the policy's allowed_instance_types matches",
)
def _instance_types(spec: JobSpec, context: RuleContext) -> Iterator[Violation]:
    allowed = context.policy.allowed_instance_types if context.policy else ()
    for instance_type in spec.instance_types if allowed else ():
        if not any(fnmatchcase(instance_type, pattern) for pattern in allowed):
            yield "instance_type", f"received {instance_type}; allowed: {', '.join(allowed)}"


@dataclass(frozen=True, kw_only=True)
class _Cap:
    """A numeric cap of the policy: the job's `spec_value` must not exceed the policy's
    `limit` when the policy sets it; findings point at `path`."""

    code: Code
    path: str
    spec_value: str
    limit: str


CAPS = (
    _Cap(
        code=define(
            "POLICY002",
            ERROR,
            "Keep-alive above the platform policy's cap",
            "Lower keep_alive_period_in_seconds to the policy's max_keep_alive_period_in_seconds",
        ),
        path="keep_alive_period_in_seconds",
        spec_value="keep_alive_period_in_seconds",
        limit="max_keep_alive_period_in_seconds",
    ),
    _Cap(
        code=define(
            "POLICY003",
            ERROR,
            "More instances than the platform policy allows",
            "Lower instance_count to the policy's max_instance_count",
        ),
        path="instance_count",
        spec_value="total_instance_count",
        limit="max_instance_count",
    ),
    _Cap(
        code=define(
            "POLICY004",
            ERROR,
            "Run limit above the platform policy's cap",
            "Lower max_run to the policy's max_run",
        ),
        path="max_run",
        spec_value="max_run",
        limit="max_run",
    ),
)


def _cap_check(cap: _Cap) -> Callable[[JobSpec, RuleContext], Iterator[Violation]]:
    """The one rule body every cap shares."""

    def check(spec: JobSpec, context: RuleContext) -> Iterator[Violation]:
        limit: int | None = getattr(context.policy, cap.limit) if context.policy else None
        value: int = getattr(spec, cap.spec_value)
        if limit is not None and value > limit:
            yield cap.path, f"received {value}; cap {limit}"

    return check


for _cap in CAPS:
    rule(_cap.code.code)(_cap_check(_cap))


@rule(
    "POLICY005",
    ERROR,
    "Platform policy requires a setting the job lacks",
    "Add subnets and security_group_ids / enable_network_isolation / volume_kms_key as the "
    "policy requires",
)
def _required_settings(spec: JobSpec, context: RuleContext) -> Iterator[Violation]:
    policy = context.policy
    if policy is None:
        return
    if policy.require_vpc and not spec.uses_vpc:
        yield "subnets", "the policy requires a VPC"
    if policy.require_network_isolation and not spec.enable_network_isolation:
        yield "enable_network_isolation", "the policy requires network isolation"
    if policy.require_volume_kms_key and spec.volume_kms_key is None:
        yield "volume_kms_key", "the policy requires an encrypted training volume"


@rule(
    "POLICY006",
    ERROR,
    "Tag required by the platform policy is missing",
    "Add the tag under tags",
)
def _required_tags(spec: JobSpec, context: RuleContext) -> Iterator[Violation]:
    for key in context.policy.required_tags if context.policy else ():
        if key not in spec.tags:
            yield f"tags.{key}", f"missing tag {key!r}"
