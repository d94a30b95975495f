"""Image resolution from the sagemaker-core tables, in regular and irregular regions."""

from __future__ import annotations

import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.image_tables import dns_suffix, image_table, tables_folder
from cdk_sagemaker_training.core.images import _config_name, resolve_image
from cdk_sagemaker_training.core.model import CompilerConfig, Framework
from tests.factories import BASE, HUGGINGFACE, PLAIN_PYTORCH, TENSORFLOW, job

DEFAULT_ACCOUNT = "763104351884"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            HUGGINGFACE,
            "huggingface-pytorch-trcomp-training:1.11.0-transformers4.21.1-gpu-py38-cu113-ubuntu20.04",
        ),
        (BASE, "pytorch-trcomp-training:1.13.1-gpu-py39"),
        (
            job(framework_version="1.12.0", py_version=None),
            "pytorch-trcomp-training:1.12.0-gpu-py38",
        ),
        (TENSORFLOW, "tensorflow-training:2.11-gpu-py39"),
        (job(TENSORFLOW, framework_version="2.9"), "tensorflow-training:2.9-gpu-py39"),
        (PLAIN_PYTORCH, "pytorch-training:2.1-gpu-py310"),
        (
            job(
                HUGGINGFACE,
                transformers_version="4.17.0",
                pytorch_version=None,
                tensorflow_version="2.6.3",
                py_version=None,
            ),
            "huggingface-tensorflow-trcomp-training:2.6.3-transformers4.17.0-gpu-py38-cu112-ubuntu20.04",
        ),
    ],
    ids=[
        "hf-pytorch",
        "pytorch-1.13",
        "pytorch-1.12-default-py",
        "tensorflow-2.11",
        "tensorflow-2.9",
        "plain-pytorch",
        "hf-tensorflow",
    ],
)
def test_resolves_repository_and_tag(spec: object, expected: str) -> None:
    image = resolve_image(spec)  # type: ignore[arg-type]
    assert f"{image.repository}:{image.tag}" == expected
    assert image.uri("us-east-1") == f"{DEFAULT_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{expected}"


def test_irregular_registry_regions() -> None:
    image = resolve_image(HUGGINGFACE)
    assert image.account("ap-southeast-3") == "907027046896"
    assert image.account("me-central-1") == "914824155844"
    assert image.uri("af-south-1").startswith("626614931356.dkr.ecr.af-south-1.amazonaws.com/")
    assert len(set(image.registries.values())) > 10  # many regions have their own account


def test_compiler_images_have_no_china_regions_but_plain_ones_do() -> None:
    assert not any(r.startswith("cn-") for r in resolve_image(BASE).registries)
    plain = resolve_image(PLAIN_PYTORCH)
    assert plain.uri("cn-north-1").endswith(".amazonaws.com.cn/pytorch-training:2.1-gpu-py310")


def test_small_region_table_of_transformers_4_11() -> None:
    old = job(HUGGINGFACE, transformers_version="4.11.0", pytorch_version="1.9.0", py_version=None)
    assert len(resolve_image(old).registries) == 5
    with pytest.raises(SpecError) as raised:
        resolve_image(old).uri("ap-south-1")
    assert raised.value.findings[0].code == "IMAGE002"
    assert "us-east-1" in raised.value.findings[0].message


def test_compiler_switches_the_table() -> None:
    plain = resolve_image(job(compiler_config=CompilerConfig(enabled=False)))
    assert plain.repository == "pytorch-training"


@pytest.mark.parametrize(
    ("spec", "field", "supported"),
    [
        (job(framework_version="1.14"), "framework_version", "1.13.1"),
        (job(HUGGINGFACE, pytorch_version="1.13.1"), "pytorch_version", "1.11.0"),
        (job(py_version="py27"), "py_version", "py39"),
        (job(HUGGINGFACE, transformers_version="4.99.0"), "transformers_version", "4.21.1"),
    ],
    ids=["pytorch-version", "hf-base-version", "py-version", "transformers-version"],
)
def test_unsupported_combination_lists_supported(spec: object, field: str, supported: str) -> None:
    with pytest.raises(SpecError) as raised:
        resolve_image(spec)  # type: ignore[arg-type]
    finding = raised.value.findings[0]
    assert (finding.code, finding.path) == ("IMAGE001", field)
    assert supported in finding.message


@pytest.mark.parametrize(
    "spec",
    [
        job(instance_type="ml.m5.xlarge"),
        job(PLAIN_PYTORCH, instance_type="ml.p2.xlarge"),
        job(TENSORFLOW, compiler_config=None, instance_type="ml.trn1.2xlarge"),
    ],
    ids=["cpu-for-gpu-only-compiler-image", "pytorch-2.1-on-p2", "tensorflow-on-trainium"],
)
def test_instance_types_without_an_image(spec: object) -> None:
    with pytest.raises(SpecError) as raised:
        resolve_image(spec)  # type: ignore[arg-type]
    finding = raised.value.findings[0]
    assert (finding.code, finding.path) == ("IMAGE001", "instance_type")
    assert spec.instance_type in finding.message  # type: ignore[attr-defined]


def test_trainium_reads_the_neuron_table() -> None:
    spec = job(PLAIN_PYTORCH, framework_version="1.11.0", py_version="py38")
    image = resolve_image(job(spec, instance_type="ml.trn1.2xlarge"))
    assert f"{image.repository}:{image.tag}".startswith(
        "pytorch-training-neuron:1.11.0-neuron-py38-"
    )


def test_explicit_image_uri() -> None:
    uri = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/my/train:7"
    image = resolve_image(job(PLAIN_PYTORCH, image_uri=uri))
    assert image.uri("us-east-1") == uri
    assert (image.repository, image.tag, dict(image.registries)) == (
        "my/train",
        "7",
        {"eu-west-1": "111122223333"},
    )


@pytest.mark.parametrize("compiler", [False, True], ids=["plain", "compiler"])
@pytest.mark.parametrize("framework", list(Framework), ids=str)
def test_every_framework_has_an_sdk_training_table(framework: Framework, compiler: bool) -> None:
    """A `Framework` member the SDK's tables do not know would fail every job that uses it."""
    assert image_table(_config_name(framework, compiler))["training"]["versions"]


@pytest.mark.parametrize(
    ("region", "suffix"),
    [
        ("us-east-1", "amazonaws.com"),
        ("cn-northwest-1", "amazonaws.com.cn"),
        ("us-gov-west-1", "amazonaws.com"),
        ("us-iso-east-1", "c2s.ic.gov"),
        ("eusc-de-east-1", "amazonaws.eu"),
        ("us-isof-east-9", "csp.hci.ic.gov"),
    ],
)
def test_registry_domain_follows_the_partition(region: str, suffix: str) -> None:
    """botocore's partitions: listed regions, then region patterns (`us-isof-east-9` is new)."""
    assert dns_suffix(region) == suffix


def test_tables_are_found_without_running_the_sdk_package() -> None:
    assert (tables_folder() / "pytorch.json").is_file()
    assert tables_folder().parts[-3:] == ("sagemaker", "core", "image_uri_config")
