"""Managed warm pools: bounds and the reuse-compatibility key.

A retained pool is reused by the next job only if every key below matches exactly;
image, hyperparameters and inputs do not matter. A different execution role silently
prevents reuse, which is why jobs of one `warm_pool_group` share one role.
"""

from __future__ import annotations

from collections.abc import Callable

from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.service_model import bounds

DOCUMENTED_MAX_KEEP_ALIVE_SECONDS = 3600
"""The Developer Guide's limit; the API model allows more (warn above this)."""
CREATED_ROLE = "<role created for the warm-pool group>"

REUSE_KEYS: tuple[tuple[str, str, Callable[[JobSpec], object]], ...] = (
    ("role", "RoleArn", lambda s: s.role or CREATED_ROLE),
    ("instance_count", "ResourceConfig.InstanceCount", lambda s: s.instance_count),
    ("instance_type", "ResourceConfig.InstanceType", lambda s: s.instance_type),
    ("volume_kms_key", "ResourceConfig.VolumeKmsKeyId", lambda s: s.volume_kms_key),
    ("volume_size", "ResourceConfig.VolumeSizeInGB", lambda s: s.volume_size),
    ("security_group_ids", "VpcConfig.SecurityGroupIds", lambda s: s.security_group_ids),
    ("subnets", "VpcConfig.Subnets", lambda s: s.subnets),
    (
        "encrypt_inter_container_traffic",
        "EnableInterContainerTrafficEncryption",
        lambda s: s.encrypt_inter_container_traffic,
    ),
    ("enable_network_isolation", "EnableNetworkIsolation", lambda s: s.enable_network_isolation),
)
"""(job key, API field, value) for each field a reused pool must match."""


def keep_alive_bounds() -> tuple[int, int]:
    """`KeepAlivePeriodInSeconds` bounds from the installed botocore model."""
    low, high = bounds("ResourceConfig", "KeepAlivePeriodInSeconds")
    return low or 0, high if high is not None else DOCUMENTED_MAX_KEEP_ALIVE_SECONDS


def first_reuse_difference(a: JobSpec, b: JobSpec) -> tuple[str, str, object, object] | None:
    """The first reuse key on which two jobs differ: (job key, API field, a's, b's)."""
    for key, api_field, value in REUSE_KEYS:
        if value(a) != value(b):
            return key, api_field, value(a), value(b)
    return None
