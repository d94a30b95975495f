"""Each rule, failing and passing (table-driven), plus the registry's invariants."""

from __future__ import annotations

import re

import pytest

from cdk_sagemaker_training.core.catalog import library_codes
from cdk_sagemaker_training.core.codes import Code
from cdk_sagemaker_training.core.findings import Severity
from cdk_sagemaker_training.core.model import (
    Channel,
    CompilerConfig,
    InstanceGroup,
    JobSpec,
)
from cdk_sagemaker_training.core.rules import all_rules, check_job, check_jobs
from tests.core.test_policy import POLICY_PASSING, STRICT, VIOLATIONS
from tests.core.test_request_limits import FAILING as LIMIT_FAILING
from tests.core.test_request_limits import PASSING as LIMIT_PASSING
from tests.core.test_sweep_rules import FAILING as SWEEP_FAILING
from tests.core.test_sweep_rules import PASSING as SWEEP_PASSING
from tests.factories import BASE, HUGGINGFACE, PLAIN_PYTORCH, TENSORFLOW, Case, job

XLA = {"pytorchxla": {"enabled": True}}
GROUP = "shared"
ONE_GROUP = (
    InstanceGroup(instance_group_name="a", instance_type="ml.g5.xlarge", instance_count=1),
)
POOLED = job(name="a", keep_alive_period_in_seconds=600, warm_pool_group=GROUP)
SAME_POOL = job(POOLED, name="b", keep_alive_period_in_seconds=900, hyperparameters={"lr": 1})
BIGGER_POOL = job(POOLED, name="c", volume_size=100)
OLD_HUGGINGFACE = job(HUGGINGFACE, transformers_version="4.11.0", pytorch_version="1.9.0")


