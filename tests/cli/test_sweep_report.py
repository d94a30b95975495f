"""`sweep report`: from an execution (DescribeExecution) or trials.json (GetObject),
with stubbed Step Functions and S3 clients."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.response import StreamingBody
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import Client
from cdk_sagemaker_training.aws.sweeps import build_report
from cdk_sagemaker_training.cli import aws_options, main
from tests.aws.conftest import make_client

REGION = "eu-west-1"
EXECUTION = f"arn:aws:states:{REGION}:111122223333:execution:bert-sweep-launcher:run-1"
URI = "s3://out-bucket/bert-sweep/run-1/trials.json"


def trial(
    index: int, lane: int, start: str, training: str | None, *, reused: bool = False, **fields: Any
) -> dict[str, Any]:
    name = f"bert-sweep-0a1b2c3d4e5f60718293-t00{index}"
    return {
        "trial": index,
        "lane": lane,
        "jobName": name,
        "hyperparameters": {"learning_rate": f"{index + 1}e-05"},
        "status": "Completed",
        "objective": 0.5 - index / 10,
        "creationTime": f"2026-11-29T10:{start}.000Z",
        "trainingStartTime": None if training is None else f"2026-11-29T10:{training}.000Z",
        "failureReason": None,
        "reusedPool": reused,
        "previousPoolReusedBy": name if reused else fields.pop("reused_by", None),
        **fields,
    }


def summary(*trials: dict[str, Any]) -> dict[str, Any]:
    best = min(trials, key=lambda t: t["objective"] if t["objective"] is not None else 9)
    return {
        "sweep": "bert-sweep-0a1b2c3d4e5f60718293",
        "objective": {"metric": "eval:loss", "goal": "minimize"},
        "best": best,
        "trials": list(trials),
        "trialsUri": URI,
    }


WARM = summary(
    trial(0, 0, "00:00", "04:00"),
    trial(1, 1, "00:00", "04:10"),
    trial(2, 0, "10:00", "10:20", reused=True),
    trial(3, 1, "11:00", "11:30", reused=True),
)
"""Two lanes: cold starts of 240 s and 250 s, then 20 s and 30 s on the previous pools."""
COLD = summary(
    trial(0, 0, "00:00", "04:00"),
    trial(1, 0, "10:00", "14:10"),
    trial(2, 0, "20:00", None, status="Failed", objective=None),
)
"""One lane whose pools were never reused (trial 2 failed before training)."""


REGIONS: list[str | None] = []
"""The region of each client the command created (in the running test)."""


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Stubber]]:
    """Route the command's clients to stubbed ones; every queued response must be used."""
    clients = {service: make_client(service) for service in ("stepfunctions", "s3")}
    REGIONS.clear()

    def create_client(
        service: str, *, profile: str | None, region: str | None, config: Config
    ) -> Client:
        REGIONS.append(region)
        return clients[service]

    monkeypatch.setattr(aws_options, "create_client", create_client)
    stubbers = {service: Stubber(client) for service, client in clients.items()}
    for stubber in stubbers.values():
        stubber.activate()
    yield stubbers
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()


