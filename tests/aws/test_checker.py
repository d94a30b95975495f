"""The quota checker against stubbed Service Quotas responses."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import AwsAccessError, Client, Retry
from cdk_sagemaker_training.aws.quotas.checker import Source, Status, check_quotas, fetch_quotas
from cdk_sagemaker_training.core.quota_requirements import (
    INSTANCES_ACROSS_JOBS,
    MAX_INSTANCES_PER_JOB,
    derive_requirements,
)
from tests.aws.conftest import LIST_PARAMS, REGION, job, quota, stub_listings

TRAINING = "ml.p3.2xlarge for training job usage"
WARM_POOL = "ml.p3.2xlarge for training warm pool usage"
ACCOUNT_WIDE = [
    quota(MAX_INSTANCES_PER_JOB, "L-PERJOB01", 20),
    quota(INSTANCES_ACROSS_JOBS, "L-ACROSS01", 20),
]

StubbedClient = tuple[Client, Stubber]


def test_multi_page_listings_are_all_read(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stubber.add_response(
        "list_aws_default_service_quotas",
        {"Quotas": [quota(TRAINING, "L-TRAIN001", 1)], "NextToken": "page2"},
        LIST_PARAMS,
    )
    stubber.add_response(
        "list_aws_default_service_quotas",
        {"Quotas": [quota(WARM_POOL, "L-WARM0001", 0)]},
        {**LIST_PARAMS, "NextToken": "page2"},
    )
    stubber.add_response(
        "list_service_quotas",
        {"Quotas": [quota(MAX_INSTANCES_PER_JOB, "L-PERJOB01", 20)], "NextToken": "next"},
        LIST_PARAMS,
    )
    stubber.add_response(
        "list_service_quotas",
        {"Quotas": [quota(INSTANCES_ACROSS_JOBS, "L-ACROSS01", 20)]},
        {**LIST_PARAMS, "NextToken": "next"},
    )
    quotas = fetch_quotas(client, retry=retry)
    assert set(quotas) == {TRAINING, WARM_POOL, MAX_INSTANCES_PER_JOB, INSTANCES_ACROSS_JOBS}


def test_applied_value_beats_default(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stub_listings(
        stubber,
        defaults=[quota(TRAINING, "L-TRAIN001", 0), *ACCOUNT_WIDE],
        applied=[quota(TRAINING, "L-TRAIN001", 8)],
    )
    checks = check_quotas(derive_requirements([job(instance_count=4)]), client, retry=retry)
    training = next(c for c in checks if c.requirement.quota_name == TRAINING)
    assert training.quota is not None
    assert (training.quota.value, training.quota.source) == (8, Source.APPLIED)
    assert [c.status for c in checks] == [Status.OK] * 3


def test_warm_pool_quota_zero_is_short_and_says_pool_is_silently_not_retained(
    sq: StubbedClient, retry: Retry
) -> None:
    client, stubber = sq
    stub_listings(
        stubber,
        defaults=[quota(TRAINING, "L-TRAIN001", 4), quota(WARM_POOL, "L-WARM0001", 0)],
        applied=ACCOUNT_WIDE,
    )
    checks = check_quotas(
        derive_requirements([job(keep_alive_period_in_seconds=900)]), client, retry=retry
    )
    warm = next(c for c in checks if c.requirement.quota_name == WARM_POOL)
    assert warm.status is Status.SHORT
    assert "silently NOT retain the warm pool" in warm.message
    assert warm.request_command == (
        "aws service-quotas request-service-quota-increase --service-code sagemaker "
        f"--quota-code L-WARM0001 --desired-value 1 --region {REGION}"
    )
    assert all(c.status is Status.OK for c in checks if c is not warm)


def test_training_shortfall_names_resource_limit_exceeded(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stub_listings(
        stubber,
        defaults=[quota(TRAINING, "L-TRAIN001", 1, adjustable=False)],
        applied=ACCOUNT_WIDE,
    )
    checks = check_quotas(derive_requirements([job(instance_count=2)]), client, retry=retry)
    assert checks[0].status is Status.SHORT
    assert "ResourceLimitExceeded" in checks[0].message
    assert "not adjustable" in checks[0].message


def test_missing_quota_is_unknown_never_ok(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stub_listings(stubber, defaults=ACCOUNT_WIDE, applied=[])
    checks = check_quotas(derive_requirements([job()]), client, retry=retry)
    assert checks[0].status is Status.UNKNOWN
    assert "ml.p3.2xlarge" in checks[0].message
    assert checks[0].request_command is None


def test_throttling_is_retried_with_backoff(
    sq: StubbedClient, retry: Retry, sleeps: list[float]
) -> None:
    client, stubber = sq
    for _ in range(2):
        stubber.add_client_error(
            "list_aws_default_service_quotas", "TooManyRequestsException", "Rate exceeded"
        )
    stub_listings(stubber, defaults=[quota(TRAINING, "L-TRAIN001", 4), *ACCOUNT_WIDE], applied=[])
    checks = check_quotas(derive_requirements([job()]), client, retry=retry)
    assert [c.status for c in checks] == [Status.OK] * 3
    assert sleeps == [0.5, 1.0]


def test_persistent_throttling_makes_every_check_unknown(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    for _ in range(retry.attempts):
        stubber.add_client_error(
            "list_aws_default_service_quotas", "TooManyRequestsException", "Rate exceeded"
        )
    checks = check_quotas(derive_requirements([job()]), client, retry=retry)
    assert {c.status for c in checks} == {Status.UNKNOWN}
    assert "TooManyRequestsException" in checks[0].message


def test_access_denied_names_the_actions_needed(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stubber.add_client_error(
        "list_aws_default_service_quotas", "AccessDeniedException", "not authorized", 400
    )
    with pytest.raises(AwsAccessError) as raised:
        check_quotas(derive_requirements([job()]), client, retry=retry)
    assert "servicequotas:ListServiceQuotas" in str(raised.value)
    assert "servicequotas:ListAWSDefaultServiceQuotas" in str(raised.value)


def test_no_credentials_is_an_access_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object, retry: Retry
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", f"{tmp_path}/config")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", f"{tmp_path}/credentials")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.Session(region_name=REGION).client("service-quotas")
    with pytest.raises(AwsAccessError, match="no usable AWS credentials") as raised:
        check_quotas(derive_requirements([job()]), client, retry=retry)
    assert "servicequotas:ListAWSDefaultServiceQuotas" in str(raised.value)


def test_usage_reduces_what_is_available(sq: StubbedClient, retry: Retry) -> None:
    client, stubber = sq
    stub_listings(stubber, defaults=[quota(TRAINING, "L-TRAIN001", 4), *ACCOUNT_WIDE], applied=[])
    checks = check_quotas(
        derive_requirements([job(instance_count=2)]), client, usage={TRAINING: 3}, retry=retry
    )
    assert (checks[0].status, checks[0].in_use, checks[0].desired_value) == (Status.SHORT, 3, 5)
    assert "--desired-value 5" in (checks[0].request_command or "")


def count_calls(client: Client) -> list[str]:
    """Names of the API calls the client makes (stubbed or not)."""
    calls: list[str] = []
    client.meta.events.register(
        "after-call", lambda model, **_: calls.append(model.name), unique_id="count"
    )
    return calls


@pytest.mark.parametrize("jobs", [1, 100], ids=["1-job", "100-jobs"])
def test_calls_do_not_grow_with_jobs(sq: StubbedClient, retry: Retry, jobs: int) -> None:
    client, stubber = sq
    calls = count_calls(client)
    stub_listings(
        stubber,
        defaults=[quota(TRAINING, "L-TRAIN001", 1000), *ACCOUNT_WIDE],
        applied=[quota(INSTANCES_ACROSS_JOBS, "L-ACROSS01", 1000)],
    )
    specs = [job(f"job-{i}") for i in range(jobs)]
    checks = check_quotas(derive_requirements(specs), client, retry=retry)
    assert {c.status for c in checks} == {Status.OK}
    assert calls == ["ListAWSDefaultServiceQuotas", "ListServiceQuotas"]
