"""Two apps built in one process share no state: each synthesizes to exactly the
templates it gives when built alone in a fresh interpreter.

The apps use the same stack and construct ids and job names but differ in environment
(image mapping vs concrete URI), buckets (a bucket of another stack) and roles, and
their jobs are built interleaved, so a cache keyed by anything but the stack leaks.
Run as `python -m tests.constructs.test_two_apps <app> <outdir>` to build one app alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack

from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.cdk.warm_pool_group import WarmPoolGroup
from cdk_sagemaker_training.core.model import Channel
from tests.factories import BASE, HUGGINGFACE
from tests.synth_helpers import ROOT, new_app

Step = Callable[[], object]


def agnostic_app(app: App) -> Iterator[Step]:
    """Environment-agnostic: a shared bucket in another stack, a warm-pool group."""
    storage = Stack(app, "Storage")
    stack = Stack(app, "Jobs")
    bucket = OutputBucket(storage, "Output").bucket
    group = WarmPoolGroup(stack, "Pool", name="pool")
    pooled = replace(HUGGINGFACE, output_path=None, keep_alive_period_in_seconds=600)
    yield partial(TrainingJob, stack, "Job", job=BASE)
    for name in ("pool-a", "pool-b"):
        yield partial(
            TrainingJob,
            stack,
            name.title().replace("-", ""),
            job=replace(pooled, name=name, warm_pool_group="pool"),
            warm_pool_group=group,
            output_bucket=bucket,
        )


def pinned_app(app: App) -> Iterator[Step]:
    """us-west-2: concrete image URIs, each job its own role and bucket."""
    stack = Stack(app, "Jobs", env=Environment(account="111122223333", region="us-west-2"))
    yield partial(TrainingJob, stack, "Job", job=replace(BASE, output_path=None))
    yield partial(
        TrainingJob,
        stack,
        "PoolA",
        job=replace(
            HUGGINGFACE,
            name="pool-a",
            inputs=(Channel(name="train", s3_data="s3://data-bucket/train"),),
            volume_kms_key="alias/training",
        ),
    )


APPS = {"agnostic": agnostic_app, "pinned": pinned_app}


def templates(outdir: Path) -> dict[str, Any]:
    """Every template of a synthesized app, by file name."""
    return {p.name: json.loads(p.read_text()) for p in sorted(outdir.glob("*.template.json"))}


def build_alone(name: str, outdir: Path) -> None:
    """Build and synthesize one app, alone in this interpreter."""
    app = new_app(outdir)
    for step in APPS[name](app):
        step()
    app.synth()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    """Per app: (built next to the other in this process, built alone in a subprocess).

    The subprocesses run while this process builds both apps, construction steps
    interleaved.
    """
    alone = {name: tmp_path_factory.mktemp(f"alone-{name}") for name in APPS}
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.constructs.test_two_apps", name, str(outdir)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name, outdir in alone.items()
    ]
    together = {name: tmp_path_factory.mktemp(f"together-{name}") for name in APPS}
    apps = {name: new_app(outdir) for name, outdir in together.items()}
    steps = [APPS[name](app) for name, app in apps.items()]
    while steps:
        for builder in list(steps):
            step = next(builder, None)
            if step is None:
                steps.remove(builder)
            else:
                step()
    for app in apps.values():
        app.synth()
    for process in processes:
        _, errors = process.communicate()
        assert process.returncode == 0, errors.decode()
    return {name: (together[name], alone[name]) for name in APPS}


@pytest.mark.parametrize("name", sorted(APPS))
def test_app_built_next_to_another_equals_the_app_built_alone(
    name: str, runs: dict[str, tuple[Path, Path]]
) -> None:
    together, alone = runs[name]
    assert templates(alone)
    assert templates(together) == templates(alone)


if __name__ == "__main__":
    build_alone(sys.argv[1], Path(sys.argv[2]))
