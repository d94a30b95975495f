"""The QuotaGuard Lambda handler: events in, CloudFormation responses out."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import Client
from cdk_sagemaker_training.aws.quotas import guard_handler
from cdk_sagemaker_training.aws.quotas.guard_handler import evaluate_event, handler
from cdk_sagemaker_training.core.quota_requirements import derive_requirements
from tests.aws.conftest import job, quota, stub_listings
from tests.aws.test_checker import ACCOUNT_WIDE, TRAINING, WARM_POOL

StubbedClient = tuple[Client, Stubber]


def properties(mode: str, **fields: Any) -> dict[str, str]:
    requirements = derive_requirements([job(**fields)])
    return {"Mode": mode, "Requirements": json.dumps([r.as_dict() for r in requirements])}


def event(
    request_type: str, props: dict[str, str], old: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "RequestType": request_type,
        "ResponseURL": "https://cloudformation-custom-resource-response.example/presigned",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/guid",
        "RequestId": "req",
        "LogicalResourceId": "QuotaGuard",
        "ResourceType": "Custom::SageMakerQuotaGuard",
        "ResourceProperties": {"ServiceToken": "arn", **props},
        **({"OldResourceProperties": old, "PhysicalResourceId": "QuotaGuard"} if old else {}),
    }


def stub_no_warm_pool_quota(stubber: Stubber) -> None:
    stub_listings(
        stubber,
        defaults=[quota(TRAINING, "L-TRAIN001", 4), quota(WARM_POOL, "L-WARM0001", 0)],
        applied=ACCOUNT_WIDE,
    )


def test_fail_mode_fails_create_with_the_shortfall(sq: StubbedClient) -> None:
    client, stubber = sq
    stub_no_warm_pool_quota(stubber)
    result = evaluate_event(
        event("Create", properties("fail", keep_alive_period_in_seconds=60)), client
    )
    assert not result.success
    assert WARM_POOL in result.reason
    assert "silently NOT retain" in result.reason
    assert "L-WARM0001" in result.reason


def test_warn_mode_succeeds_and_returns_the_report(sq: StubbedClient) -> None:
    client, stubber = sq
    stub_no_warm_pool_quota(stubber)
    result = evaluate_event(
        event("Create", properties("warn", keep_alive_period_in_seconds=60)), client
    )
    assert result.success
    assert result.data["Status"] == "short"
    assert WARM_POOL in result.data["Report"]


def test_fail_mode_passes_when_quotas_suffice(sq: StubbedClient) -> None:
    client, stubber = sq
    stub_no_warm_pool_quota(stubber)
    result = evaluate_event(event("Create", properties("fail")), client)
    assert result.success
    assert result.data == {"Report": "all 3 SageMaker quotas ok", "Status": "ok"}


def test_update_that_does_not_grow_a_need_never_fails(sq: StubbedClient) -> None:
    """A rollback re-sends the previous properties; it must not fail again."""
    client, stubber = sq
    stub_no_warm_pool_quota(stubber)
    props = properties("fail", keep_alive_period_in_seconds=60)
    bigger = properties("fail", keep_alive_period_in_seconds=60, instance_count=2)
    result = evaluate_event(event("Update", props, old=bigger), client)
    assert result.success
    assert result.data["Status"] == "short"


def test_switching_warn_to_fail_enforces_existing_shortfalls(sq: StubbedClient) -> None:
    client, stubber = sq
    stub_no_warm_pool_quota(stubber)
    old = properties("warn", keep_alive_period_in_seconds=60)
    result = evaluate_event(
        event("Update", properties("fail", keep_alive_period_in_seconds=60), old=old), client
    )
    assert not result.success


@pytest.mark.parametrize("mode", ["fail", "warn"])
def test_access_denied(sq: StubbedClient, mode: str) -> None:
    client, stubber = sq
    stubber.add_client_error("list_aws_default_service_quotas", "AccessDeniedException", "no", 400)
    result = evaluate_event(event("Create", properties(mode)), client)
    text = result.reason or result.data["Report"]
    assert result.success is (mode == "warn")
    assert "servicequotas:ListServiceQuotas" in text


class Context:
    log_stream_name = "2024/01/01/[$LATEST]abc"


@pytest.fixture
def responses(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Bodies the handler PUTs to the pre-signed response URL."""
    sent: list[dict[str, Any]] = []

    class Response:
        def __enter__(self) -> Response:
            return self

        def __exit__(self, *_: object) -> None:
            return None

        def read(self) -> bytes:
            return b""

    def urlopen(request: urllib.request.Request, timeout: float) -> Response:
        assert request.get_method() == "PUT"
        assert isinstance(request.data, bytes)
        sent.append(json.loads(request.data))
        return Response()

    monkeypatch.setattr(guard_handler.urllib.request, "urlopen", urlopen)
    return sent


def test_handler_answers_delete_without_aws_calls(
    responses: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_client(service: str, **_: Any) -> Client:
        raise AssertionError("Delete must not call AWS")

    monkeypatch.setattr(guard_handler, "create_client", no_client)
    handler(event("Delete", properties("fail"), old=properties("fail")), Context())
    assert responses[0]["Status"] == "SUCCESS"
    assert responses[0]["PhysicalResourceId"] == "QuotaGuard"


def test_handler_runs_the_checker_and_reports_failure(
    responses: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, sq: StubbedClient
) -> None:
    client, stubber = sq
    stub_no_warm_pool_quota(stubber)
    monkeypatch.setattr(guard_handler, "create_client", lambda service, **_: client)
    handler(event("Create", properties("fail", keep_alive_period_in_seconds=60)), Context())
    (body,) = responses
    assert (body["Status"], body["StackId"], body["RequestId"]) == (
        "FAILED",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/s/guid",
        "req",
    )
    assert WARM_POOL in body["Reason"]
    assert len(json.dumps(body).encode()) < 4096


def test_handler_answers_even_when_the_event_is_broken(
    responses: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, sq: StubbedClient
) -> None:
    monkeypatch.setattr(guard_handler, "create_client", lambda service, **_: sq[0])
    broken = event("Create", {"Mode": "fail", "Requirements": "not json"})
    handler(broken, Context())
    assert responses[0]["Status"] == "FAILED"
    assert "quota guard failed: JSONDecodeError" in responses[0]["Reason"]


def test_response_stays_under_the_cloudformation_limit_for_many_jobs(
    responses: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch, sq: StubbedClient
) -> None:
    client, stubber = sq
    stub_listings(stubber, defaults=[], applied=[])  # every quota unknown
    monkeypatch.setattr(guard_handler, "create_client", lambda service, **_: client)
    specs = [job(f"job-{i}", instance_type=f"ml.p3.{i}xlarge") for i in range(80)]
    props = {
        "Mode": "fail",
        "Requirements": json.dumps([r.as_dict() for r in derive_requirements(specs)]),
    }
    handler(event("Create", props), Context())
    (body,) = responses
    assert body["Status"] == "FAILED"
    assert "truncated; run the `quotas` command" in body["Reason"]
    assert len(json.dumps(body).encode()) < 4096
