"""Platform policies: each POLICY rule both ways, and policy files."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.model import InstanceGroup, JobSpec
from cdk_sagemaker_training.core.policy import PlatformPolicy, load_policy
from cdk_sagemaker_training.core.rules import check_job, check_policy
from tests.factories import BASE, Case, job

STRICT = PlatformPolicy(
    allowed_instance_types=("ml.p3.*", "ml.g5.*"),
    max_keep_alive_period_in_seconds=1800,
    max_instance_count=4,
    max_run=43200,
    require_vpc=True,
    require_network_isolation=True,
    require_volume_kms_key=True,
    required_tags=("team",),
)
COMPLIANT = job(
    keep_alive_period_in_seconds=1800,
    instance_count=4,
    max_run=43200,
    subnets=("subnet-0123456789abcdef0",),
    security_group_ids=("sg-0123456789abcdef0",),
    enable_network_isolation=True,
    volume_kms_key="arn:aws:kms:us-east-1:111122223333:key/abc",
    tags={"team": "nlp"},
)

VIOLATIONS = [
    (
        "instance-type",
        job(COMPLIANT, instance_type="ml.p4d.24xlarge"),
        "POLICY001",
        "instance_type",
    ),
    (
        "keep-alive",
        job(COMPLIANT, keep_alive_period_in_seconds=1801),
        "POLICY002",
        "keep_alive_period_in_seconds",
    ),
    ("instance-count", job(COMPLIANT, instance_count=5), "POLICY003", "instance_count"),
    (
        "instance-groups-count",
        job(
            COMPLIANT,
            instance_type=None,
            instance_groups=(
                InstanceGroup(
                    instance_group_name="a", instance_type="ml.p3.2xlarge", instance_count=3
                ),
                InstanceGroup(
                    instance_group_name="b", instance_type="ml.g5.xlarge", instance_count=2
                ),
            ),
        ),
        "POLICY003",
        "instance_count",
    ),
    ("max-run", job(COMPLIANT, max_run=86400), "POLICY004", "max_run"),
    ("vpc", job(COMPLIANT, subnets=(), security_group_ids=()), "POLICY005", "subnets"),
    (
        "isolation",
        job(COMPLIANT, enable_network_isolation=False),
        "POLICY005",
        "enable_network_isolation",
    ),
    ("volume-key", job(COMPLIANT, volume_kms_key=None), "POLICY005", "volume_kms_key"),
    ("tag", job(COMPLIANT, tags={}), "POLICY006", "tags.team"),
]


# The passing side of each POLICY rule, at or within the limit its violation crosses.
POLICY_PASSING = [
    Case("policy001-allowed-pattern", job(COMPLIANT, instance_type="ml.g5.xlarge"), "POLICY001"),
    Case("policy002-at-cap", job(COMPLIANT, keep_alive_period_in_seconds=1800), "POLICY002"),
    Case("policy003-at-cap", job(COMPLIANT, instance_count=4), "POLICY003"),
    Case("policy004-at-cap", job(COMPLIANT, max_run=43200), "POLICY004"),
    Case("policy005-all-settings", COMPLIANT, "POLICY005"),
    Case("policy006-tag-present", COMPLIANT, "POLICY006"),
]


@pytest.mark.parametrize("case", POLICY_PASSING, ids=[c.id for c in POLICY_PASSING])
def test_policy_rule_passes(case: Case) -> None:
    assert case.code not in case._replace(policy=STRICT).codes()


@pytest.mark.parametrize(
    ("spec", "code", "field"), [v[1:] for v in VIOLATIONS], ids=[v[0] for v in VIOLATIONS]
)
def test_policy_violation(spec: JobSpec, code: str, field: str) -> None:
    findings = check_policy(spec, STRICT)
    assert [(f.code, f.path) for f in findings] == [(code, f"base-job:{field}")]


def test_compliant_job_passes_the_strict_policy() -> None:
    assert check_policy(COMPLIANT, STRICT) == []


def test_no_policy_means_no_policy_findings() -> None:
    assert not [
        f for f in check_job(job(instance_type="ml.p4d.24xlarge")) if f.code.startswith("POLICY")
    ]
    assert check_policy(BASE, PlatformPolicy()) == []


def test_policy_file(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        "allowed_instance_types: [ml.g5.*]\n"
        "max_keep_alive_period_in_seconds: 600\n"
        "required_tags: [team]\n"
    )
    policy = load_policy(path)
    assert (
        policy.allowed_instance_types == ("ml.g5.*",)
        and policy.max_keep_alive_period_in_seconds == 600
    )


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("max_keep_alive: 10\n", "SPEC003"),
        ("require_vpc: 'yes'\n", "SPEC004"),
        ("- a\n", "SPEC004"),
        ("a: [\n", "SPEC001"),
    ],
    ids=["unknown-key", "wrong-type", "not-a-mapping", "invalid-yaml"],
)
def test_bad_policy_file(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as raised:
        load_policy(path)
    assert raised.value.findings[0].code == code