# Each case must produce its code.
FAILING = [
    Case("trcomp001-cpu", job(instance_type="ml.m5.xlarge"), "TRCOMP001"),
    Case("trcomp001-p4de", job(instance_type="ml.p4de.24xlarge"), "TRCOMP001"),
    Case(
        "trcomp002-custom-image",
        job(image_uri="1.dkr.ecr.us-east-1.amazonaws.com/x:1"),
        "TRCOMP002",
    ),
    Case(
        "trcomp003-smdistributed",
        job(distribution={"smdistributed": {"dataparallel": {}}}),
        "TRCOMP003",
    ),
    Case("trcomp003-pytorchddp", job(distribution={"pytorchddp": {"enabled": True}}), "TRCOMP003"),
    Case(
        "trcomp003-tf-mirrored",
        job(TENSORFLOW, distribution={"multi_worker_mirrored_strategy": {"enabled": True}}),
        "TRCOMP003",
    ),
    Case(
        "trcomp004-groups",
        job(
            instance_type=None,
            instance_groups=(
                InstanceGroup(
                    instance_group_name="a", instance_type="ml.p3.2xlarge", instance_count=1
                ),
            ),
        ),
        "TRCOMP004",
    ),
    Case("trcomp005-hf-pt-1.13", job(HUGGINGFACE, pytorch_version="1.13.1"), "TRCOMP005"),
    Case(
        "trcomp006-hf-pt-1.10-xla",
        job(HUGGINGFACE, transformers_version="4.17.0", pytorch_version="1.10.2", distribution=XLA),
        "TRCOMP006",
    ),
    Case(
        "trcomp006-xla-plus-other",
        job(distribution={**XLA, "torch_distributed": {"enabled": True}}),
        "TRCOMP006",
    ),
    Case("trcomp006-tf-xla", job(TENSORFLOW, distribution=XLA), "TRCOMP006"),
    Case(
        "trcomp006-hf-tensorflow-xla",
        job(
            HUGGINGFACE,
            pytorch_version=None,
            tensorflow_version="2.6.3",
            transformers_version="4.17.0",
            distribution=XLA,
        ),
        "TRCOMP006",
    ),
    Case(
        "trcomp009-torch-distributed",
        job(distribution={"torch_distributed": {"enabled": True}}),
        "TRCOMP009",
    ),
    Case(
        "trcomp009-hf-mpi", job(HUGGINGFACE, distribution={"mpi": {"enabled": True}}), "TRCOMP009"
    ),
    Case("trcomp007-xla-no-compiler", job(PLAIN_PYTORCH, distribution=XLA), "TRCOMP007"),
    Case("trcomp008-tf-2.12", job(TENSORFLOW, framework_version="2.12"), "TRCOMP008"),
    Case("trcomp008-tf-2.16", job(TENSORFLOW, framework_version="2.16"), "TRCOMP008"),
    Case("trcomp008-tf-2.8", job(TENSORFLOW, framework_version="2.8"), "TRCOMP008"),
    Case("trcomp101-maintenance", BASE, "TRCOMP101"),
    Case("trcomp102-debug", job(compiler_config=CompilerConfig(debug=True)), "TRCOMP102"),
    Case("trcomp103-profiler", job(disable_profiler=False), "TRCOMP103"),
    Case(
        "trcomp104-multinode-no-xla",
        job(instance_count=2, instance_type="ml.p4d.24xlarge"),
        "TRCOMP104",
    ),
    Case("trcomp105-no-efa", job(instance_count=2, distribution=XLA), "TRCOMP105"),
    Case("wpool001-too-long", job(keep_alive_period_in_seconds=21601), "WPOOL001"),
    Case("launch001-over-a-year", job(max_run=365 * 24 * 3600 - 6 * 3600 + 1), "LAUNCH001"),
    Case("launch101-alias", job(volume_kms_key="alias/training"), "LAUNCH101"),
    Case(
        "launch101-key-id", job(volume_kms_key="1234abcd-12ab-34cd-56ef-1234567890ab"), "LAUNCH101"
    ),
    Case("wpool001-negative", job(keep_alive_period_in_seconds=-1), "WPOOL001"),
    Case(
        "wpool002-spot",
        job(keep_alive_period_in_seconds=60, use_spot_instances=True, max_wait=90000),
        "WPOOL002",
    ),
    Case(
        "wpool003-groups",
        job(
            PLAIN_PYTORCH,
            instance_type=None,
            keep_alive_period_in_seconds=60,
            instance_groups=(
                InstanceGroup(
                    instance_group_name="a", instance_type="ml.g5.xlarge", instance_count=1
                ),
            ),
        ),
        "WPOOL003",
    ),
    Case("wpool101-above-3600", job(keep_alive_period_in_seconds=7200), "WPOOL101"),
    Case("wpool102-quota", job(keep_alive_period_in_seconds=600), "WPOOL102"),
    Case("wpool103-group-no-keep-alive", job(warm_pool_group=GROUP), "WPOOL103"),
    Case("wpool103-cache-no-keep-alive", job(use_warm_pool_cache=True), "WPOOL103"),
    Case("job001-underscore", job(name="my_job"), "JOB001"),
    Case("job001-too-long", job(name="a" * 43), "JOB001"),
    Case("job001-leading-hyphen", job(name="-job"), "JOB001"),
    Case("job002-hf-missing-transformers", job(HUGGINGFACE, transformers_version=None), "JOB002"),
    Case("job002-hf-both-bases", job(HUGGINGFACE, tensorflow_version="2.6.3"), "JOB002"),
    Case("job002-pytorch-missing-version", job(framework_version=None), "JOB002"),
    Case("job002-pytorch-foreign-key", job(transformers_version="4.21.1"), "JOB002"),
    Case("image001-unknown-version", job(framework_version="1.14.0"), "IMAGE001"),
    Case("image001-wrong-py", job(py_version="py27"), "IMAGE001"),
    Case("job003-no-instances", job(instance_type=None), "JOB003"),
    Case("job004-zero-instances", job(instance_count=0), "JOB004"),
    Case("job004-zero-volume", job(volume_size=0), "JOB004"),
    Case("job004-retries", job(max_retry_attempts=31), "JOB004"),
    Case("job004-max-run", job(max_run=0), "JOB004"),
    Case("job004-concurrency", job(max_concurrent_runs=0), "JOB004"),
    Case("job005-input-not-s3", job(inputs=(Channel(name="train", s3_data="/data"),)), "JOB005"),
    Case("job005-output-not-s3", job(output_path="gs://bucket"), "JOB005"),
    Case("job005-source-zip", job(source_dir="s3://b/code.zip"), "JOB005"),
    Case("job006-unknown-type", job(instance_type="ml.p3.3xlarge"), "JOB006"),
    Case("job007-spot-no-wait", job(PLAIN_PYTORCH, use_spot_instances=True), "JOB007"),
    Case(
        "job007-wait-below-run", job(PLAIN_PYTORCH, use_spot_instances=True, max_wait=10), "JOB007"
    ),
    Case("job007-wait-without-spot", job(max_wait=90000), "JOB007"),
    Case("job008-role", job(role="my-role"), "JOB008"),
    Case(
        "job008-role-non-ascii", job(role="arn:aws:iam::111122223333:role/tr\u00e4ining"), "JOB008"
    ),
    Case("job008-account-non-ascii", job(role="arn:aws:iam::11112222333\u0663:role/r"), "JOB008"),
    Case("job009-missing-dir", job(source_dir="no/such/dir"), "JOB009"),
    Case("job009-absolute-entry", job(entry_point="/abs/train.py"), "JOB009"),
    Case(
        "job010-local-checkpoint-only", job(checkpoint_local_path="/opt/ml/checkpoints"), "JOB010"
    ),
    Case("job011-unknown-distribution", job(PLAIN_PYTORCH, distribution={"horovod": {}}), "JOB011"),
    Case(
        "job012-reserved-hyperparameter", job(hyperparameters={"sagemaker_program": "x"}), "JOB012"
    ),
    Case(
        "job012-code-channel-isolated",
        job(enable_network_isolation=True, inputs=(Channel(name="code", s3_data="s3://b/c"),)),
        "JOB012",
    ),
    Case("job013-stack-name", job(stack="my_stack"), "JOB013"),
    Case("net001-subnets-only", job(subnets=("subnet-0123456789abcdef0",)), "NET001"),
    Case(
        "net001-bad-subnet",
        job(subnets=("vpc-1",), security_group_ids=("sg-0123456789abcdef0",)),
        "NET001",
    ),
    Case("wpool004-bigger-volume", (POOLED, SAME_POOL, BIGGER_POOL), "WPOOL004"),
    Case("job014-split-stacks", (job(POOLED, stack="nlp"), SAME_POOL), "JOB014"),
    Case("image002-not-in-region", OLD_HUGGINGFACE, "IMAGE002", region="ap-south-1"),
]
ALL_FAILING = [
    *FAILING,
    *(Case(f"policy-{i}", s, c, policy=STRICT) for i, s, c, _ in VIOLATIONS),
    *(Case(i, s, c) for i, s, c, _ in LIMIT_FAILING),
    *(Case(i, s, c) for i, s, c, _ in SWEEP_FAILING),
]


