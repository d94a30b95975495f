"""Instances already in use, and increase requests for shortfalls."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import PAGE_SIZE, AwsAccessError, Client, Retry
from cdk_sagemaker_training.aws.quotas.checker import (
    QuotaCheck,
    QuotaValue,
    Source,
    Status,
)
from cdk_sagemaker_training.aws.quotas.increase import Outcome, request_increases
from cdk_sagemaker_training.aws.quotas.usage import fetch_usage
from cdk_sagemaker_training.core.quota_requirements import QuotaKind, QuotaRequirement
from tests.aws.conftest import REGION

StubbedClient = tuple[Client, Stubber]
P3 = "ml.p3.2xlarge"


def summary(name: str) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
        "CreationTime": "2024-01-01T00:00:00Z",
        "TrainingJobStatus": "InProgress",
    }


def description(name: str, *, count: int, spot: bool = False) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
        "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/model.tar.gz"},
        "TrainingJobStatus": "InProgress",
        "SecondaryStatus": "Training",
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {"InstanceType": P3, "InstanceCount": count, "VolumeSizeInGB": 30},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": "2024-01-01T00:00:00Z",
        "EnableManagedSpotTraining": spot,
    }


def test_usage_counts_running_jobs_and_available_pools(sm: StubbedClient, retry: Retry) -> None:
    client, stubber = sm
    stubber.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("run"), summary("spot")], "NextToken": "t"},
        {"StatusEquals": "InProgress", "MaxResults": 100},
    )
    stubber.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": []},
        {"StatusEquals": "InProgress", "MaxResults": 100, "NextToken": "t"},
    )
    stubber.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("pool")]},
        {"WarmPoolStatusEquals": "Available", "MaxResults": 100},
    )
    for name, count, spot in (("run", 2, False), ("spot", 1, True), ("pool", 3, False)):
        stubber.add_response(
            "describe_training_job",
            description(name, count=count, spot=spot),
            {"TrainingJobName": name},
        )
    assert fetch_usage(client, retry=retry) == {
        f"{P3} for training job usage": 5,
        f"{P3} for spot training job usage": 1,
        f"{P3} for training warm pool usage": 3,
        "Number of instances across all training jobs": 6,
    }


def test_usage_access_denied_names_sagemaker_actions(sm: StubbedClient, retry: Retry) -> None:
    client, stubber = sm
    stubber.add_client_error("list_training_jobs", "AccessDeniedException", "denied", 400)
    with pytest.raises(AwsAccessError, match="sagemaker:ListTrainingJobs"):
        fetch_usage(client, retry=retry)


def short(code: str, *, adjustable: bool = True, needed: int = 2) -> QuotaCheck:
    requirement = QuotaRequirement(kind=QuotaKind.WARM_POOL, needed=needed, instance_type=P3)
    return QuotaCheck(
        requirement=requirement,
        status=Status.SHORT,
        region=REGION,
        quota=QuotaValue(
            name=requirement.quota_name,
            code=code,
            value=0,
            source=Source.DEFAULT,
            adjustable=adjustable,
        ),
    )


def test_increase_requests_report_pending_and_failed(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stubber.add_response(
        "request_service_quota_increase",
        {"RequestedQuota": {"Id": "req-1", "Status": "PENDING"}},
        {"ServiceCode": "sagemaker", "QuotaCode": "L-AAAAAAA1", "DesiredValue": 2.0},
    )
    stubber.add_client_error(
        "request_service_quota_increase",
        "ResourceAlreadyExistsException",
        "request already exists",
        expected_params={
            "ServiceCode": "sagemaker",
            "QuotaCode": "L-AAAAAAA2",
            "DesiredValue": 2.0,
        },
    )
    stubber.add_client_error(
        "request_service_quota_increase",
        "QuotaExceededException",
        "too many open requests",
        expected_params={
            "ServiceCode": "sagemaker",
            "QuotaCode": "L-AAAAAAA3",
            "DesiredValue": 2.0,
        },
    )
    checks = [
        short("L-AAAAAAA1"),
        short("L-AAAAAAA2"),
        short("L-AAAAAAA3"),
        short("L-NOTADJ01", adjustable=False),
    ]
    results = request_increases(checks, client, retry=retry)
    assert [(r.quota_code, r.outcome) for r in results] == [
        ("L-AAAAAAA1", Outcome.REQUESTED),
        ("L-AAAAAAA2", Outcome.PENDING),
        ("L-AAAAAAA3", Outcome.FAILED),
    ]
    assert "req-1" in results[0].message
    assert "already open" in results[1].message
    assert "QuotaExceededException" in results[2].message


def test_increase_access_denied_is_an_access_error(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stubber.add_client_error("request_service_quota_increase", "AccessDeniedException", "no", 400)
    with pytest.raises(AwsAccessError, match="servicequotas:RequestServiceQuotaIncrease"):
        request_increases([short("L-AAAAAAA1")], client, retry=retry)


@pytest.mark.parametrize(
    ("service", "operation"),
    [
        ("sagemaker", "ListTrainingJobs"),
        ("service-quotas", "ListServiceQuotas"),
        ("service-quotas", "ListAWSDefaultServiceQuotas"),
    ],
)
def test_page_size_is_the_largest_page_each_listing_allows(service: str, operation: str) -> None:
    model = botocore.session.get_session().get_service_model(service)
    shape = model.operation_model(operation).input_shape
    assert shape is not None
    max_results = shape.members["MaxResults"]
    assert max_results.metadata["max"] == PAGE_SIZE
