"""`app.py` reads the job files in a thread while aws-cdk-lib loads, and uses what it read
only when the App's own context names the same path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import CONTEXT_ENV, read_ahead
from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH, load_jobs
from tests.synth_helpers import ROOT

EXAMPLE = ROOT / "jobs" / "pytorch-xla-multinode.yaml"


def test_read_ahead_reads_what_the_cli_context_names() -> None:
    ahead = read_ahead({CONTEXT_ENV: json.dumps({"jobs": str(EXAMPLE)})})
    assert ahead is not None
    path, future = ahead
    assert path == str(EXAMPLE)
    assert future.result(timeout=60) == load_jobs(EXAMPLE)


def test_read_ahead_defaults_to_the_jobs_folder() -> None:
    ahead = read_ahead({})
    assert ahead is not None
    assert ahead[0] == str(DEFAULT_JOBS_PATH)
    ahead[1].result(timeout=60)


def test_read_ahead_keeps_the_loader_error_for_main(tmp_path: Path) -> None:
    ahead = read_ahead({CONTEXT_ENV: json.dumps({"jobs": str(tmp_path / "missing")})})
    assert ahead is not None
    with pytest.raises(SpecError, match="SPEC001"):
        ahead[1].result(timeout=60)


@pytest.mark.parametrize(
    "context", ["not json", json.dumps(["jobs"]), json.dumps({"pipeline": "p.yaml"})]
)
def test_nothing_is_read_ahead_for_a_pipeline_or_an_unreadable_context(context: str) -> None:
    assert read_ahead({CONTEXT_ENV: context}) is None


def test_the_app_reads_again_when_its_context_names_other_files(tmp_path: Path) -> None:
    """The environment names a missing folder, the CLI's overflow file (which the App
    reads last) a valid job: the app must synthesize that job, not fail on the hint."""
    overflow = tmp_path / "context.json"
    overflow.write_text(json.dumps({"jobs": str(EXAMPLE), "quota_guard": "off"}))
    env = {
        **os.environ,
        CONTEXT_ENV: json.dumps({"jobs": str(tmp_path / "missing")}),
        "CONTEXT_OVERFLOW_LOCATION_ENV": str(overflow),
        "CDK_OUTDIR": str(tmp_path / "out"),
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "SPEC001" not in result.stderr
    (template,) = (tmp_path / "out").glob("*.template.json")
    assert "pytorch-xla-multinode" in template.read_text()
