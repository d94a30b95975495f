"""The quota gate's commands: the `quotas` command through the real CLI with stubbed
Service Quotas (its exit code fails or passes the stage), and the AWS profile it writes,
resolved by botocore into the stage account's reader role."""

from __future__ import annotations

import json
import shlex
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber
from moto import mock_aws

from cdk_sagemaker_training.aws.clients import Client
from cdk_sagemaker_training.cli import aws_options, main
from cdk_sagemaker_training.cli.exit_codes import FINDINGS, OK
from stacks.pipeline import CLI, READER_PROFILE, gate_commands
from stacks.pipeline_config import StageConfig
from tests.aws.conftest import REGION, make_client
from tests.aws.test_cli import JOB, stub_quotas


@pytest.mark.parametrize(("warm_pool", "exit_code"), [(0, FINDINGS), (1, OK)])
def test_gate_command_exit_code_decides_the_stage(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    warm_pool: int,
    exit_code: int,
) -> None:
    (tmp_path / "warm.yaml").write_text(JOB.format(name="warm"))
    stage = StageConfig(name="dev", account="222222222222", region=REGION, jobs=str(tmp_path))
    program, *argv = shlex.split(gate_commands(stage)[-1])
    assert program == CLI
    profiles: list[str | None] = []

    def create_client(
        service: str, *, profile: str | None, region: str | None, config: Config
    ) -> Client:
        assert (service, region) == ("service-quotas", REGION)
        profiles.append(profile)
        return quotas

    monkeypatch.setattr(aws_options, "create_client", create_client)
    quotas = make_client("service-quotas")
    with Stubber(quotas) as stubber:
        stub_quotas(stubber, warm_pool=warm_pool)
        assert main(argv) == exit_code
        stubber.assert_no_pending_responses()
    assert profiles == [READER_PROFILE]
    table = capsys.readouterr().out
    assert ("short" in table) is (exit_code == FINDINGS)


class _ContainerCredentials(BaseHTTPRequestHandler):
    """CodeBuild's container credentials endpoint, as botocore's EcsContainer source reads it."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        body = json.dumps(
            {
                "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
                "SecretAccessKey": "codebuild-secret-key",
                "Token": "codebuild-token",
                "Expiration": "2099-01-01T00:00:00Z",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """Quiet."""


def aws_config(commands: list[str], env: dict[str, str]) -> str:
    """The AWS config file the gate's `aws configure set profile.P.KEY VALUE` lines write."""
    sections: dict[str, dict[str, str]] = {}
    for command in commands:
        words = shlex.split(command)
        if words[:3] == ["aws", "configure", "set"]:
            _, profile, key = words[3].split(".")
            value = words[4].replace("$QUOTA_READER_ROLE_ARN", env["QUOTA_READER_ROLE_ARN"])
            sections.setdefault(profile, {})[key] = value
    return "".join(
        f"[profile {profile}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
        for profile, values in sections.items()
    )


def test_gate_profile_assumes_the_reader_role_with_codebuild_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """botocore reads the profile the gate writes: container credentials, then
    AssumeRole into the stage account (moto's STS answers)."""
    stage = StageConfig(name="prod", account="333333333333", region="us-west-2")
    role_arn = "arn:aws:iam::333333333333:role/training-jobs-quota-reader"
    config = tmp_path / "config"
    config.write_text(aws_config(gate_commands(stage), {"QUOTA_READER_ROLE_ARN": role_arn}))
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ContainerCredentials)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI", f"http://127.0.0.1:{server.server_port}/creds"
    )
    try:
        with mock_aws():
            session = boto3.Session(profile_name=READER_PROFILE, region_name=stage.region)
            identity = session.client("sts").get_caller_identity()
    finally:
        server.shutdown()
        server.server_close()
    assert identity["Arn"].startswith(
        "arn:aws:sts::333333333333:assumed-role/training-jobs-quota-reader/"
    )
    assert _ContainerCredentials.requests == ["/creds"]
