"""Request rendering: equal to what SDK v2 sends, valid for botocore, one test per feature."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.loader import load_jobs
from cdk_sagemaker_training.core.model import Channel, InstanceGroup, JobSpec
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.core.rules import check_job, has_errors
from cdk_sagemaker_training.core.rules.job import KNOWN_DISTRIBUTIONS
from cdk_sagemaker_training.core.service_model import validation_errors
from tests.factories import BASE, HUGGINGFACE, PLAIN_PYTORCH, TENSORFLOW, job

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
ROLE = "arn:aws:iam::111122223333:role/training"
SOURCE = "s3://golden-bucket/source/sourcedir.tar.gz"
OUTPUT = "s3://golden-bucket/output"
RECORDED_JOBS = [
    spec
    for folder in ("jobs", "tests/fixtures/jobs", "tests/fixtures/shapes")
    for spec in load_jobs(ROOT / folder)
]
"""Every job tools/sdk_v2_golden.py records with the real SDK v2 estimators."""
GOLDEN_JOBS = [s for s in RECORDED_JOBS if (GOLDEN / f"{s.name}.json").exists()]
REFUSED_JOBS = [s for s in RECORDED_JOBS if (GOLDEN / f"{s.name}.sdk-error.txt").exists()]


def render(spec: JobSpec, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "region": "us-east-1",
        "role_arn": ROLE,
        "job_name": f"{spec.name}-20260101T000000-abcd",
        "source_uri": SOURCE if spec.source_is_local else None,
        "output_path": None if spec.output_path else OUTPUT,
    }
    return render_request(spec, **{**args, **overrides})


def test_every_recorded_job_has_a_golden_request_or_an_sdk_refusal() -> None:
    assert len(GOLDEN_JOBS) + len(REFUSED_JOBS) == len(RECORDED_JOBS)


@pytest.mark.parametrize("spec", GOLDEN_JOBS, ids=[s.name for s in GOLDEN_JOBS])
def test_request_equals_what_sdk_v2_sends(spec: JobSpec) -> None:
    """The region and job name of each recording travel in its hyperparameters."""
    golden = json.loads((GOLDEN / f"{spec.name}.json").read_text())
    region = json.loads(golden["HyperParameters"]["sagemaker_region"])
    assert not has_errors(check_job(spec, region=region))
    assert render(spec, region=region) == golden


@pytest.mark.parametrize("spec", REFUSED_JOBS, ids=[s.name for s in REFUSED_JOBS])
def test_what_sdk_v2_refuses_the_rules_reject(spec: JobSpec) -> None:
    assert has_errors(check_job(spec)), (GOLDEN / f"{spec.name}.sdk-error.txt").read_text()


def test_goldens_cover_every_distribution_of_every_estimator() -> None:
    covered = {(s.framework.value, key) for s in RECORDED_JOBS for key in s.distribution}
    torch = ("pytorchxla", "smdistributed", "pytorchddp", "torch_distributed", "mpi")
    accepted = {
        "huggingface": torch,
        "pytorch": (*torch, "parameter_server"),
        "tensorflow": (
            "smdistributed",
            "multi_worker_mirrored_strategy",
            "mpi",
            "parameter_server",
        ),
    }
    assert {(f, key) for f, keys in accepted.items() for key in keys} <= covered
    assert {key for _, key in covered} == set(KNOWN_DISTRIBUTIONS)


def test_goldens_cover_every_framework_and_feature() -> None:
    requests = [render(s) for s in GOLDEN_JOBS]
    images = " ".join(r["AlgorithmSpecification"]["TrainingImage"] for r in requests)
    for repository in (
        "huggingface-pytorch-trcomp",
        "huggingface-tensorflow-trcomp",
        "pytorch-trcomp",
        "tensorflow-training",
        "pytorch-training",
    ):
        assert repository in images
    keys = {key for r in requests for key in r}
    assert {
        "VpcConfig",
        "CheckpointConfig",
        "RetryStrategy",
        "EnableManagedSpotTraining",
        "EnableNetworkIsolation",
        "EnableInterContainerTrafficEncryption",
        "Environment",
        "Tags",
    } <= keys


EXTRA = [
    job(
        PLAIN_PYTORCH,
        instance_type=None,
        instance_groups=(
            InstanceGroup(
                instance_group_name="gpu", instance_type="ml.g5.xlarge", instance_count=2
            ),
            InstanceGroup(
                instance_group_name="cpu", instance_type="ml.c5.xlarge", instance_count=1
            ),
        ),
        distribution={"mpi": {"enabled": True, "processes_per_host": 4}},
    ),
    job(TENSORFLOW, keep_alive_period_in_seconds=21600),
    job(
        HUGGINGFACE,
        role="arn:aws:iam::111122223333:role/own",
        use_warm_pool_cache=True,
        keep_alive_period_in_seconds=60,
    ),
]


@pytest.mark.parametrize(
    "spec",
    [*GOLDEN_JOBS, *EXTRA],
    ids=[*(s.name for s in GOLDEN_JOBS), "instance-groups", "max-keep-alive", "own-role"],
)
def test_every_rendered_request_passes_botocore_validation(spec: JobSpec) -> None:
    assert validation_errors(render(spec)) is None


def test_validation_catches_a_broken_request() -> None:
    request = render(BASE)
    request["ResourceConfig"]["InstanceCount"] = "two"
    assert validation_errors(request) is not None


def test_keep_alive_only_when_a_pool_is_kept() -> None:
    assert "KeepAlivePeriodInSeconds" not in render(BASE)["ResourceConfig"]
    assert (
        render(job(keep_alive_period_in_seconds=900))["ResourceConfig"]["KeepAlivePeriodInSeconds"]
        == 900
    )


def test_compiler_hyperparameters() -> None:
    hyperparameters = render(job(distribution={"pytorchxla": {"enabled": True}}))["HyperParameters"]
    assert hyperparameters["sagemaker_training_compiler_enabled"] == "true"
    assert hyperparameters["sagemaker_training_compiler_debug_mode"] == "false"
    assert hyperparameters["sagemaker_pytorch_xla_multi_worker_enabled"] == "true"
    plain = render(PLAIN_PYTORCH)["HyperParameters"]
    assert not any(key.startswith("sagemaker_training_compiler") for key in plain)


def test_hyperparameters_are_json_encoded_like_the_sdk() -> None:
    hp = render(job(hyperparameters={"epochs": 3, "lr": 5e-5, "opt": "adam", "flag": True}))[
        "HyperParameters"
    ]
    assert (hp["epochs"], hp["lr"], hp["opt"], hp["flag"]) == ("3", "5e-05", '"adam"', "true")
    assert hp["sagemaker_program"] == '"train.py"' and hp["sagemaker_container_log_level"] == "20"
    assert hp["sagemaker_job_name"] == '"base-job-20260101T000000-abcd"'


def test_warm_pool_cache_environment_and_user_override() -> None:
    environment = render(
        job(
            use_warm_pool_cache=True,
            keep_alive_period_in_seconds=60,
            environment={"HF_HOME": "/tmp/hf"},
        )
    )["Environment"]
    assert environment["PIP_CACHE_DIR"] == "/opt/ml/sagemaker/warmpoolcache/pip"
    assert environment["HF_HOME"] == "/tmp/hf"


def test_network_isolation_ships_code_as_a_channel() -> None:
    request = render(
        job(enable_network_isolation=True, inputs=(Channel(name="train", s3_data="s3://d/t"),))
    )
    assert request["EnableNetworkIsolation"] is True
    assert [c["ChannelName"] for c in request["InputDataConfig"]] == ["train", "code"]
    assert (
        request["HyperParameters"]["sagemaker_submit_directory"]
        == '"/opt/ml/input/data/code/sourcedir.tar.gz"'
    )


def test_profiler_defaults_off_for_compiler_jobs_only() -> None:
    assert render(BASE)["ProfilerConfig"] == {"DisableProfiler": True}
    assert render(PLAIN_PYTORCH)["ProfilerConfig"]["DisableProfiler"] is False
    assert "DebugHookConfig" not in render(BASE)


def test_tokens_and_placeholders_pass_through() -> None:
    request = render(
        BASE, region="${Token[AWS.Region.1]}", job_name="__JOB_NAME__", image_uri="IMAGE"
    )
    assert request["HyperParameters"]["sagemaker_region"] == '"${Token[AWS.Region.1]}"'
    assert request["HyperParameters"]["sagemaker_job_name"] == '"__JOB_NAME__"'
    assert request["AlgorithmSpecification"]["TrainingImage"] == "IMAGE"


def test_tensorflow_model_dir_follows_output_and_job_name() -> None:
    assert (
        render(TENSORFLOW)["HyperParameters"]["model_dir"]
        == '"s3://out-bucket/base/base-job-20260101T000000-abcd/model"'
    )


@pytest.mark.parametrize(
    ("spec", "overrides", "path"),
    [
        (job(source_dir="training/pytorch_xla"), {"source_uri": None}, "source_dir"),
        (job(source_dir=None), {"source_uri": None}, "source_dir"),
        (job(output_path=None), {"output_path": None}, "output_path"),
    ],
    ids=["local-source-without-uri", "no-source", "no-output"],
)
def test_missing_deploy_time_values(spec: JobSpec, overrides: dict[str, Any], path: str) -> None:
    with pytest.raises(SpecError) as raised:
        render_request(spec, region="us-east-1", role_arn=ROLE, job_name="x", **overrides)
    assert (raised.value.findings[0].code, raised.value.findings[0].path) == ("RENDER001", path)
