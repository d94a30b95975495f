"""Deep Learning Container images, resolved from the SageMaker SDK's own tables.

`sagemaker-core` ships the image tables (`sagemaker/core/image_uri_config/*.json`) and
`image_uris`, which builds the URI as the SDK's estimators do. Importing it takes about
2.5 s, so the lookup below reads the same tables (`core/image_tables.py`) and repeats the
SDK's steps for training images of our frameworks; a test compares both over every
version, Python version, instance family and region in the tables.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.compiler import version_tuple
from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
from cdk_sagemaker_training.core.image_tables import dns_suffix, image_table
from cdk_sagemaker_training.core.model import Framework, JobSpec

IMAGE_URI_PATTERN = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>amazonaws\.com(?:\.cn)?)"
    r"/(?P<repository>[^:@]+)[:@](?P<tag>.+)"
)
SDK_SCOPE = "training"
GPU_LOOKUP_INSTANCE_TYPE = "ml.p3.2xlarge"
"""Selects the GPU image for a job without an instance type (rule JOB003 reports it)."""
INSTANCE_FAMILY_PATTERN = re.compile(r"^ml[\._](?P<family>[a-z\d\-]+)\.?\w*$")
"""The SDK's reading of an instance type (`common_utils.get_instance_type_family`)."""
NEURON_FAMILY_PREFIXES = ("inf", "trn")
"""Families whose PyTorch images come from the SDK's `pytorch-neuron` table."""
NEURON_TAG = "neuron"
NEURON_SDK_REPOSITORIES = ("pytorch-training-neuron", "pytorch-training-neuronx")
"""Repositories whose tag carries the newest Neuron SDK version of the table entry."""
HUGGINGFACE_GPU_CONTAINER = "cu110-ubuntu18.04"
"""What the SDK's `get_training_image_uri` asks for on native Hugging Face GPU images
(the table's own `container_version` wins where it has one)."""
HUGGINGFACE_COMPILER_REPOSITORIES = (
    "huggingface-pytorch-trcomp-training",
    "huggingface-tensorflow-trcomp-training",
)
"""Hugging Face repositories tagged with the transformers version as written, not its alias
target."""
P2_REFUSED_FROM: Mapping[str, str] = MappingProxyType({"pytorch": "1.13", "tensorflow": "2.12"})
"""The first framework versions the SDK refuses on P2 instances."""
P4D_CONTAINER_VERSIONS: Mapping[str, str] = MappingProxyType(
    {
        "tensorflow-2.3-gpu-py37": "cu110-ubuntu18.04-v3",
        "tensorflow-2.3.1-gpu-py37": "cu110-ubuntu18.04",
        "tensorflow-2.3.2-gpu-py37": "cu110-ubuntu18.04",
        "tensorflow-1.15-gpu-py37": "cu110-ubuntu18.04-v8",
        "tensorflow-1.15.4-gpu-py37": "cu110-ubuntu18.04",
        "tensorflow-1.15.5-gpu-py37": "cu110-ubuntu18.04",
        "mxnet-1.8-gpu-py37": "cu110-ubuntu16.04-v1",
        "mxnet-1.8.0-gpu-py37": "cu110-ubuntu16.04",
        "pytorch-1.6-gpu-py36": "cu110-ubuntu18.04-v3",
        "pytorch-1.6.0-gpu-py36": "cu110-ubuntu18.04",
        "pytorch-1.6-gpu-py3": "cu110-ubuntu18.04-v3",
        "pytorch-1.6.0-gpu-py3": "cu110-ubuntu18.04",
    }
)
"""Tag suffixes the SDK adds on p4d instances (`image_uris._get_image_tag`; code, not a
table, so copied here: the equivalence test runs every table version on ml.p4d.24xlarge)."""
IMAGE001 = define(
    "IMAGE001",
    Severity.ERROR,
    "No image for this framework, version and Python version",
    "Pick a supported combination from the list (read from the SageMaker SDK's image tables)",
)
IMAGE002 = define(
    "IMAGE002",
    Severity.ERROR,
    "Image not published in the target region",
    "Deploy to a region that hosts the image, or choose a version available there",
)


@dataclass(frozen=True, kw_only=True)
class ResolvedImage:
    """A training image: one repository and tag, hosted in a per-region registry account."""

    repository: str
    tag: str
    registries: Mapping[str, str]
    """Region -> registry account, for every region that has this exact image."""
    explicit_uri: str | None = None
    """Set when the job names its own `image_uri`; `registries` is then empty."""

    def account(self, region: str) -> str:
        """The registry account that hosts the image in `region`."""
        try:
            return self.registries[region]
        except KeyError:
            raise SpecError([unsupported_region_finding(self, region)]) from None

    def uri(self, region: str, url_suffix: str | None = None) -> str:
        """The image URI in `region`. Default `url_suffix`: the region's partition suffix."""
        if self.explicit_uri is not None:
            return self.explicit_uri
        suffix = url_suffix or dns_suffix(region)
        return f"{self.account(region)}.dkr.ecr.{region}.{suffix}/{self.repository}:{self.tag}"


