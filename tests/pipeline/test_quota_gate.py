"""The quota gate's command, run through the real CLI with stubbed Service Quotas: its
exit code is what fails (1) or passes (0) the stage."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.stub import Stubber

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
