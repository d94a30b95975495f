"""Deep Learning Container images, resolved from the SageMaker SDK's own tables.

`sagemaker-core` ships the image tables (`sagemaker/core/image_uri_config/*.json`) and
`image_uris`, which builds the URI exactly as the SDK's estimators do. It is imported
lazily: only code that resolves an image pays for it (about 1.7 s).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
from cdk_sagemaker_training.core.model import Framework, JobSpec

IMAGE_URI_PATTERN = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.(?P<suffix>amazonaws\.com(?:\.cn)?)"
    r"/(?P<repository>[^:@]+)[:@](?P<tag>.+)"
)
PREFERRED_LOOKUP_REGION = "us-east-1"
GPU_LOOKUP_INSTANCE_TYPE = "ml.p3.2xlarge"
"""Selects the GPU image for a job without an instance type (rule JOB003 reports it)."""
CHINA_URL_SUFFIX = "amazonaws.com.cn"
DEFAULT_URL_SUFFIX = "amazonaws.com"
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
        suffix = url_suffix or (
            CHINA_URL_SUFFIX if region.startswith("cn-") else DEFAULT_URL_SUFFIX
        )
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


def _pick(
    table: Mapping[str, Any],
    aliases: Mapping[str, str],
    wanted: str,
    field: str,
    what: str,
    prefix: str = "",
) -> Mapping[str, Any]:
    """The entry of one level of an SDK image table, following its version aliases."""
    key = aliases.get(prefix + wanted, prefix + wanted)
    if key not in table or key == "version_aliases":
        choices = [k for k in table if k != "version_aliases"] + list(aliases)
        supported = sorted({c.removeprefix(prefix) for c in choices if c.startswith(prefix)})
        raise _image_error(field, wanted, supported, what)
    entry: Mapping[str, Any] = table[key]
    return entry


@functools.lru_cache(maxsize=256)
def _resolve_dlc(query: ImageQuery) -> ResolvedImage:
    from sagemaker.core import image_uris  # lazy: heavy import, only for image resolution

    label, version_field = query.label, query.version_field
    config = image_uris.config_for_framework(_config_name(query.framework, query.compiler)).get(
        "training"
    )
    if config is None:
        raise _image_error("framework", query.framework, [], label)
    if query.version is None:
        raise _image_error(version_field, query.version, sorted(config["versions"]), label)
    entry = _pick(
        config["versions"], config.get("version_aliases", {}), query.version, version_field, label
    )
    if query.base_kind is not None and query.base_version is not None:
        entry = _pick(
            entry,
            entry.get("version_aliases", {}),
            query.base_version,
            f"{query.base_kind}_version",
            label,
            query.base_kind,
        )
    py_versions: list[str] = list(entry.get("py_versions", []))
    if query.py_version is None and len(py_versions) > 1:
        raise _image_error("py_version", query.py_version, py_versions, label)
    if query.py_version is not None and py_versions and query.py_version not in py_versions:
        raise _image_error("py_version", query.py_version, py_versions, label)
    chosen_py = query.py_version or (py_versions[0] if py_versions else None)
    chosen = entry.get(chosen_py or "") or entry
    if "registries" not in chosen:  # Hugging Face without its base framework version
        bases = sorted(k for k in entry if k != "version_aliases")
        raise _image_error(
            version_field,
            query.version,
            bases,
            f"{label} (set pytorch_version or tensorflow_version)",
        )
    registries: Mapping[str, str] = chosen["registries"]
    lookup_region = (
        PREFERRED_LOOKUP_REGION if PREFERRED_LOOKUP_REGION in registries else min(registries)
    )
    try:
        uri = _sdk_training_image_uri(image_uris, lookup_region, query, chosen_py)
    except ValueError as error:
        raise _image_error(version_field, query.version, [], f"{label} ({error})") from None
    match = IMAGE_URI_PATTERN.fullmatch(uri)
    if match is None:  # the SDK always returns an ECR URI; guard against a format change
        raise _image_error(version_field, query.version, [], f"{label} (unexpected URI {uri!r})")
    return ResolvedImage(
        repository=match["repository"],
        tag=match["tag"],
        registries=MappingProxyType(dict(registries)),
    )


def _sdk_training_image_uri(
    image_uris: Any, region: str, query: ImageQuery, py_version: str | None
) -> str:
    """The URI from the SDK's own estimator path (`get_training_image_uri`)."""
    from sagemaker.core.training_compiler.config import TrainingCompilerConfig

    uri: str = image_uris.get_training_image_uri(
        region,
        query.framework,
        framework_version=query.version,
        py_version=py_version,
        compiler_config=TrainingCompilerConfig() if query.compiler else None,
        pytorch_version=query.base_version if query.base_kind == "pytorch" else None,
        tensorflow_version=query.base_version if query.base_kind == "tensorflow" else None,
        instance_type=query.instance_type or GPU_LOOKUP_INSTANCE_TYPE,
    )
    return uri
