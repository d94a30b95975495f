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

    def template(self, artifact_id: str, assembly: str = "") -> dict[str, Any]:
        """A template by stack artifact id, in a stage's nested assembly if named."""
        folder = self.outdir / f"assembly-{assembly}" if assembly else self.outdir
        return dict(json.loads((folder / f"{artifact_id}.template.json").read_text()))

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