def described(output: dict[str, Any] | None, status: str = "SUCCEEDED") -> dict[str, Any]:
    answer = {
        "executionArn": EXECUTION,
        "stateMachineArn": EXECUTION.replace(":execution:", ":stateMachine:").rsplit(":", 1)[0],
        "status": status,
        "startDate": "2026-11-29T10:00:00Z",
    }
    if output is not None:
        answer["output"] = json.dumps(output)
    return answer


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["sweep", "report", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_report_from_an_execution_shows_reuse_and_savings(
    capsys: pytest.CaptureFixture[str], stubbed: dict[str, Stubber]
) -> None:
    stubbed["stepfunctions"].add_response(
        "describe_execution", described(WARM), {"executionArn": EXECUTION}
    )
    code, out, _ = run(capsys, EXECUTION)
    assert code == 0 and REGIONS == [REGION]  # the execution's own region
    lines = out.splitlines()
    assert "minimize eval:loss" in lines[0]
    rows = {line.split()[0]: line.split() for line in lines[3:-1]}
    assert rows["2"][-3:] == ["20", "reused", "220"]
    assert rows["3"][-3:] == ["30", "reused", "220"]
    assert rows["0"][-3:] == ["240", "cold", "-"]
    assert "saved 440 s" in lines[-1]


def test_report_from_trials_json_without_reuse(
    capsys: pytest.CaptureFixture[str], stubbed: dict[str, Stubber]
) -> None:
    body = json.dumps(COLD).encode()
    stubbed["s3"].add_response(
        "get_object",
        {"Body": StreamingBody(io.BytesIO(body), len(body))},
        {"Bucket": "out-bucket", "Key": "bert-sweep/run-1/trials.json"},
    )
    code, out, _ = run(capsys, URI, "--json", "--region", REGION)
    assert code == 0
    report = json.loads(out)
    assert [t["pool"] for t in report["trials"]] == ["cold", "cold", "cold"]
    assert [t["saved_seconds"] for t in report["trials"]] == [None, -10.0, None]
    assert report["trials"][2]["startup_seconds"] is None
    assert report["best_trial"] == 1 and report["saved_seconds"] == -10.0


def test_json_and_table_hold_the_same_data(
    capsys: pytest.CaptureFixture[str], stubbed: dict[str, Stubber]
) -> None:
    stubbed["stepfunctions"].add_response(
        "describe_execution", described(WARM), {"executionArn": EXECUTION}
    )
    code, out, _ = run(capsys, EXECUTION, "--json")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(build_report(WARM).as_dict()))


def test_trial_on_another_lanes_pool_is_marked() -> None:
    other = summary(
        trial(0, 0, "00:00", "04:00"),
        trial(1, 1, "00:00", "04:00"),
        trial(2, 0, "10:00", "10:15", reused_by="bert-sweep-0a1b2c3d4e5f60718293-t003"),
        trial(3, 1, "10:00", "10:15"),
    )
    pools = {t.trial: t.pool for t in build_report(other).trials}
    assert pools == {0: "cold", 1: "cold", 2: "cold", 3: "other lane"}


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (described(None, "RUNNING"), "execution is RUNNING"),
        (described({"not": "a sweep"}), "holds no sweep trial table"),
    ],
    ids=["running", "not-a-sweep"],
)
def test_execution_without_a_table_is_an_input_error(
    capsys: pytest.CaptureFixture[str],
    stubbed: dict[str, Stubber],
    answer: dict[str, Any],
    message: str,
) -> None:
    stubbed["stepfunctions"].add_response("describe_execution", answer, {"executionArn": EXECUTION})
    code, _, err = run(capsys, EXECUTION)
    assert code == 2 and message in err


def test_source_that_is_neither_arn_nor_uri_is_an_input_error(
    capsys: pytest.CaptureFixture[str], stubbed: dict[str, Stubber]
) -> None:
    code, _, err = run(capsys, "bert-sweep")
    assert code == 2 and "execution ARN or an s3:// URI" in err


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("AccessDeniedException", "states:DescribeExecution"),
        ("ExecutionDoesNotExist", "ExecutionDoesNotExist"),
    ],
    ids=["denied", "missing"],
)
def test_aws_errors_exit_3(
    capsys: pytest.CaptureFixture[str], stubbed: dict[str, Stubber], error: str, expected: str
) -> None:
    stubbed["stepfunctions"].add_client_error("describe_execution", error, "no", 400)
    code, _, err = run(capsys, EXECUTION)
    assert code == 3 and expected in err


def test_missing_object_exits_3(
    capsys: pytest.CaptureFixture[str], stubbed: dict[str, Stubber]
) -> None:
    stubbed["s3"].add_client_error("get_object", "NoSuchKey", "The key does not exist", 404)
    code, _, err = run(capsys, URI, "--region", REGION)
    assert code == 3 and "NoSuchKey" in err
