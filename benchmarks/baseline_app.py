#!/usr/bin/env python3
"""The end-to-end benchmark's baseline: the reference app's jobs with aws-cdk-lib's task.

Reads the same job files (`-c jobs=<dir>`, with this library's loader) and splits them
into stacks of `-c jobs_per_stack=<n>` like the reference app; each job becomes one
`SageMakerCreateTrainingJob` in a Standard state machine (`benchmarks/common.py`). The
training images come from `-c images=<json file>` (job name -> URI), as a user of
aws-cdk-lib writes them by hand. Run by `benchmarks/synth_e2e.py` as `cdk synth` would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from aws_cdk import App

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` package

from benchmarks.common import baseline_job, build_baseline_stacks
from cdk_sagemaker_training.core.loader import load_jobs


def main() -> None:
    """Synthesize the baseline app."""
    app = App()
    context = app.node.try_get_context
    images: dict[str, str] = json.loads(Path(context("images")).read_text())
    per_stack = int(context("jobs_per_stack"))
    jobs = [baseline_job(spec, images[spec.name]) for spec in load_jobs(context("jobs"))]
    build_baseline_stacks(app, jobs, per_stack)
    app.synth()


if __name__ == "__main__":
    main()
