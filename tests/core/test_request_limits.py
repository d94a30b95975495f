"""The API model's bounds and the documented limits, on the rendered request (table-driven)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.core.findings import Finding
from cdk_sagemaker_training.core.model import Channel, InstanceGroup, JobSpec, MetricDefinition
from cdk_sagemaker_training.core.policy import load_policy
from cdk_sagemaker_training.core.rules import check_job, has_errors
from cdk_sagemaker_training.core.rules.request_limits import (
    check_request,
    placeholder_request,
)
from cdk_sagemaker_training.core.service_limits import compiled_pattern, model_violations
from cdk_sagemaker_training.core.service_model import input_shape, request_shape
from tests.factories import BASE, HUGGINGFACE, PLAIN_PYTORCH, TENSORFLOW, job

ROOT = Path(__file__).resolve().parents[2]
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
LIBRARY_HYPERPARAMETERS = len(placeholder_request(BASE)["HyperParameters"])
"""The `sagemaker_*` keys a compiler job gets besides the user's (7)."""


def groups(count: int, distribution: dict[str, Any]) -> JobSpec:
    """A heterogeneous-cluster PyTorch job with `count` groups."""
    return job(
        PLAIN_PYTORCH,
        instance_type=None,
        distribution=distribution,
        instance_groups=tuple(
            InstanceGroup(
                instance_group_name=f"g{i}", instance_type="ml.p3.2xlarge", instance_count=1
            )
            for i in range(count)
        ),
    )


def subnets(count: int) -> tuple[str, ...]:
    return tuple(f"subnet-{i:017x}" for i in range(count))


def security_groups(count: int) -> tuple[str, ...]:
    return tuple(f"sg-{i:017x}" for i in range(count))


def many(count: int, prefix: str = "k") -> dict[str, str]:
    return {f"{prefix}{i}": "v" for i in range(count)}


def channels(count: int) -> tuple[Channel, ...]:
    return tuple(Channel(name=f"c{i}", s3_data=f"s3://data/c{i}") for i in range(count))


def metrics(count: int) -> tuple[MetricDefinition, ...]:
    return tuple(MetricDefinition(name=f"m{i}", regex="m=(.*)") for i in range(count))


VPC: dict[str, Any] = {"subnets": subnets(2), "security_group_ids": security_groups(1)}
LONG_S3 = "s3://bucket/" + "p" * 1013  # 1,025 characters

