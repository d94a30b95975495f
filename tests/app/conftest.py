"""The reference app, synthesized once per session: the examples and 200 jobs."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.core.loader import load_jobs
from cdk_sagemaker_training.core.model import JobSpec
from stacks import build_app
from stacks.training_jobs import TrainingJobsStack
from tests.synth_helpers import ROOT, new_app, template_files

EXAMPLES = ROOT / "jobs"
SCALE_JOBS = 200
GROUP_SIZE = 5


@dataclass(frozen=True)
class AppSynth:
    """A synthesized reference app."""

    outdir: Path
    stacks: list[TrainingJobsStack]

    def templates(self) -> list[Path]:
        """Every template the app wrote."""
        return template_files(self.outdir)


def synthesize(outdir: Path, specs: list[JobSpec] | None = None, **context: Any) -> AppSynth:
    """Build and synthesize the reference app (job paths are relative to the project)."""
    with contextlib.chdir(ROOT):
        app = new_app(outdir, **context)
        stacks = build_app(app, specs)
        app.synth()
    return AppSynth(outdir, stacks)


def scale_specs(count: int = SCALE_JOBS) -> list[JobSpec]:
    """`count` jobs cycling through the examples; warm-pool jobs in groups of five."""
    examples = load_jobs(EXAMPLES)
    specs = []
    for index in range(count):
        base = examples[index % len(examples)]
        group = f"pool-{index // GROUP_SIZE}" if base.warm_pool_group else None
        specs.append(replace(base, name=scale_name(base.name, index), warm_pool_group=group))
    return specs


def scale_name(name: str, index: int) -> str:
    """The name of the `index`-th scale job made from example `name`."""
    return f"{name[:30]}-{index:03d}"


def write_scale_files(folder: Path, count: int = SCALE_JOBS) -> Path:
    """`scale_specs` as job files: the example files with their name and group changed."""
    examples = sorted(EXAMPLES.glob("*.yaml"))
    for index in range(count):
        text = examples[index % len(examples)].read_text()
        name = re.search(r"^name: (.+)$", text, re.MULTILINE)
        assert name is not None
        text = text.replace(name.group(0), f"name: {scale_name(name.group(1), index)}")
        text = re.sub(
            r"^warm_pool_group: .+$",
            f"warm_pool_group: pool-{index // GROUP_SIZE}",
            text,
            flags=re.MULTILINE,
        )
        (folder / f"job-{index:03d}.yaml").write_text(text)
    return folder


@pytest.fixture(scope="session")
def example_app(tmp_path_factory: pytest.TempPathFactory) -> AppSynth:
    """The examples in `jobs/`, environment-agnostic, as `make synth` builds them."""
    return synthesize(tmp_path_factory.mktemp("examples"), jobs=str(EXAMPLES))


@pytest.fixture(scope="session")
def scale_app(tmp_path_factory: pytest.TempPathFactory) -> AppSynth:
    """200 job files, environment-specific, SDK_POLL launchers started on deploy."""
    jobs = write_scale_files(tmp_path_factory.mktemp("scale-jobs"))
    return synthesize(
        tmp_path_factory.mktemp("scale"),
        jobs=str(jobs),
        account="111122223333",
        region="us-east-1",
        integration="SDK_POLL",
        start_on_deploy="true",
    )
