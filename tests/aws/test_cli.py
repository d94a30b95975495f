"""`quotas` and `warm-pools` commands end to end, with stubbed AWS clients."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.stub import Stubber

from cdk_sagemaker_training.aws.clients import DEFAULT_TIMEOUT, Client
from cdk_sagemaker_training.cli import aws_options, main
from tests.aws.conftest import REGION, quota, stub_listings
from tests.aws.test_checker import ACCOUNT_WIDE, TRAINING, WARM_POOL
from tests.aws.test_usage_and_increase import description, summary
from tests.aws.test_warm_pools import pooled

StubbedClient = tuple[Client, Stubber]
JOB = """\
name: {name}
framework: pytorch
framework_version: "1.13.1"
py_version: py39
compiler_config: {{}}
entry_point: train.py
source_dir: s3://code-bucket/{name}/sourcedir.tar.gz
instance_type: ml.p3.2xlarge
keep_alive_period_in_seconds: 600
"""


@pytest.fixture
def jobs(tmp_path: Path) -> Path:
    """A directory with one warm-pool job."""
    (tmp_path / "warm.yaml").write_text(JOB.format(name="warm"))
    return tmp_path


@pytest.fixture
def clients(
    monkeypatch: pytest.MonkeyPatch, sq: StubbedClient, sm: StubbedClient
) -> dict[str, Stubber]:
    """Route the commands' clients to the stubbed ones; returns the stubbers by service."""
    by_service = {"service-quotas": sq[0], "sagemaker": sm[0]}

    def create_client(
        service: str, *, profile: str | None, region: str | None, config: Config
    ) -> Client:
        assert region == REGION
        timeouts = (config.connect_timeout, config.read_timeout)  # type: ignore[attr-defined]
        assert timeouts == (DEFAULT_TIMEOUT, DEFAULT_TIMEOUT)
        return by_service[service]

    monkeypatch.setattr(aws_options, "create_client", create_client)
    return {"service-quotas": sq[1], "sagemaker": sm[1]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stub_quotas(stubber: Stubber, warm_pool: float) -> None:
    stub_listings(
        stubber,
        defaults=[quota(TRAINING, "L-TRAIN001", 4), quota(WARM_POOL, "L-WARM0001", 0)],
        applied=[quota(WARM_POOL, "L-WARM0001", warm_pool), *ACCOUNT_WIDE],
    )


def test_all_quotas_ok_exits_0(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber], jobs: Path
) -> None:
    stub_quotas(clients["service-quotas"], warm_pool=1)
    code, out, _ = run(capsys, "quotas", str(jobs), "--region", REGION)
    assert code == 0
    (row,) = [line.split() for line in out.splitlines() if line.startswith(WARM_POOL)]
    assert row[-4:] == ["1", "1", "(applied)", "ok"]


def test_warm_pool_shortfall_exits_1_with_the_request_command(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber], jobs: Path
) -> None:
    stub_quotas(clients["service-quotas"], warm_pool=0)
    code, out, _ = run(capsys, "quotas", str(jobs), "--region", REGION)
    assert code == 1
    assert "silently NOT retain the warm pool" in out
    assert "--quota-code L-WARM0001 --desired-value 1 --region us-east-1" in out


def test_sweep_lanes_size_the_warm_pool_need(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber], tmp_path: Path
) -> None:
    sweep = (
        'metric_definitions: [{Name: loss, Regex: "loss: (.+)"}]\n'
        "sweep: {parameters: {lr: [1, 2, 3]}, lanes: 3, objective: {metric: loss}}\n"
    )
    (tmp_path / "sweep.yaml").write_text(JOB.format(name="sweep") + sweep)
    stub_quotas(clients["service-quotas"], warm_pool=1)
    code, out, _ = run(capsys, "quotas", str(tmp_path), "--region", REGION)
    assert code == 1
    assert "--quota-code L-WARM0001 --desired-value 3 --region us-east-1" in out


def test_json_output(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber], jobs: Path
) -> None:
    stub_quotas(clients["service-quotas"], warm_pool=0)
    code, out, _ = run(capsys, "quotas", str(jobs), "--region", REGION, "--json")
    document = json.loads(out)
    assert (code, document["ok"], document["region"]) == (1, False, REGION)
    statuses = {c["quota_name"]: c["status"] for c in document["checks"]}
    assert statuses[WARM_POOL] == "short"
    assert statuses[TRAINING] == "ok"


def test_include_usage_subtracts_live_pools(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber], jobs: Path
) -> None:
    sagemaker = clients["sagemaker"]
    sagemaker.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": []},
        {"StatusEquals": "InProgress", "MaxResults": 100},
    )
    sagemaker.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("old")]},
        {"WarmPoolStatusEquals": "Available", "MaxResults": 100},
    )
    sagemaker.add_response(
        "describe_training_job", description("old", count=1), {"TrainingJobName": "old"}
    )
    stub_quotas(clients["service-quotas"], warm_pool=1)
    code, out, _ = run(capsys, "quotas", str(jobs), "--region", REGION, "--include-usage")
    assert code == 1
    assert "in use" in out.splitlines()[0]
    assert "--quota-code L-WARM0001 --desired-value 2" in out