# (id, spec, code, job-file path) -- the finding each case must produce.
FAILING = [
    (
        "hyperparameters-count-with-library-keys",
        job(hyperparameters=many(101 - LIBRARY_HYPERPARAMETERS)),
        "API001",
        "hyperparameters",
    ),
    (
        "hyperparameter-value-over-2500-after-json",
        job(hyperparameters={"text": "x" * 2499}),
        "API001",
        "hyperparameters.text",
    ),
    ("tags-over-50", job(tags=many(51)), "API001", "tags"),
    ("tag-key-pattern", job(tags={"team*": "a"}), "API001", "tags.team*"),
    ("tag-value-pattern", job(tags={"team": "a;b"}), "API001", "tags.team"),
    ("tag-reserved-prefix", job(tags={"AWS:team": "a"}), "API004", "tags.AWS:team"),
    ("environment-name", job(environment={"1BAD": "x"}), "API001", "environment.1BAD"),
    ("environment-value-length", job(environment={"A": "x" * 513}), "API001", "environment.A"),
    ("environment-count", job(environment=many(101, "E")), "API001", "environment"),
    (
        "metric-definitions-over-40",
        job(metric_definitions=metrics(41)),
        "API001",
        "metric_definitions",
    ),
    (
        "metric-regex-over-500",
        job(metric_definitions=(MetricDefinition(name="m", regex="x" * 501),)),
        "API001",
        "metric_definitions[0].Regex",
    ),
    (
        "channel-name",
        job(inputs=(Channel(name="train data", s3_data="s3://d/t"),)),
        "API001",
        "inputs.train data",
    ),
    ("channels-over-20", job(inputs=channels(21)), "API001", "inputs"),
    (
        "channels-over-20-with-code-channel",
        job(inputs=channels(20), enable_network_isolation=True),
        "API001",
        "inputs",
    ),
    (
        "s3-uri-without-bucket",
        job(inputs=(Channel(name="train", s3_data="s3:///x"),)),
        "API001",
        "inputs.train.s3_data",
    ),
    ("s3-uri-over-1024", job(output_path=LONG_S3), "API001", "output_path"),
    (
        "source-uri-over-2500-in-submit-directory",
        job(source_dir="s3://b/" + "p" * 2500 + ".tar.gz"),
        "API001",
        "source_dir",
    ),
    ("volume-kms-key-any-string", job(volume_kms_key="my key!"), "API001", "volume_kms_key"),
    ("output-kms-key-any-string", job(output_kms_key="key?"), "API001", "output_kms_key"),
    (
        "subnets-over-16",
        job(subnets=subnets(17), security_group_ids=security_groups(1)),
        "API001",
        "subnets",
    ),
    (
        "security-groups-over-5",
        job(subnets=subnets(1), security_group_ids=security_groups(6)),
        "API001",
        "security_group_ids",
    ),
    ("volume-size-int32-overflow", job(volume_size=2**31), "API001", "volume_size"),
    ("instance-count-int32-overflow", job(instance_count=2**31), "API001", "instance_count"),
    ("max-run-over-28-days", job(max_run=28 * 86400 + 1), "API002", "max_run"),
    (
        "instance-group-name-over-64",
        job(
            PLAIN_PYTORCH,
            instance_type=None,
            instance_groups=(
                InstanceGroup(
                    instance_group_name="g" * 65, instance_type="ml.g5.xlarge", instance_count=1
                ),
            ),
        ),
        "API001",
        "instance_groups[0].instance_group_name",
    ),
    (
        "image-uri-over-255",
        job(PLAIN_PYTORCH, image_uri="1.dkr.ecr.us-east-1.amazonaws.com/" + "i" * 230),
        "API001",
        "image_uri",
    ),
    (
        "checkpoint-local-path-over-4096",
        job(checkpoint_s3_uri="s3://c/p", checkpoint_local_path="/" + "p" * 4096),
        "API001",
        "checkpoint_local_path",
    ),
    (
        "volume-kms-key-on-local-nvme",
        job(instance_type="ml.g5.2xlarge", volume_kms_key=KEY),
        "API003",
        "volume_kms_key",
    ),
    (
        "volume-kms-key-on-local-nvme-group",
        job(
            PLAIN_PYTORCH,
            instance_type=None,
            volume_kms_key=KEY,
            instance_groups=(
                InstanceGroup(
                    instance_group_name="a", instance_type="ml.p4d.24xlarge", instance_count=1
                ),
            ),
        ),
        "API003",
        "volume_kms_key",
    ),
    (
        "pytorchddp-with-smdistributed",
        job(
            PLAIN_PYTORCH,
            distribution={
                "pytorchddp": {"enabled": True},
                "smdistributed": {"dataparallel": {"enabled": True}},
            },
        ),
        "DIST001",
        "distribution.pytorchddp",
    ),
    (
        "torch-launcher-on-tensorflow",
        job(TENSORFLOW, distribution={"torch_distributed": {"enabled": True}}),
        "DIST101",
        "distribution.torch_distributed",
    ),
    (
        "mirrored-strategy-on-pytorch",
        job(PLAIN_PYTORCH, distribution={"multi_worker_mirrored_strategy": {"enabled": True}}),
        "DIST001",
        "distribution.multi_worker_mirrored_strategy",
    ),
    (
        "distribution-on-two-groups",
        groups(2, {"mpi": {"enabled": True}}),
        "DIST001",
        "distribution",
    ),
    (
        "one-group-without-mpi",
        groups(1, {"parameter_server": {"enabled": True}}),
        "DIST001",
        "distribution",
    ),
]