def unsupported_region_finding(image: ResolvedImage, region: str) -> Finding:
    """The error for a region that does not host `image`."""
    return IMAGE002.finding(
        "region",
        f"image {image.repository}:{image.tag} is not published in region {region!r}; "
        f"use one of: {', '.join(sorted(image.registries))}",
    )


@dataclass(frozen=True)
class ImageQuery:
    """What selects a Deep Learning Container, in the SDK's terms."""

    framework: str
    version: str | None
    """`transformers_version` for Hugging Face, else `framework_version`."""
    base_kind: str | None
    """Hugging Face only: `pytorch` or `tensorflow`."""
    base_version: str | None
    py_version: str | None
    instance_type: str | None
    compiler: bool

    @property
    def version_field(self) -> str:
        """The job key that holds `version`."""
        return (
            "transformers_version"
            if self.framework == Framework.HUGGINGFACE
            else "framework_version"
        )

    @property
    def label(self) -> str:
        """`pytorch Training Compiler training`, for messages."""
        return f"{self.framework}{' Training Compiler' if self.compiler else ''} training"


def image_query(spec: JobSpec) -> ImageQuery:
    """The SDK lookup a job's framework fields describe."""
    huggingface = spec.framework is Framework.HUGGINGFACE
    base_kind = None
    if huggingface and spec.pytorch_version is not None:
        base_kind = "pytorch"
    elif huggingface and spec.tensorflow_version is not None:
        base_kind = "tensorflow"
    return ImageQuery(
        framework=spec.framework.value,
        version=spec.transformers_version if huggingface else spec.framework_version,
        base_kind=base_kind,
        base_version=getattr(spec, f"{base_kind}_version") if base_kind else None,
        py_version=spec.py_version,
        instance_type=spec.instance_types[0] if spec.instance_types else None,
        compiler=spec.compiler_enabled,
    )


def resolve_image(spec: JobSpec) -> ResolvedImage:
    """The image a job runs on: its `image_uri`, or the DLC its framework fields select."""
    if spec.image_uri is not None:
        return _explicit_image(spec.image_uri)
    return _resolve_dlc(image_query(spec))


def _explicit_image(uri: str) -> ResolvedImage:
    match = IMAGE_URI_PATTERN.fullmatch(uri)
    if match is None:
        return ResolvedImage(repository="", tag="", registries={}, explicit_uri=uri)
    return ResolvedImage(
        repository=match["repository"],
        tag=match["tag"],
        registries=MappingProxyType({match["region"]: match["account"]}),
        explicit_uri=uri,
    )


def _config_name(framework: str, compiler: bool) -> str:
    # The SDK keeps compiler images of Hugging Face and PyTorch in their own tables;
    # TensorFlow's compiler is built into the ordinary tensorflow-training images.
    if compiler and framework in (Framework.HUGGINGFACE, Framework.PYTORCH):
        return f"{framework}-training-compiler"
    return framework


def _image_error(field: str, received: object, supported: list[str], what: str) -> SpecError:
    return IMAGE001.error(
        field,
        f"no {what} image for {received!r}; supported: {', '.join(supported)}"
        if supported
        else f"no {what} image for {received!r}",
    )


def _instance_family(instance_type: str) -> str:
    """`ml.p4d.24xlarge` -> `p4d`, as the SDK reads it; "" when not of that form."""
    match = INSTANCE_FAMILY_PATTERN.match(instance_type)
    return match["family"] if match else ""


def _choose(
    options: Mapping[str, Any], wanted: str | None, field: str, what: str, prefix: str = ""
) -> str:
    """`wanted` when it is one of `options` (a table level), else IMAGE001 listing them."""
    choices = [k for k in options if k != "version_aliases"]
    if wanted is None or wanted not in choices:
        supported = sorted(c.removeprefix(prefix) for c in choices if c.startswith(prefix))
        shown = wanted.removeprefix(prefix) if wanted is not None else wanted
        raise _image_error(field, shown, supported, what)
    return wanted


def _processor(instance_type: str, family: str, available: list[str] | None) -> str | None:
    """The SDK's processor for an instance type (`_processor`): cpu, gpu, trn, or a family."""
    if not available:
        return None
    if not family:
        processor = None
    elif family in available:
        processor = family
    elif family.startswith(NEURON_FAMILY_PREFIXES):
        processor = family[:3]
    else:
        processor = "gpu" if family[0] in ("g", "p") else "cpu"
    if processor not in available:
        raise _image_error("instance_type", instance_type, available, "processor (cpu, gpu, ...)")
    return processor


