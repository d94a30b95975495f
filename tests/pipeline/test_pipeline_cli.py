"""The pipeline through the real CDK CLI, as the README's bootstrap and the pipeline's
own synth step run it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline.conftest import CONFIG
from tests.synth_helpers import ROOT


@pytest.mark.cli_synth
def test_cdk_cli_synthesizes_the_pipeline_only_when_asked(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "CDK_DISABLE_VERSION_CHECK": "true",
    }
    result = subprocess.run(
        ["npx", "cdk", "synth", "--quiet", "-c", f"pipeline={CONFIG}", "-o", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    top = sorted(p.name for p in tmp_path.glob("*.template.json"))
    assert top == [
        "QuotaReader-222222222222.template.json",
        "QuotaReader-333333333333.template.json",
        "TrainingPipeline.template.json",
        "cross-region-stack-111111111111_us-west-2.template.json",  # prod's region
    ]
    assert not list(tmp_path.glob("TrainingJobs*.template.json"))  # only inside the stages
    stages = sorted(p.name for p in tmp_path.glob("assembly-TrainingPipeline-*"))
    assert stages == ["assembly-TrainingPipeline-dev", "assembly-TrainingPipeline-prod"]
