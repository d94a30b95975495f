"""Listing and releasing live warm pools against a stubbed SageMaker client."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import AwsAccessError, Client, Retry
from cdk_sagemaker_training.aws.warm_pools import (
    ReleaseOutcome,
    list_warm_pools,
    release_warm_pool,
)
from tests.aws.test_usage_and_increase import description, summary

StubbedClient = tuple[Client, Stubber]


def pooled(name: str, status: str | None, *, billable: int = 0, count: int = 2) -> dict[str, Any]:
    job = description(name, count=count)
    job["TrainingJobStatus"] = "Completed"
    job["ResourceConfig"] = {**job["ResourceConfig"], "KeepAlivePeriodInSeconds": 1800}
    if status:
        job["WarmPoolStatus"] = {
            "Status": status,
            "ResourceRetainedBillableTimeInSeconds": billable,
        }
    return job


def test_list_shows_available_and_in_use_pools_with_cost(sm: StubbedClient, retry: Retry) -> None:
    client, stubber = sm
    stubber.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("a")], "NextToken": "more"},
        {"WarmPoolStatusEquals": "Available", "MaxResults": 100},
    )
    stubber.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("b")]},
        {"WarmPoolStatusEquals": "Available", "MaxResults": 100, "NextToken": "more"},
    )
    stubber.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("c")]},
        {"WarmPoolStatusEquals": "InUse", "MaxResults": 100},
    )
    stubber.add_response(
        "describe_training_job", pooled("a", "Available", billable=1800), {"TrainingJobName": "a"}
    )
    stubber.add_response(
        "describe_training_job", pooled("b", "Available", count=1), {"TrainingJobName": "b"}
    )
    stubber.add_response("describe_training_job", pooled("c", "InUse"), {"TrainingJobName": "c"})
    pools = list_warm_pools(client, retry=retry)
    assert [(p.job_name, p.status, p.instance_count) for p in pools] == [
        ("a", "Available", 2),
        ("b", "Available", 1),
        ("c", "InUse", 2),
    ]
    assert pools[0].instance_hours == 1.0
    assert pools[0].as_dict()["keep_alive_seconds"] == 1800


def test_release_sets_keep_alive_to_zero(sm: StubbedClient, retry: Retry) -> None:
    client, stubber = sm
    stubber.add_response(
        "describe_training_job", pooled("a", "Available", billable=900), {"TrainingJobName": "a"}
    )
    stubber.add_response(
        "update_training_job",
        {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/a"},
        {"TrainingJobName": "a", "ResourceConfig": {"KeepAlivePeriodInSeconds": 0}},
    )
    result = release_warm_pool(client, "a", retry=retry)
    assert result.outcome is ReleaseOutcome.RELEASED
    assert "0.50 instance-hours" in result.message


@pytest.mark.parametrize("status", [None, "Terminated", "Reused"])
def test_release_without_live_pool_says_so_and_updates_nothing(
    sm: StubbedClient, retry: Retry, status: str | None
) -> None:
    client, stubber = sm
    stubber.add_response("describe_training_job", pooled("a", status), {"TrainingJobName": "a"})
    result = release_warm_pool(client, "a", retry=retry)
    assert result.outcome is ReleaseOutcome.NO_POOL
    assert "has no live warm pool" in result.message


def test_release_unknown_job(sm: StubbedClient, retry: Retry) -> None:
    client, stubber = sm
    stubber.add_client_error(
        "describe_training_job", "ValidationException", "Requested resource not found.", 400
    )
    result = release_warm_pool(client, "nope", retry=retry)
    assert result.outcome is ReleaseOutcome.NOT_FOUND
    assert "no training job named nope" in result.message


def test_release_denied_names_the_actions(sm: StubbedClient, retry: Retry) -> None:
    client, stubber = sm
    stubber.add_response(
        "describe_training_job", pooled("a", "Available"), {"TrainingJobName": "a"}
    )
    stubber.add_client_error("update_training_job", "AccessDeniedException", "denied", 400)
    with pytest.raises(AwsAccessError, match="sagemaker:UpdateTrainingJob"):
        release_warm_pool(client, "a", retry=retry)
