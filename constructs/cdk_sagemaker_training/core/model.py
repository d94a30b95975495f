"""The job definition: a frozen, validated value that every other layer consumes.

Field names are the SageMaker Python SDK v2 estimator argument names, so an estimator
written in a notebook ports to a job file line for line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cdk_sagemaker_training.core.sweep import SweepSpec

DEFAULT_INSTANCE_COUNT = 1
DEFAULT_VOLUME_SIZE_GB = 30
DEFAULT_MAX_RUN_SECONDS = 86400
DEFAULT_MAX_CONCURRENT_RUNS = 1
DEFAULT_CONTAINER_LOG_LEVEL = 20  # logging.INFO, as the SDK's estimators send it
JOB_NAME_MAX_LENGTH = 63
"""SageMaker's limit on `TrainingJobName`."""
RUN_SUFFIX_LENGTH = 21
"""Length of the per-run suffix the launcher appends: `-` + 20 hex characters (two UUID groups)."""
JOB_NAME_PREFIX_MAX_LENGTH = JOB_NAME_MAX_LENGTH - RUN_SUFFIX_LENGTH
"""Longest `name` that still leaves room for the per-run suffix (42 characters)."""
S3_URI_PATTERN = re.compile(r"s3://.*")
"""An `s3://` URI on one line: use `fullmatch` (`.` stops at a newline). The API model's
pattern for bucket and key is checked by rule API001."""
WARM_POOL_CACHE_DIR = "/opt/ml/sagemaker/warmpoolcache"
"""Where SageMaker mounts the persistent warm-pool cache while a pool exists."""


class Framework(StrEnum):
    """Framework families with SageMaker Deep Learning Containers."""

    HUGGINGFACE = "huggingface"
    PYTORCH = "pytorch"
    TENSORFLOW = "tensorflow"


class InputMode(StrEnum):
    """`TrainingInputMode` values (the literal API strings)."""

    FILE = "File"
    FAST_FILE = "FastFile"
    PIPE = "Pipe"


class S3DataDistribution(StrEnum):
    """`S3DataDistributionType` values."""

    FULLY_REPLICATED = "FullyReplicated"
    SHARDED_BY_S3_KEY = "ShardedByS3Key"


class Compression(StrEnum):
    """`CompressionType` values."""

    NONE = "None"
    GZIP = "Gzip"


@dataclass(frozen=True, kw_only=True)
class CompilerConfig:
    """SageMaker Training Compiler settings (SDK `TrainingCompilerConfig`)."""

    enabled: bool = True
    debug: bool = False


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One training input channel (SDK `TrainingInput`)."""

    name: str
    s3_data: str
    distribution: S3DataDistribution = S3DataDistribution.FULLY_REPLICATED
    input_mode: InputMode | None = None
    """Default: the job's `input_mode`."""
    content_type: str | None = None
    compression: Compression | None = None


@dataclass(frozen=True, kw_only=True)
class InstanceGroup:
    """One group of a heterogeneous cluster (SDK `InstanceGroup`)."""

    instance_group_name: str
    instance_type: str
    instance_count: int


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    """A metric scraped from the training log by regular expression."""

    name: str
    regex: str


def frozen_mapping(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only copy of `values`, so specs stay immutable."""
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """One training job definition (keys follow SDK v2 estimator arguments)."""

    name: str
    framework: Framework
    entry_point: str
    transformers_version: str | None = None
    pytorch_version: str | None = None
    tensorflow_version: str | None = None
    framework_version: str | None = None
    py_version: str | None = None
    image_uri: str | None = None
    compiler_config: CompilerConfig | None = None
    """Default: no compiler, the ordinary DLC of the framework."""
    source_dir: str | None = None
    """A local folder (packaged by the constructs) or an `s3://.../sourcedir.tar.gz`."""
    instance_type: str | None = None
    instance_count: int = DEFAULT_INSTANCE_COUNT
    volume_size: int = DEFAULT_VOLUME_SIZE_GB
    volume_kms_key: str | None = None
    instance_groups: tuple[InstanceGroup, ...] = ()
    keep_alive_period_in_seconds: int = 0
    warm_pool_group: str | None = None
    use_warm_pool_cache: bool = False
    hyperparameters: Mapping[str, Any] = field(default_factory=frozen_mapping)
    environment: Mapping[str, str] = field(default_factory=frozen_mapping)
    tags: Mapping[str, str] = field(default_factory=frozen_mapping)
    distribution: Mapping[str, Any] = field(default_factory=frozen_mapping)
    inputs: tuple[Channel, ...] = ()
    input_mode: InputMode = InputMode.FILE
    output_path: str | None = None
    """Default: the stack's output bucket."""
    output_kms_key: str | None = None
    max_run: int = DEFAULT_MAX_RUN_SECONDS
    use_spot_instances: bool = False
    max_wait: int | None = None
    checkpoint_s3_uri: str | None = None
    checkpoint_local_path: str | None = None
    max_retry_attempts: int | None = None
    subnets: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    enable_network_isolation: bool = False
    encrypt_inter_container_traffic: bool = False
    disable_profiler: bool | None = None
    """Default: True when the compiler is enabled, else False."""
    metric_definitions: tuple[MetricDefinition, ...] = ()
    role: str | None = None
    """Default: the constructs create a least-privilege execution role."""
    max_concurrent_runs: int = DEFAULT_MAX_CONCURRENT_RUNS
    """How many runs of this job may be in flight at once (sizes the quota check)."""
    sweep: SweepSpec | None = None
    """A warm-pool sweep: one execution runs every trial (see `core.sweep`)."""
    stack: str | None = None
    """The reference app's stack to deploy in, so adding job files never moves this one.
    Default: assigned in sorted file order."""
    source_file: Path | None = field(default=None, compare=False)
    """The job file this spec was loaded from, for messages."""

    @classmethod
    def from_keys(cls, **keys: Any) -> JobSpec:
        """A job from its keys as keyword arguments (the SDK v2 estimator names), checked
        as a job file is. Raises `SpecError` with every finding (SPEC codes)."""
        from cdk_sagemaker_training.core.loader import parse_job  # the loader builds specs

        return parse_job(keys, source=f"JobSpec.from_keys(name={keys.get('name')!r})")

    @property
    def compiler_enabled(self) -> bool:
        """Whether Training Compiler is on for this job."""
        return self.compiler_config is not None and self.compiler_config.enabled

    @property
    def profiler_disabled(self) -> bool:
        """`disable_profiler`, defaulting to True for compiler jobs."""
        if self.disable_profiler is None:
            return self.compiler_enabled
        return self.disable_profiler

    @property
    def warm_pool_enabled(self) -> bool:
        """Whether runs of this job keep a warm pool."""
        return self.keep_alive_period_in_seconds > 0

    @property
    def uses_vpc(self) -> bool:
        """Whether the job runs in the customer's VPC."""
        return bool(self.subnets or self.security_group_ids)

    @property
    def source_is_local(self) -> bool:
        """Whether `source_dir` is a local folder the constructs must package."""
        return self.source_dir is not None and not self.source_dir.startswith("s3://")

    @property
    def total_instance_count(self) -> int:
        """Instances one run uses, across instance groups when present."""
        if self.instance_groups:
            return sum(group.instance_count for group in self.instance_groups)
        return self.instance_count

    @property
    def instance_types(self) -> tuple[str, ...]:
        """Every instance type one run uses."""
        if self.instance_groups:
            return tuple(dict.fromkeys(g.instance_type for g in self.instance_groups))
        return (self.instance_type,) if self.instance_type else ()
