"""Stubbed AWS clients and job builders for the quota and warm-pool tests."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import Client, Retry
from cdk_sagemaker_training.core.model import Framework, JobSpec

REGION = "us-east-1"


@cache
def _session() -> boto3.Session:
    # One session for all tests: it caches the loaded API models.
    return boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )


def make_client(service: str) -> Client:
    """A fresh real client (the API model validates every stubbed request), dummy keys."""
    return _session().client(service)  # type: ignore[call-overload]


def job(name: str = "job", **fields: Any) -> JobSpec:
    """A minimal valid job; `fields` override the defaults."""
    values: dict[str, Any] = {
        "framework": Framework.PYTORCH,
        "entry_point": "train.py",
        "instance_type": "ml.p3.2xlarge",
        **fields,
    }
    return JobSpec(name=name, **values)


def quota(name: str, code: str, value: float, *, adjustable: bool = True) -> dict[str, Any]:
    """One `ServiceQuota` as the listings return it."""
    return {
        "ServiceCode": "sagemaker",
        "QuotaName": name,
        "QuotaCode": code,
        "Value": value,
        "Adjustable": adjustable,
    }


LIST_PARAMS = {"ServiceCode": "sagemaker", "MaxResults": 100}


def stub_listings(
    stubber: Stubber, *, defaults: list[dict[str, Any]], applied: list[dict[str, Any]]
) -> None:
    """Queue one page of defaults, then one page of applied values."""
    stubber.add_response("list_aws_default_service_quotas", {"Quotas": defaults}, LIST_PARAMS)
    stubber.add_response("list_service_quotas", {"Quotas": applied}, LIST_PARAMS)


@pytest.fixture
def sq() -> Iterator[tuple[Client, Stubber]]:
    """A stubbed `service-quotas` client; every queued response must be consumed."""
    client = make_client("service-quotas")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sm() -> Iterator[tuple[Client, Stubber]]:
    """A stubbed `sagemaker` client; every queued response must be consumed."""
    client = make_client("sagemaker")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def sleeps() -> list[float]:
    """Delays the retry policy would have slept."""
    return []


@pytest.fixture
def retry(sleeps: list[float]) -> Retry:
    """Retry policy that records its backoff instead of sleeping."""
    return Retry(attempts=3, base_delay=0.5, sleep=sleeps.append)


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No credentials and no region anywhere in the standard chain."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
