"""Instances the account already uses: running training jobs and retained warm pools."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

from cdk_sagemaker_training.aws.clients import (
    DEFAULT_RETRY,
    PAGE_SIZE,
    Client,
    Retry,
    aws_access,
)
from cdk_sagemaker_training.aws.permissions import USAGE_ACTIONS
from cdk_sagemaker_training.core.quota_requirements import QuotaKind, quota_name


def list_training_jobs(
    client: Client, *, retry: Retry = DEFAULT_RETRY, **filters: str
) -> list[dict[str, Any]]:
    """Every `TrainingJobSummary` matching `filters` (e.g. `StatusEquals`), all pages."""
    summaries: list[dict[str, Any]] = []
    params: dict[str, Any] = {**filters, "MaxResults": PAGE_SIZE}
    while True:
        page = retry.call(client.list_training_jobs, **params)
        summaries.extend(page.get("TrainingJobSummaries", []))
        if not page.get("NextToken"):
            return summaries
        params["NextToken"] = page["NextToken"]


def instances_by_type(resource_config: Mapping[str, Any]) -> dict[str, int]:
    """Instances per type in a `ResourceConfig` (plain or with instance groups)."""
    counts: Counter[str] = Counter()
    for group in resource_config.get("InstanceGroups") or [resource_config]:
        if group.get("InstanceType"):
            counts[group["InstanceType"]] += int(group.get("InstanceCount", 0))
    return dict(counts)


def fetch_usage(client: Client, *, retry: Retry = DEFAULT_RETRY) -> dict[str, int]:
    """Instances in use per quota name, from in-progress jobs and `Available` warm pools.

    Makes two listings plus one `DescribeTrainingJob` per running job or live pool.
    """
    usage: Counter[str] = Counter()
    with aws_access(USAGE_ACTIONS):
        running = list_training_jobs(client, retry=retry, StatusEquals="InProgress")
        pools = list_training_jobs(client, retry=retry, WarmPoolStatusEquals="Available")
        pooled_names = {summary["TrainingJobName"] for summary in pools}
        for name in dict.fromkeys(s["TrainingJobName"] for s in running + pools):
            job = retry.call(client.describe_training_job, TrainingJobName=name)
            counts = instances_by_type(job.get("ResourceConfig", {}))
            kinds: tuple[QuotaKind, ...]
            if name in pooled_names:
                kinds = (QuotaKind.WARM_POOL, QuotaKind.TRAINING)
            elif job.get("EnableManagedSpotTraining"):
                kinds = (QuotaKind.SPOT,)
            else:
                kinds = (QuotaKind.TRAINING,)
            for instance_type, count in counts.items():
                for kind in kinds:
                    usage[quota_name(kind, instance_type)] += count
            usage[quota_name(QuotaKind.ACROSS_JOBS)] += sum(counts.values())
    return dict(usage)