def test_request_increase_reports_pending_request(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber], jobs: Path
) -> None:
    stubber = clients["service-quotas"]
    stub_quotas(stubber, warm_pool=0)
    stubber.add_client_error(
        "request_service_quota_increase",
        "ResourceAlreadyExistsException",
        "open request",
        expected_params={
            "ServiceCode": "sagemaker",
            "QuotaCode": "L-WARM0001",
            "DesiredValue": 1.0,
        },
    )
    code, out, _ = run(
        capsys, "quotas", str(jobs), "--region", REGION, "--request-increase", "--yes"
    )
    assert code == 1  # still short until AWS approves
    assert "pending" in out


def test_request_increase_asks_first(
    capsys: pytest.CaptureFixture[str],
    clients: dict[str, Stubber],
    jobs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stub_quotas(clients["service-quotas"], warm_pool=0)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, _, err = run(capsys, "quotas", str(jobs), "--region", REGION, "--request-increase")
    assert code == 1
    assert "Request 1 quota increase(s)? [y/N] No increase requested." in err


def test_yes_without_request_increase_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], jobs: Path
) -> None:
    code, _, err = run(capsys, "quotas", str(jobs), "--region", REGION, "--yes")
    assert code == 2
    assert "--request-increase" in err


def test_invalid_job_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: [unclosed\n")
    code, out, _ = run(capsys, "quotas", str(tmp_path), "--region", REGION)
    assert (code, out) == (2, "")


@pytest.mark.usefixtures("no_aws_config")
def test_no_credentials_still_prints_requirements_then_exits_3(
    capsys: pytest.CaptureFixture[str], jobs: Path
) -> None:
    code, out, err = run(capsys, "quotas", str(jobs), "--region", REGION)
    assert code == 3
    assert WARM_POOL in out
    assert "servicequotas:ListServiceQuotas" in err
    assert "Traceback" not in err


@pytest.mark.usefixtures("no_aws_config")
def test_no_region_is_a_usage_error(capsys: pytest.CaptureFixture[str], jobs: Path) -> None:
    code, _, err = run(capsys, "quotas", str(jobs))
    assert code == 2
    assert "--region" in err


@pytest.mark.usefixtures("no_aws_config")
def test_unknown_profile_is_an_access_error(capsys: pytest.CaptureFixture[str], jobs: Path) -> None:
    code, _, err = run(capsys, "warm-pools", "list", "--region", REGION, "--profile", "nope")
    assert code == 3
    assert "nope" in err


def test_warm_pools_list(capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber]) -> None:
    sagemaker = clients["sagemaker"]
    sagemaker.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": [summary("a")]},
        {"WarmPoolStatusEquals": "Available", "MaxResults": 100},
    )
    sagemaker.add_response(
        "list_training_jobs",
        {"TrainingJobSummaries": []},
        {"WarmPoolStatusEquals": "InUse", "MaxResults": 100},
    )
    sagemaker.add_response(
        "describe_training_job", pooled("a", "Available", billable=3600), {"TrainingJobName": "a"}
    )
    code, out, _ = run(capsys, "warm-pools", "list", "--region", REGION, "--json")
    assert code == 0
    assert json.loads(out) == [
        {
            "job_name": "a",
            "instance_type": "ml.p3.2xlarge",
            "instance_count": 2,
            "keep_alive_seconds": 1800,
            "status": "Available",
            "retained_billable_seconds": 3600,
            "instance_hours": 2.0,
        }
    ]


@pytest.mark.parametrize(
    ("status", "expected_code"), [("Available", 0), ("Terminated", 1)], ids=["live", "no-pool"]
)
def test_warm_pools_release(
    capsys: pytest.CaptureFixture[str],
    clients: dict[str, Stubber],
    status: str,
    expected_code: int,
) -> None:
    sagemaker = clients["sagemaker"]
    sagemaker.add_response("describe_training_job", pooled("a", status), {"TrainingJobName": "a"})
    if status == "Available":
        sagemaker.add_response(
            "update_training_job",
            {"TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/a"},
            {"TrainingJobName": "a", "ResourceConfig": {"KeepAlivePeriodInSeconds": 0}},
        )
    code, out, err = run(capsys, "warm-pools", "release", "a", "--region", REGION)
    assert code == expected_code
    assert ("released the warm pool" in out) is (expected_code == 0)
    assert ("no live warm pool" in err) is (expected_code == 1)


def test_warm_pools_access_denied_exits_3(
    capsys: pytest.CaptureFixture[str], clients: dict[str, Stubber]
) -> None:
    clients["sagemaker"].add_client_error("list_training_jobs", "AccessDeniedException", "no", 400)
    code, _, err = run(capsys, "warm-pools", "list", "--region", REGION)
    assert code == 3
    assert "sagemaker:ListTrainingJobs" in err