@pytest.mark.parametrize("case", FAILING, ids=[c.id for c in FAILING])
def test_rule_reports(case: Case) -> None:
    assert case.code in case.codes()


# The passing side of each rule, next to its failing case: the code must NOT appear.
PASSING = [
    Case("trcomp001-g5", job(instance_type="ml.g5.12xlarge"), "TRCOMP001"),
    Case(
        "trcomp001-no-compiler-cpu", job(PLAIN_PYTORCH, instance_type="ml.m5.xlarge"), "TRCOMP001"
    ),
    Case(
        "trcomp002-custom-image-no-compiler",
        job(PLAIN_PYTORCH, image_uri="1.dkr.ecr.us-east-1.amazonaws.com/x:1"),
        "TRCOMP002",
    ),
    Case(
        "trcomp003-smdistributed-no-compiler",
        job(PLAIN_PYTORCH, distribution={"smdistributed": {}}),
        "TRCOMP003",
    ),
    Case(
        "trcomp004-groups-no-compiler",
        job(PLAIN_PYTORCH, instance_type=None, instance_groups=ONE_GROUP),
        "TRCOMP004",
    ),
    Case("trcomp005-hf-pt-1.11", HUGGINGFACE, "TRCOMP005"),
    Case("trcomp006-pytorch-1.13-xla", job(distribution=XLA), "TRCOMP006"),
    Case("trcomp006-hf-1.11-xla", job(HUGGINGFACE, distribution=XLA), "TRCOMP006"),
    Case(
        "trcomp009-old-pytorch-mpi",
        job(
            HUGGINGFACE,
            transformers_version="4.17.0",
            pytorch_version="1.10.2",
            distribution={"mpi": {"enabled": True}},
        ),
        "TRCOMP009",
    ),
    Case(
        "trcomp009-no-compiler",
        job(PLAIN_PYTORCH, distribution={"torch_distributed": {"enabled": True}}),
        "TRCOMP009",
    ),
    Case(
        "trcomp009-smdistributed-is-trcomp003", job(distribution={"smdistributed": {}}), "TRCOMP009"
    ),
    Case("trcomp007-xla-with-compiler", job(distribution=XLA), "TRCOMP007"),
    Case("trcomp008-tf-2.11", TENSORFLOW, "TRCOMP008"),
    Case(
        "trcomp008-tf-2.16-no-compiler",
        job(TENSORFLOW, compiler_config=None, framework_version="2.16"),
        "TRCOMP008",
    ),
    Case(
        "trcomp101-disabled-compiler",
        job(compiler_config=CompilerConfig(enabled=False)),
        "TRCOMP101",
    ),
    Case(
        "trcomp102-debug-without-compiler",
        job(compiler_config=CompilerConfig(enabled=False, debug=True)),
        "TRCOMP102",
    ),
    Case("trcomp103-profiler-default", BASE, "TRCOMP103"),
    Case(
        "trcomp104-xla",
        job(instance_count=2, instance_type="ml.p4d.24xlarge", distribution=XLA),
        "TRCOMP104",
    ),
    Case(
        "trcomp105-efa",
        job(instance_count=2, instance_type="ml.p4d.24xlarge", distribution=XLA),
        "TRCOMP105",
    ),
    Case("wpool001-max", job(keep_alive_period_in_seconds=21600), "WPOOL001"),
    Case("launch001-a-year", job(max_run=365 * 24 * 3600 - 6 * 3600), "LAUNCH001"),
    Case(
        "launch101-key-arn",
        job(volume_kms_key="arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab"),
        "LAUNCH101",
    ),
    Case(
        "wpool002-spot-without-pool",
        job(use_spot_instances=True, max_wait=90000),
        "WPOOL002",
    ),
    Case(
        "wpool003-groups-without-pool",
        job(PLAIN_PYTORCH, instance_type=None, instance_groups=ONE_GROUP),
        "WPOOL003",
    ),
    Case("wpool004-same-pool", (POOLED, SAME_POOL), "WPOOL004"),
    Case("wpool101-3600", job(keep_alive_period_in_seconds=3600), "WPOOL101"),
    Case("wpool102-no-pool", BASE, "WPOOL102"),
    Case(
        "wpool103-group-with-pool",
        job(keep_alive_period_in_seconds=60, warm_pool_group=GROUP),
        "WPOOL103",
    ),
    Case("job001-42-chars", job(name="a" * 42), "JOB001"),
    Case(
        "job002-hf-tensorflow",
        job(
            HUGGINGFACE,
            pytorch_version=None,
            tensorflow_version="2.6.3",
            transformers_version="4.17.0",
        ),
        "JOB002",
    ),
    Case(
        "job002-explicit-image",
        job(
            PLAIN_PYTORCH, framework_version=None, image_uri="1.dkr.ecr.us-east-1.amazonaws.com/x:1"
        ),
        "JOB002",
    ),
    Case(
        "job003-groups-only",
        job(PLAIN_PYTORCH, instance_type=None, instance_groups=ONE_GROUP),
        "JOB003",
    ),
    Case("job004-retries-30", job(max_retry_attempts=30), "JOB004"),
    Case("job005-source-archive", job(source_dir="s3://b/code.tar.gz"), "JOB005"),
    Case("job006-known-type", job(instance_type="ml.p3.8xlarge"), "JOB006"),
    Case("job007-spot-ok", job(PLAIN_PYTORCH, use_spot_instances=True, max_wait=86400), "JOB007"),
    Case("job008-role-ok", job(role="arn:aws:iam::111122223333:role/path/training-role"), "JOB008"),
    Case("job009-local-ok", job(source_dir="training/pytorch_xla"), "JOB009"),
    Case(
        "job010-both",
        job(checkpoint_s3_uri="s3://b/c", checkpoint_local_path="/opt/ml/checkpoints"),
        "JOB010",
    ),
    Case(
        "job011-known-distribution",
        job(PLAIN_PYTORCH, distribution={"torch_distributed": {"enabled": True}}),
        "JOB011",
    ),
    Case(
        "job012-code-channel-without-isolation",
        job(hyperparameters={"program": "x"}, inputs=(Channel(name="code", s3_data="s3://b/c"),)),
        "JOB012",
    ),
    Case("job013-stack-name", job(stack="Team-NLP-1"), "JOB013"),
    Case("job014-one-stack", (job(POOLED, stack="nlp"), job(SAME_POOL, stack="nlp")), "JOB014"),
    Case("image001-supported", job(framework_version="1.12.0", py_version=None), "IMAGE001"),
    Case("image002-in-region", OLD_HUGGINGFACE, "IMAGE002", region="us-west-2"),
    Case(
        "net001-complete",
        job(subnets=("subnet-0123456789abcdef0",), security_group_ids=("sg-0123456789abcdef0",)),
        "NET001",
    ),
]


