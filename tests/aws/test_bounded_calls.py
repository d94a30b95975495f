"""AWS calls that always end: client setup errors, hung endpoints and `--timeout` (exit 3)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.aws.clients import DEFAULT_TIMEOUT, MAX_ATTEMPTS, create_client
from cdk_sagemaker_training.cli import main
from tests.aws.conftest import REGION
from tests.aws.loopback import silent_endpoint
from tests.synth_helpers import ROOT

JOBS = str(ROOT / "jobs")
COMMANDS = {
    "quotas": ["quotas", JOBS],
    "warm-pools-list": ["warm-pools", "list"],
    "warm-pools-release": ["warm-pools", "release", "some-job"],
}


def finishes(call: Callable[[], Any], seconds: float = 60) -> Any:
    """`call()` in a thread; fails (instead of hanging the suite) when it does not end."""
    outcome: list[Any] = []
    worker = threading.Thread(target=lambda: outcome.append(call()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"did not finish within {seconds} s"
    return outcome[0]


@pytest.fixture
def dummy_keys(monkeypatch: pytest.MonkeyPatch, no_aws_config: None) -> None:
    """Credentials that sign requests (no AWS account answers them here)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def write_config(tmp_path: Path, text: str) -> None:
    (tmp_path / "config").write_text(text)


def no_keys_but(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, config: str) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    write_config(tmp_path, config)


# (id, how the environment is broken, extra arguments, text the message must contain)
SETUP_ERRORS: list[tuple[str, Callable[[pytest.MonkeyPatch, Path], None], list[str], str]] = [
    ("bad-region", lambda mp, tmp: None, ["--region", "not a region!"], "region"),
    (
        "invalid-endpoint-url",
        lambda mp, tmp: mp.setenv("AWS_ENDPOINT_URL", "not a url::"),
        ["--region", REGION],
        "Invalid endpoint",
    ),
    (
        "malformed-config-file",
        lambda mp, tmp: write_config(tmp, "[default\nregion = us-east-1\n"),
        ["--region", REGION],
        "Unable to parse config file",
    ),
    (
        "failing-credential-process",
        lambda mp, tmp: no_keys_but(mp, tmp, "[default]\ncredential_process = /bin/false\n"),
        ["--region", REGION],
        "no usable AWS credentials",
    ),
    ("unknown-profile", lambda mp, tmp: None, ["--region", REGION, "--profile", "nope"], "nope"),
]


@pytest.mark.usefixtures("dummy_keys")
@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(
    ("breakage", "arguments", "detail"),
    [case[1:] for case in SETUP_ERRORS],
    ids=[case[0] for case in SETUP_ERRORS],
)
def test_client_setup_errors_exit_3_with_a_message(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: str,
    breakage: Callable[[pytest.MonkeyPatch, Path], None],
    arguments: list[str],
    detail: str,
) -> None:
    breakage(monkeypatch, tmp_path)
    code = main([*COMMANDS[command], *arguments])
    err = capsys.readouterr().err
    assert code == 3, err
    assert detail in err and err.startswith("error: ")


@pytest.mark.usefixtures("dummy_keys")
@pytest.mark.parametrize("command", list(COMMANDS))
def test_hung_endpoint_ends_with_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    with silent_endpoint() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        code = finishes(lambda: main([*COMMANDS[command], "--region", REGION, "--timeout", "0.2"]))
    err = capsys.readouterr().err
    assert code == 3
    assert "cannot reach AWS" in err and "Read timeout" in err and "--timeout" in err


@pytest.mark.usefixtures("dummy_keys")
def test_aws_region_is_honoured_and_region_option_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert create_client("sagemaker").meta.region_name == "eu-west-1"
    assert create_client("sagemaker", region="ap-south-1").meta.region_name == "ap-south-1"
    monkeypatch.delenv("AWS_REGION")
    assert create_client("sagemaker").meta.region_name == "us-west-2"


@pytest.mark.usefixtures("dummy_keys")
def test_clients_have_bounded_timeouts_and_retries() -> None:
    config = create_client("sagemaker", region=REGION).meta.config
    assert (config.connect_timeout, config.read_timeout) == (DEFAULT_TIMEOUT, DEFAULT_TIMEOUT)
    assert config.retries["total_max_attempts"] == MAX_ATTEMPTS


@pytest.mark.parametrize("value", ["0", "-1", "abc", "3601"])
def test_timeout_must_be_a_positive_number_of_seconds(
    capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["warm-pools", "list", "--region", REGION, "--timeout", value])
    assert exit_.value.code == 2
    assert "--timeout" in capsys.readouterr().err
