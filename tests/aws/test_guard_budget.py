"""QuotaGuard always answers CloudFormation: in time, under 4096 bytes, and never failing
a Delete, a rollback or an Update whose needs did not grow."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import Client
from cdk_sagemaker_training.aws.quotas import guard_handler
from cdk_sagemaker_training.aws.quotas.guard_handler import (
    RESPOND_SECONDS,
    RESPONSE_LIMIT,
    GuardResult,
    handler,
    response_body,
)
from tests.aws.conftest import make_client
from tests.aws.loopback import recording_endpoint, silent_endpoint
from tests.aws.test_guard_handler import event, properties

SMALL = properties("fail", keep_alive_period_in_seconds=60)
GROWN = properties("fail", keep_alive_period_in_seconds=60, instance_count=3)
WARN = properties("warn", keep_alive_period_in_seconds=60)


class Context:
    """A Lambda context with `seconds` left when the handler starts."""

    log_stream_name = "2026/11/29/[$LATEST]abc"

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds

    def get_remaining_time_in_millis(self) -> int:
        return int((self.deadline - time.monotonic()) * 1000)


# (id, event, whether the guard may fail it when the quotas cannot be read)
EVENTS = [
    ("create", event("Create", SMALL), True),
    ("update-that-grows", event("Update", GROWN, old=SMALL), True),
    ("rollback-to-smaller", event("Update", SMALL, old=GROWN), False),
    ("update-unchanged", event("Update", SMALL, old=SMALL), False),
    ("update-in-warn-mode", event("Update", WARN, old=SMALL), False),
    ("create-in-warn-mode", event("Create", WARN), False),
    ("delete", event("Delete", SMALL, old=SMALL), False),
]


def access_denied() -> Client:
    client = make_client("service-quotas")
    stubber = Stubber(client)
    stubber.add_client_error("list_aws_default_service_quotas", "AccessDeniedException", "no")
    stubber.activate()
    return client


def crashing() -> Client:
    raise RuntimeError("boom")


FAILURES: dict[str, Callable[[], Client]] = {"access-denied": access_denied, "crash": crashing}


@pytest.fixture
def cloudformation(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[], list[Any]]]:
    """Point every event's ResponseURL at a loopback endpoint; returns the answers."""
    with recording_endpoint() as (url, bodies):
        monkeypatch.setattr(guard_handler, "RESPOND_SECONDS", RESPOND_SECONDS)
        for _, item, _ in EVENTS:
            item["ResponseURL"] = url
        yield lambda: [json.loads(body) for body in bodies]


@pytest.mark.parametrize("failure", list(FAILURES))
@pytest.mark.parametrize(
    ("request_event", "may_fail"), [e[1:] for e in EVENTS], ids=[e[0] for e in EVENTS]
)
def test_unreadable_quotas_fail_only_events_that_grow_enforced_needs(
    monkeypatch: pytest.MonkeyPatch,
    cloudformation: Callable[[], list[Any]],
    failure: str,
    request_event: dict[str, Any],
    may_fail: bool,
) -> None:
    monkeypatch.setattr(guard_handler, "create_client", lambda service, **_: FAILURES[failure]())
    handler(request_event, Context(60))
    (answer,) = cloudformation()
    assert answer["Status"] == ("FAILED" if may_fail else "SUCCESS")
    if may_fail:
        assert ("AccessDenied" if failure == "access-denied" else "boom") in answer["Reason"]


@pytest.mark.usefixtures("no_aws_config")
@pytest.mark.parametrize(
    ("request_event", "may_fail"),
    [EVENTS[0][1:], EVENTS[2][1:]],
    ids=[EVENTS[0][0], EVENTS[2][0]],
)
def test_stalled_endpoint_is_answered_before_the_lambda_times_out(
    monkeypatch: pytest.MonkeyPatch,
    cloudformation: Callable[[], list[Any]],
    request_event: dict[str, Any],
    may_fail: bool,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    lambda_timeout = RESPOND_SECONDS + 2  # two seconds for the check, the rest to answer
    context = Context(lambda_timeout)
    with silent_endpoint() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        worker = threading.Thread(target=handler, args=(request_event, context), daemon=True)
        worker.start()
        worker.join(lambda_timeout)
    assert not worker.is_alive(), "the handler outlived the Lambda timeout"
    assert context.get_remaining_time_in_millis() > 0
    (answer,) = cloudformation()
    assert answer["Status"] == ("FAILED" if may_fail else "SUCCESS")
    text = answer["Reason"] if may_fail else answer["Data"]["Report"]
    assert "could not check the quotas within" in text or "Read timeout" in text


# (id, reason, report)
OVERSIZED = [
    ("long-reason", "x" * 10_000, ""),
    ("non-ascii-reason", "é" * 5_000, ""),  # each escapes to 6 bytes of JSON
    ("long-report", "", "line\n" * 3_000),
    ("both", "r" * 5_000, "é" * 5_000),
]


@pytest.mark.parametrize(
    ("reason", "report"), [c[1:] for c in OVERSIZED], ids=[c[0] for c in OVERSIZED]
)
def test_response_fits_cloudformations_4096_bytes(reason: str, report: str) -> None:
    result = GuardResult(success=not reason, reason=reason, data={"Report": report})
    body = response_body(event("Create", SMALL), Context(60), result)
    answer = json.loads(body)
    assert len(body) <= RESPONSE_LIMIT
    assert answer["Status"] == ("SUCCESS" if not reason else "FAILED")
    assert answer["StackId"] and answer["RequestId"] == "req"
    assert "(truncated)" in answer["Reason"] + answer["Data"]["Report"]


def test_event_without_ids_still_gets_an_answer(cloudformation: Callable[[], list[Any]]) -> None:
    broken = {"RequestType": "Delete", "ResponseURL": EVENTS[0][1]["ResponseURL"]}
    handler(broken, Context(60))
    (answer,) = cloudformation()
    assert (answer["Status"], answer["PhysicalResourceId"]) == ("SUCCESS", "QuotaGuard")
