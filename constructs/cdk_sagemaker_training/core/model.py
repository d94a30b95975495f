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

from cdk_sagemaker_training.core.field_docs import doc
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
JOB_NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")
"""`TrainingJobName`'s pattern without its length: use `fullmatch` (rule JOB001)."""
MAX_RUN_LIMIT = 28 * 24 * 3600
"""`StoppingCondition.MaxRuntimeInSeconds` is at most 28 days (not in the API model)."""
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

    enabled: bool = field(default=True, metadata=doc("Compile the training graph."))
    debug: bool = field(
        default=False,
        metadata=doc("Debug mode: dumps to /opt/ml/output/data/compiler/ and slows training."),
    )


@dataclass(frozen=True, kw_only=True)
class Channel:
    """One training input channel (SDK `TrainingInput`)."""

    name: str = field(metadata=doc("The channel name (its key under `inputs`)."))
    s3_data: str = field(metadata=doc("The channel's data: an s3:// prefix."))
    distribution: S3DataDistribution = field(
        default=S3DataDistribution.FULLY_REPLICATED,
        metadata=doc("Every instance gets all the data, or a shard by S3 key."),
    )
    input_mode: InputMode | None = field(
        default=None, metadata=doc("How the data reaches the container. Default: the job's.")
    )
    content_type: str | None = field(default=None, metadata=doc("MIME type of the data."))
    compression: Compression | None = field(default=None, metadata=doc("Compression of the data."))


@dataclass(frozen=True, kw_only=True)
class InstanceGroup:
    """One group of a heterogeneous cluster (SDK `InstanceGroup`)."""

    instance_group_name: str = field(metadata=doc("The group's name, unique in the job."))
    instance_type: str = field(metadata=doc("ML instance type of the group."))
    instance_count: int = field(metadata=doc("Instances in the group."))


@dataclass(frozen=True, kw_only=True)
class MetricDefinition:
    """A metric scraped from the training log by regular expression."""

    name: str = field(metadata=doc("The metric's name."))
    regex: str = field(metadata=doc("A regular expression whose first group is the value."))