ALL_PASSING = [
    *PASSING,
    *(case._replace(policy=STRICT) for case in POLICY_PASSING),
    *(Case(i, s, c) for i, s, c in LIMIT_PASSING),
    *(Case(i, s, c) for i, s, c in SWEEP_PASSING),
]


@pytest.mark.parametrize("case", PASSING, ids=[c.id for c in PASSING])
def test_rule_passes(case: Case) -> None:
    assert case.code not in case.codes()


def test_every_rule_has_a_failing_case() -> None:
    """A code counts as tested only if one of its failing cases really produces it."""
    produced = {case.code for case in ALL_FAILING if case.code in case.codes()}
    assert {r.code for r in all_rules()} - produced == set()


def test_every_rule_has_a_passing_case() -> None:
    """... and one of its passing cases really does not."""
    passed = {case.code for case in ALL_PASSING if case.code not in case.codes()}
    assert {r.code for r in all_rules()} - passed == set()


def test_valid_jobs_have_no_errors() -> None:
    for spec in (BASE, HUGGINGFACE, TENSORFLOW, PLAIN_PYTORCH):
        assert not [f for f in check_job(spec, region="us-east-1") if f.severity is Severity.ERROR]


def test_image_missing_in_region_names_where_it_is() -> None:
    findings = [f for f in check_job(OLD_HUGGINGFACE, region="ap-south-1") if f.code == "IMAGE002"]
    assert findings and "us-east-1" in findings[0].message


