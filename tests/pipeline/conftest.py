"""The example delivery pipeline (gitops/pipeline.yaml), synthesized once per session."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack

from stacks.pipeline import build_pipeline
from tests.synth_helpers import ROOT, new_app

CONFIG = "gitops/pipeline.yaml"


@dataclass(frozen=True)
class PipelineSynth:
    """The synthesized pipeline app: the stacks `build_pipeline` returned, the assembly."""

    outdir: Path
    stacks: list[Stack]

    def template(self, artifact_id: str) -> dict[str, Any]:
        """A top-level template (the pipeline's, a reader's) by stack artifact id."""
        return dict(json.loads((self.outdir / f"{artifact_id}.template.json").read_text()))

    def templates(self) -> list[Path]:
        """Every template: the pipeline's, the readers' and the stages'."""
        return sorted(self.outdir.glob("**/*.template.json"))


@pytest.fixture(scope="session")
def pipeline_app(tmp_path_factory: pytest.TempPathFactory) -> PipelineSynth:
    outdir = tmp_path_factory.mktemp("pipeline")
    with contextlib.chdir(ROOT):
        app = new_app(outdir)
        stacks = build_pipeline(app, CONFIG)
        app.synth()
    return PipelineSynth(outdir, stacks)
