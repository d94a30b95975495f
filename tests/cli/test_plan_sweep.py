"""`plan` shows a sweep's size: its trials and the lanes that get one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_sagemaker_training.cli import main

ROOT = Path(__file__).resolve().parents[2]
SWEEP = """\
keep_alive_period_in_seconds: 600
metric_definitions: [{Name: "eval:loss", Regex: "eval_loss: ([0-9.]+)"}]
sweep:
  parameters: {learning_rate: [5e-5, 3e-5, 1e-5]}
  lanes: 2
  objective: {metric: "eval:loss"}
"""


@pytest.fixture
def sweep_job(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.yaml"
    path.write_text((ROOT / "tests/fixtures/jobs/minimal.yaml").read_text() + SWEEP)
    return path


def test_plan_table_shows_trials_and_lanes(
    capsys: pytest.CaptureFixture[str], sweep_job: Path
) -> None:
    assert main(["plan", str(sweep_job)]) == 0
    header, _, row = capsys.readouterr().out.splitlines()[:3]
    assert "sweep" in header.split()
    assert "3 trials / 2 lanes" in row


def test_plan_json_has_the_sweep_or_null(
    capsys: pytest.CaptureFixture[str], sweep_job: Path
) -> None:
    main(["plan", str(sweep_job), "--json"])
    assert json.loads(capsys.readouterr().out)["jobs"][0]["sweep"] == {"trials": 3, "lanes": 2}
    main(["plan", str(ROOT / "tests/fixtures/jobs/minimal.yaml"), "--json"])
    assert json.loads(capsys.readouterr().out)["jobs"][0]["sweep"] is None