def test_findings_name_the_field_and_the_file_or_job() -> None:
    finding = next(f for f in check_job(job(instance_type="ml.m5.xlarge")) if f.code == "TRCOMP001")
    assert finding.path == "base-job:instance_type"
    assert "ml.m5.xlarge" in finding.message and "p3" in finding.message


def test_warm_pool_group_names_first_differing_key() -> None:
    findings = [f for f in check_jobs([POOLED, SAME_POOL, BIGGER_POOL]) if f.code == "WPOOL004"]
    assert len(findings) == 1
    assert findings[0].path == "c:volume_size"
    assert "VolumeSizeInGB is 100" in findings[0].message and "'a'" in findings[0].message


def test_warm_pool_group_roles_must_match() -> None:
    role = "arn:aws:iam::111122223333:role/other"
    members = [
        job(name="a", keep_alive_period_in_seconds=60, warm_pool_group=GROUP),
        job(name="b", keep_alive_period_in_seconds=60, warm_pool_group=GROUP, role=role),
    ]
    findings = [f for f in check_jobs(members) if f.code == "WPOOL004"]
    assert findings and findings[0].path == "b:role"


def test_crashing_rule_becomes_a_finding(monkeypatch: pytest.MonkeyPatch) -> None:
    from cdk_sagemaker_training.core.rules import registry

    def broken(spec: JobSpec, context: registry.RuleContext) -> list[tuple[str, str]]:
        raise ZeroDivisionError("boom")

    definition = Code(code="TEST001", severity=Severity.ERROR, title="t", fix="f")
    crashing = registry.Rule(definition=definition, check=broken)
    monkeypatch.setattr(registry, "RULES", [*registry.RULES, crashing])
    monkeypatch.setattr("cdk_sagemaker_training.core.rules.RULES", registry.RULES)
    findings = check_job(BASE)
    crash = [f for f in findings if f.code == "RULE001"]
    assert crash and "TEST001" in crash[0].message and "boom" in crash[0].message
    assert "TRCOMP101" in {f.code for f in findings}  # the other rules still ran


def test_severity_follows_the_code_range() -> None:
    for code in library_codes():
        number = int(re.sub(r"^[A-Z]+", "", code.code))
        expected = Severity.WARNING if number >= 100 else Severity.ERROR
        assert code.severity is expected, code.code


def test_warm_pool_group_stack_finding_names_the_second_job() -> None:
    split = [job(POOLED, stack="nlp"), SAME_POOL]
    findings = [f for f in check_jobs(split) if f.code == "JOB014"]
    assert [f.path for f in findings] == ["b:stack"]