def paths(spec: JobSpec, code: str) -> list[str]:
    return [f.path.split(":", 1)[1] for f in check_job(spec) if f.code == code]


@pytest.mark.parametrize(
    ("spec", "code", "path"), [c[1:] for c in FAILING], ids=[c[0] for c in FAILING]
)
def test_limit_is_reported_at_the_job_file_key(spec: JobSpec, code: str, path: str) -> None:
    assert path in paths(spec, code)


# (id, spec, code) -- at the limit, the code must not appear.
PASSING = [
    ("hyperparameters-100", job(hyperparameters=many(100 - LIBRARY_HYPERPARAMETERS)), "API001"),
    ("hyperparameter-value-2500", job(hyperparameters={"text": "x" * 2498}), "API001"),
    ("tags-50-unicode", job(tags={**many(49), "équipe": "données 1 +=.:/@-_"}), "API001"),
    ("tag-aws-inside-key", job(tags={"team-aws:x": "a"}), "API004"),
    ("environment-100", job(environment={**many(99, "E"), "_OK_1": "x" * 512}), "API001"),
    ("metric-definitions-40", job(metric_definitions=metrics(40)), "API001"),
    ("channels-20", job(inputs=channels(20)), "API001"),
    (
        "channels-19-with-code-channel",
        job(inputs=channels(19), enable_network_isolation=True),
        "API001",
    ),
    ("s3-uri-1024", job(output_path=LONG_S3[:-1]), "API001"),
    ("kms-key-arn-and-alias", job(volume_kms_key=KEY, output_kms_key="alias/training"), "API001"),
    (
        "vpc-16-subnets-5-groups",
        job(subnets=subnets(16), security_group_ids=security_groups(5)),
        "API001",
    ),
    ("int32-max", job(volume_size=2**31 - 1), "API001"),
    ("max-run-28-days", job(max_run=28 * 86400), "API002"),
    ("volume-kms-key-on-p3", job(volume_kms_key=KEY, **VPC), "API003"),
    ("nvme-without-key", job(instance_type="ml.g5.2xlarge"), "API003"),
    ("torch-launcher-on-pytorch", job(PLAIN_PYTORCH, distribution={"pytorchddp": {}}), "DIST101"),
    ("one-group-with-mpi", groups(1, {"mpi": {"enabled": True}}), "DIST001"),
    ("two-groups-without-distribution", groups(2, {}), "DIST001"),
    (
        "pytorchddp-alone",
        job(PLAIN_PYTORCH, distribution={"pytorchddp": {"enabled": True}}),
        "DIST001",
    ),
]


@pytest.mark.parametrize(("spec", "code"), [c[1:] for c in PASSING], ids=[c[0] for c in PASSING])
def test_within_the_limit_passes(spec: JobSpec, code: str) -> None:
    assert paths(spec, code) == []


def test_a_field_a_specific_rule_reports_is_not_reported_again() -> None:
    findings = check_job(job(name="bad_name"))  # JOB001; TrainingJobName breaks the pattern too
    assert [f.code for f in findings if f.path.endswith(":name")] == ["JOB001"]


def test_one_finding_per_job_file_key() -> None:
    # output_path reaches S3OutputPath, DebugHookConfig, ProfilerConfig: reported once
    assert paths(job(PLAIN_PYTORCH, output_path=LONG_S3), "API001") == ["output_path"]


