"""Our image lookup agrees with the SDK's `get_training_image_uri` over the whole tables.

The tables stay the single source of truth: for every table we read (each framework, with
and without the compiler) the test walks every version and version alias, every base
framework version and alias (Hugging Face), every Python version (plus none and an
unknown one) and one instance type per way the SDK treats a family (GPU, CPU, p4d, P2,
Trainium), and compares the URI in us-east-1; then every version's default image in every
region of every table (plus one unknown region). Where the SDK raises, we must report
IMAGE001/IMAGE002. Versions left unset are out of scope: the SDK picks the newest, we ask
for one (rule JOB002 reports a missing version).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

import botocore.session
import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.image_tables import image_table
from cdk_sagemaker_training.core.images import ImageQuery, _config_name, _resolve_dlc
from cdk_sagemaker_training.core.model import Framework

INSTANCE_TYPES = (
    "ml.p3.2xlarge",
    "ml.m5.xlarge",
    "ml.p4d.24xlarge",
    "ml.p2.xlarge",
    "ml.trn1.2xlarge",
)
"""One per treatment in the SDK: gpu, cpu, p4d tag suffixes, P2 refusals, Neuron tables."""
LOOKUP_REGION = "us-east-1"
UNKNOWN_REGION = "xx-nowhere-1"
TABLES = [(framework, compiler) for framework in Framework for compiler in (False, True)]
Outcome = str | None
"""A URI, or None where the lookup refuses."""


@pytest.fixture(scope="module")
def sdk(monkeypatch_module: pytest.MonkeyPatch) -> Any:
    """`sagemaker.core.image_uris`, reading each table file and botocore's endpoint table
    once (it re-reads both on every call, 50-100 ms)."""
    from sagemaker.core import common_utils, image_uris

    for module, name in (
        (image_uris, "config_for_framework"),
        (common_utils, "_botocore_resolver"),
    ):
        monkeypatch_module.setattr(module, name, functools.cache(getattr(module, name)))
    return image_uris


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _sdk_uri(sdk: Any, query: ImageQuery, region: str) -> Outcome:
    base = query.base_version
    try:
        uri: str = sdk.get_training_image_uri(
            region,
            query.framework,
            framework_version=query.version,
            py_version=query.py_version,
            compiler_config=_compiler_config() if query.compiler else None,
            pytorch_version=base if query.base_kind == "pytorch" else None,
            tensorflow_version=base if query.base_kind == "tensorflow" else None,
            instance_type=query.instance_type,
        )
    except (ValueError, KeyError, TypeError, UnboundLocalError):  # how the SDK refuses
        return None
    return uri


@functools.cache
def _compiler_config() -> Any:
    from sagemaker.core.training_compiler.config import TrainingCompilerConfig

    return TrainingCompilerConfig()


def _our_uri(query: ImageQuery, region: str) -> Outcome:
    try:
        return _resolve_dlc(query).uri(region)
    except SpecError as error:
        assert {f.code for f in error.findings} <= {"IMAGE001", "IMAGE002"}, error
        return None


def _training(framework: Framework, compiler: bool) -> Mapping[str, Any]:
    config: Mapping[str, Any] = image_table(_config_name(framework, compiler))["training"]
    return config


def _versions(config: Mapping[str, Any]) -> list[str]:
    return [*config["versions"], *config.get("version_aliases", {})]


def _bases(framework: Framework, entry: Mapping[str, Any]) -> list[tuple[str | None, str | None]]:
    """(kind, version) pairs a Hugging Face entry offers, with their aliases and none."""
    if framework is not Framework.HUGGINGFACE:
        return [(None, None)]
    names = [k for k in entry if k != "version_aliases"] + list(entry.get("version_aliases", {}))
    pairs: list[tuple[str | None, str | None]] = [(None, None)]
    for name in names:
        kind = "pytorch" if name.startswith("pytorch") else "tensorflow"
        pairs.append((kind, name.removeprefix(kind)))
    return pairs


def _py_versions(entry: Mapping[str, Any]) -> set[str | None]:
    """Every Python version anywhere under a table entry, plus none and an unknown one."""
    found: set[str | None] = {None, "py27"}
    for key, value in entry.items():
        if key == "py_versions":
            found.update(value)
        elif key.startswith("py") and isinstance(value, dict):
            found.add(key)
        elif isinstance(value, dict) and key not in ("registries", "container_version"):
            found |= _py_versions(value)
    return found


def _queries(framework: Framework, compiler: bool) -> Iterator[ImageQuery]:
    config = _training(framework, compiler)
    for version in _versions(config):
        entry = config["versions"][config.get("version_aliases", {}).get(version, version)]
        for (kind, base), py_version, instance_type in (
            (b, p, i)
            for b in _bases(framework, entry)
            for p in _py_versions(entry)
            for i in INSTANCE_TYPES
        ):
            yield ImageQuery(
                framework=framework.value,
                version=version,
                base_kind=kind,
                base_version=base,
                py_version=py_version,
                instance_type=instance_type,
                compiler=compiler,
            )


def _compare(sdk: Any, queries: Iterator[ImageQuery], regions: list[str]) -> list[str]:
    """The disagreements; fails unless both sides resolve some queries and refuse others."""
    found, outcomes = [], set()
    for query in queries:
        for region in regions:
            theirs, ours = _sdk_uri(sdk, query, region), _our_uri(query, region)
            outcomes.add(theirs is None)
            if theirs != ours:
                found.append(f"{query} in {region}: SDK {theirs}, ours {ours}")
    assert outcomes == {True, False}, "every case resolved, or none: the walk is broken"
    return found


@pytest.mark.parametrize(("framework", "compiler"), TABLES, ids=lambda v: str(v))
def test_every_version_python_and_instance_family(
    sdk: Any, framework: Framework, compiler: bool
) -> None:
    queries = list(_queries(framework, compiler))
    assert len(queries) >= 10
    mismatches = _compare(sdk, iter(queries), [LOOKUP_REGION])
    assert not mismatches, f"{len(mismatches)} of {len(queries)}:\n" + "\n".join(mismatches[:20])


def _all_regions() -> list[str]:
    regions: set[str] = set()
    for framework, compiler in TABLES:
        for entry in _training(framework, compiler)["versions"].values():
            regions |= _regions_under(entry)
    return [*sorted(regions), UNKNOWN_REGION]


def _regions_under(entry: Mapping[str, Any]) -> set[str]:
    regions: set[str] = set(entry.get("registries", {}))
    for key, value in entry.items():
        if isinstance(value, dict) and key != "registries":
            regions |= _regions_under(value)
    return regions


def _default_queries(framework: Framework, compiler: bool) -> Iterator[ImageQuery]:
    """Each version's GPU image with its first base and Python version."""
    config = _training(framework, compiler)
    for version, entry in config["versions"].items():
        kind, base = _bases(framework, entry)[-1]
        chosen = entry.get(f"{kind}{base}", entry) if kind else entry
        py_versions = chosen.get("py_versions") or [None]
        yield ImageQuery(
            framework=framework.value,
            version=version,
            base_kind=kind,
            base_version=base,
            py_version=py_versions[0],
            instance_type=INSTANCE_TYPES[0],
            compiler=compiler,
        )


@pytest.mark.parametrize(("framework", "compiler"), TABLES, ids=lambda v: str(v))
def test_every_region_of_every_version(sdk: Any, framework: Framework, compiler: bool) -> None:
    regions = _all_regions()
    assert {"cn-north-1", "us-iso-east-1", "eusc-de-east-1", "us-gov-west-1"} <= set(regions)
    mismatches = _compare(sdk, _default_queries(framework, compiler), regions)
    assert not mismatches, "\n".join(mismatches[:20])


def test_every_training_instance_type(sdk: Any) -> None:
    """Each instance type of the botocore model, on the last version each table lists."""
    model = botocore.session.get_session().get_service_model("sagemaker")
    instance_types = model.shape_for("TrainingInstanceType").enum  # type: ignore[attr-defined]
    mismatches = []
    for framework, compiler in TABLES:
        query = list(_default_queries(framework, compiler))[-1]
        queries = (
            ImageQuery(**{**query.__dict__, "instance_type": instance_type})
            for instance_type in instance_types
        )
        mismatches += _compare(sdk, queries, [LOOKUP_REGION])
    assert not mismatches, "\n".join(mismatches[:20])