def frozen_mapping(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """A read-only copy of `values`, so specs stay immutable."""
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, kw_only=True)
class JobSpec:
    """One training job definition (keys follow SDK v2 estimator arguments)."""

    name: str = field(
        metadata=doc(
            f"Job-name prefix: letters, digits and hyphens, at most {JOB_NAME_PREFIX_MAX_LENGTH} "
            f"characters (the launcher appends a {RUN_SUFFIX_LENGTH}-character run suffix; "
            f"SageMaker allows {JOB_NAME_MAX_LENGTH})."
        )
    )
    framework: Framework = field(metadata=doc("Framework family of the Deep Learning Container."))
    entry_point: str = field(metadata=doc("The training script, relative to `source_dir`."))
    transformers_version: str | None = field(
        default=None,
        metadata=doc('Transformers version of a Hugging Face image; quote it ("4.21.1").'),
    )
    pytorch_version: str | None = field(
        default=None,
        metadata=doc("PyTorch version of a Hugging Face image (or tensorflow_version)."),
    )
    tensorflow_version: str | None = field(
        default=None,
        metadata=doc("TensorFlow version of a Hugging Face image (or pytorch_version)."),
    )
    framework_version: str | None = field(
        default=None, metadata=doc('Version of a PyTorch or TensorFlow image; quote it ("2.10").')
    )
    py_version: str | None = field(
        default=None,
        metadata=doc("Python tag of the image (py38). Default: the only one the image has."),
    )
    image_uri: str | None = field(
        default=None,
        metadata=doc("An explicit training image instead of the DLC (not with the compiler)."),
    )
    compiler_config: CompilerConfig | None = field(
        default=None,
        metadata=doc(
            "Training Compiler settings; {} means enabled. "
            "Default: no compiler, the ordinary DLC of the framework."
        ),
    )
    source_dir: str | None = field(
        default=None,
        metadata=doc(
            "A local folder (packaged by the constructs) or an `s3://.../sourcedir.tar.gz`."
        ),
    )
    instance_type: str | None = field(
        default=None, metadata=doc("ML instance type (ml.p3.2xlarge), or use instance_groups.")
    )
    instance_count: int = field(
        default=DEFAULT_INSTANCE_COUNT, metadata=doc("Instances of instance_type per run.")
    )
    volume_size: int = field(
        default=DEFAULT_VOLUME_SIZE_GB, metadata=doc("Storage volume per instance, in GB.")
    )
    volume_kms_key: str | None = field(
        default=None, metadata=doc("KMS key (id or ARN) for the storage volumes.")
    )
    instance_groups: tuple[InstanceGroup, ...] = field(
        default=(), metadata=doc("A heterogeneous cluster, instead of instance_type.")
    )
    keep_alive_period_in_seconds: int = field(
        default=0,
        metadata=doc("Managed warm pool: seconds the instances are kept after a run; 0 = none."),
    )
    warm_pool_group: str | None = field(
        default=None,
        metadata=doc("Jobs naming one group share an execution role and must reuse one pool."),
    )
    use_warm_pool_cache: bool = field(
        default=False,
        metadata=doc("Point PIP_CACHE_DIR and HF_HOME into the persistent warm-pool cache."),
    )
    hyperparameters: Mapping[str, Any] = field(
        default_factory=frozen_mapping,
        metadata=doc("Hyperparameters, JSON-encoded as the SDK does (values may not be null)."),
    )
    environment: Mapping[str, str] = field(
        default_factory=frozen_mapping, metadata=doc("Environment variables of the container.")
    )
    tags: Mapping[str, str] = field(
        default_factory=frozen_mapping, metadata=doc("Tags of the training job.")
    )
    distribution: Mapping[str, Any] = field(
        default_factory=frozen_mapping,
        metadata=doc("Distributed training, as the SDK's `distribution` argument."),
    )
    inputs: tuple[Channel, ...] = field(
        default=(),
        metadata=doc("Input channels: a name -> an s3:// prefix, or a channel mapping."),
    )
    input_mode: InputMode = field(
        default=InputMode.FILE, metadata=doc("How the channels' data reaches the container.")
    )
    output_path: str | None = field(
        default=None,
        metadata=doc("s3:// URI for the model artifacts. Default: the stack's output bucket."),
    )
    output_kms_key: str | None = field(
        default=None, metadata=doc("KMS key (id or ARN) for the output artifacts.")
    )
    max_run: int = field(default=DEFAULT_MAX_RUN_SECONDS, metadata=doc("Longest run, in seconds."))
    use_spot_instances: bool = field(
        default=False, metadata=doc("Managed spot training (needs max_wait).")
    )
    max_wait: int | None = field(
        default=None,
        metadata=doc("Spot: longest wait plus run, in seconds (at least max_run)."),
    )
    checkpoint_s3_uri: str | None = field(
        default=None, metadata=doc("s3:// URI the checkpoints are synchronised with.")
    )
    checkpoint_local_path: str | None = field(
        default=None, metadata=doc("The container's checkpoint folder.")
    )
    max_retry_attempts: int | None = field(
        default=None, metadata=doc("Retries of a run after an internal server error.")
    )
    subnets: tuple[str, ...] = field(default=(), metadata=doc("VPC subnet ids the job runs in."))
    security_group_ids: tuple[str, ...] = field(
        default=(), metadata=doc("VPC security group ids of the job.")
    )
    enable_network_isolation: bool = field(
        default=False, metadata=doc("No network access from the training container.")
    )
    encrypt_inter_container_traffic: bool = field(
        default=False, metadata=doc("Encrypt the traffic between instances.")
    )
    disable_profiler: bool | None = field(
        default=None,
        metadata=doc("Turn SageMaker Profiler off. Default: true with the compiler, else false."),
    )
    metric_definitions: tuple[MetricDefinition, ...] = field(
        default=(), metadata=doc("Metrics scraped from the training log.")
    )
    role: str | None = field(
        default=None,
        metadata=doc(
            "An existing execution role ARN. "
            "Default: the constructs create a least-privilege execution role."
        ),
    )
    max_concurrent_runs: int = field(
        default=DEFAULT_MAX_CONCURRENT_RUNS,
        metadata=doc("How many runs of this job may be in flight at once (sizes the quota check)."),
    )
    sweep: SweepSpec | None = field(
        default=None,
        metadata=doc("A warm-pool sweep: one execution runs every trial (see `core.sweep`)."),
    )
    stack: str | None = field(
        default=None,
        metadata=doc(
            "The reference app's stack to deploy in, so adding job files never moves this "
            "one. Default: assigned in sorted file order."
        ),
    )
    source_file: Path | None = field(default=None, compare=False)
    """The job file this spec was loaded from, for messages (not a job-file key)."""

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