def test_every_model_pattern_compiles_and_anchors() -> None:
    def patterns(shape, seen: set[str]) -> set[str]:  # type: ignore[no-untyped-def]
        if shape.name in seen:
            return set()
        seen.add(shape.name)
        found = {shape.metadata["pattern"]} if "pattern" in shape.metadata else set()
        children = {
            "structure": lambda: list(shape.members.values()),
            "list": lambda: [shape.member],
            "map": lambda: [shape.key, shape.value],
        }.get(shape.type_name, list)()
        for child in children:
            found |= patterns(child, seen)
        return found

    every = patterns(input_shape(), set())
    assert len(every) > 20
    for pattern in every:
        compiled_pattern(pattern)
    kms = compiled_pattern(request_shape("OutputDataConfig", "KmsKeyId").metadata["pattern"])
    assert kms.fullmatch("alias/x") and not kms.fullmatch("x y")


def test_walker_reports_enum_and_type_ranges() -> None:
    request = placeholder_request(PLAIN_PYTORCH)
    request["AlgorithmSpecification"]["TrainingInputMode"] = "Stream"
    request["ResourceConfig"]["KeepAlivePeriodInSeconds"] = 21601
    found = {v.path: v.message for v in model_violations(request, input_shape())}
    assert "not a value the API allows" in found[("AlgorithmSpecification", "TrainingInputMode")]
    assert "0 to 21600" in found[("ResourceConfig", "KeepAlivePeriodInSeconds")]


def test_render_values_are_checked_too() -> None:
    """`render` validates the request with its real deploy-time values."""
    request = placeholder_request(BASE)
    request["OutputDataConfig"]["S3OutputPath"] = "s3:///no-bucket"
    findings: list[Finding] = check_request(BASE, request)
    assert [(f.code, f.path) for f in findings] == [("API001", "base-job:output_path")]
    assert "s3:///no-bucket" in findings[0].message


def test_placeholder_request_is_within_every_limit() -> None:
    for spec in (BASE, PLAIN_PYTORCH, job(enable_network_isolation=True, **VPC)):
        request = placeholder_request(spec)
        assert list(model_violations(request, input_shape())) == []
        assert json.dumps(request)


def test_readme_policy_example_admits_a_g5_job(tmp_path: Path) -> None:
    """README's example once required a volume key next to ml.g5.*, which API003 refuses."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"```yaml\n# policy.yaml\n(.*?)```", readme, re.S)
    assert match is not None
    compliant = job(PLAIN_PYTORCH, tags={"team": "a", "cost-center": "1"}, max_run=3600, **VPC)
    for require_key, key, passes in [(False, None, True), (True, None, False), (True, KEY, False)]:
        text = match.group(1).replace(
            "require_volume_kms_key: false", f"require_volume_kms_key: {str(require_key).lower()}"
        )
        (tmp_path / "policy.yaml").write_text(text)
        policy = load_policy(tmp_path / "policy.yaml")
        spec = job(compliant, volume_kms_key=key)
        assert has_errors(check_job(spec, policy=policy)) is not passes, (require_key, key)


@pytest.mark.parametrize(
    ("spec", "advised"),
    [
        (job(instance_count=2), True),
        (job(HUGGINGFACE, instance_count=2), True),
        (job(TENSORFLOW, instance_count=2), False),
        (
            job(
                HUGGINGFACE,
                pytorch_version="1.10.2",
                transformers_version="4.17.0",
                instance_count=2,
            ),
            False,
        ),
    ],
    ids=["pytorch-1.13", "huggingface-pt-1.11", "tensorflow", "huggingface-pt-1.10"],
)
def test_pytorchxla_is_advised_only_where_it_exists(spec: JobSpec, advised: bool) -> None:
    assert ("TRCOMP104" in {f.code for f in check_job(spec)}) is advised


@pytest.mark.parametrize(
    "golden", sorted((ROOT / "tests" / "golden").glob("*.json")), ids=lambda p: p.stem
)
def test_requests_the_sdk_sends_are_within_every_limit(golden: Path) -> None:
    """No false alarms: every request recorded from SDK v2 passes the validator."""
    assert list(model_violations(json.loads(golden.read_text()), input_shape())) == []