def _table_name(query: ImageQuery, instance_type: str, family: str) -> str:
    """The SDK table a query reads: the compiler's, the Neuron one on Trainium, or its own."""
    if query.compiler and query.framework in (Framework.HUGGINGFACE, Framework.PYTORCH):
        return _config_name(query.framework, query.compiler)
    if "trn" in instance_type and query.framework != Framework.PYTORCH:
        raise _image_error("instance_type", instance_type, [], f"{query.label} on Trainium")
    if query.framework != Framework.TENSORFLOW and family.startswith(NEURON_FAMILY_PREFIXES):
        return f"{query.framework}-neuron"
    return query.framework


def _version_entry(query: ImageQuery, config: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """The version as the tag spells it and its table entry (Hugging Face: its base's)."""
    versions: Mapping[str, Any] = config["versions"]
    aliases: Mapping[str, str] = config.get("version_aliases", {})
    version = query.version
    if version is None:
        raise _image_error(query.version_field, version, sorted(versions), query.label)
    if len(versions) == 1 and version not in aliases:
        version = next(iter(versions))  # the SDK takes a table's only version for any
    elif version not in aliases:
        _choose({**versions, **aliases}, version, query.version_field, query.label)
    entry: Mapping[str, Any] = versions[aliases.get(version, version)]
    if query.framework != Framework.HUGGINGFACE:
        return version, entry
    kind = query.base_kind
    base = f"{kind}{query.base_version}" if kind else None
    base = entry.get("version_aliases", {}).get(base, base)
    what = query.label if kind else f"{query.label} (set pytorch_version or tensorflow_version)"
    field = f"{kind}_version" if kind else query.version_field
    entry = entry[_choose(entry, base, field, what, kind or "")]
    if entry["repository"] not in HUGGINGFACE_COMPILER_REPOSITORIES:
        version = aliases.get(version, version)
    return version, entry


def _python_entry(
    query: ImageQuery, entry: Mapping[str, Any]
) -> tuple[str | None, Mapping[str, Any]]:
    """The Python version (the table's only one when unset) and its entry."""
    options = (entry.get("py_versions") or []) if "repository" in entry else list(entry)
    if not options:
        return None, entry  # the SDK ignores a Python version the table does not list
    if query.py_version is None and len(options) == 1:
        return options[0], entry.get(options[0]) or entry
    chosen = _choose(dict.fromkeys(options), query.py_version, "py_version", query.label)
    return chosen, entry.get(chosen) or entry


@functools.lru_cache(maxsize=256)
def _resolve_dlc(query: ImageQuery) -> ResolvedImage:
    """The DLC of a query, as `sagemaker.core.image_uris.get_training_image_uri` picks it.

    A port of the SDK's lookup for training images of our frameworks, reading the same
    tables; tests/core/test_image_equivalence.py compares both over the whole tables."""
    instance_type = query.instance_type or GPU_LOOKUP_INSTANCE_TYPE
    family = _instance_family(instance_type)
    container_version = None
    if query.base_kind is not None and not query.compiler:  # native Hugging Face images
        gpu = _processor(instance_type, family, ["cpu", "gpu"]) == "gpu"
        container_version = HUGGINGFACE_GPU_CONTAINER if gpu else None
    table_name = _table_name(query, instance_type, family)
    config: Mapping[str, Any] | None = image_table(table_name).get(SDK_SCOPE)
    if config is None:
        raise _image_error("framework", query.framework, [], query.label)
    version, entry = _version_entry(query, config)
    py_version, chosen = _python_entry(query, entry)
    available = config.get("processors") or chosen.get("processors")
    processor = _processor(instance_type, family, available)
    if chosen.get("container_version"):
        container_version = chosen["container_version"][processor]
    if chosen["repository"] in NEURON_SDK_REPOSITORIES:
        container_version = f"{max(chosen['sdk_versions'])}-{container_version}"
    if family == "p2" and _refused_on_p2(query.framework, version):
        raise _image_error("instance_type", instance_type, [], f"{query.label} {version} on P2")
    if query.framework == Framework.HUGGINGFACE:
        prefix = f"{query.base_version}-transformers{version}"
    else:
        prefix = chosen.get("tag_prefix", version)
    in_tag = chosen.get("processor_in_tag", True)  # some tags name the accelerator otherwise
    middle = NEURON_TAG if table_name.endswith("-neuron") else (processor if in_tag else None)
    tag = "-".join(x for x in (prefix, middle, py_version, container_version) if x)
    suffix = P4D_CONTAINER_VERSIONS.get(f"{query.framework}-{tag}") if family == "p4d" else None
    tag = f"{tag}-{suffix}" if suffix else tag
    return ResolvedImage(
        repository=chosen["repository"],
        tag=tag,
        registries=MappingProxyType(dict(chosen["registries"])),
    )


def _refused_on_p2(framework: str, version: str) -> bool:
    """PyTorch >= 1.13 and TensorFlow >= 2.12 images no longer run on P2 (SDK rule)."""
    first = P2_REFUSED_FROM.get(framework)
    return first is not None and version_tuple(version) >= version_tuple(first)
