#!/usr/bin/env python3
"""The reference CDK app: SageMaker training jobs from job files (`-c jobs=<file or dir>`),
or their delivery pipeline (`-c pipeline=gitops/pipeline.yaml`)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor

from cdk_sagemaker_training import JobSpec, SpecError, load_jobs
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH

VALIDATION_FAILED = "Validation failed"
CONTEXT_ENV = "CDK_CONTEXT_JSON"
"""Where the CDK CLI hands an app its context (aws-cdk-lib's `cxapi.CONTEXT_ENV`)."""


def read_ahead(environ: Mapping[str, str]) -> tuple[str, Future[list[JobSpec]]] | None:
    """Start reading the job files the CLI's context names, in a thread: parsing them then
    overlaps the loading of aws-cdk-lib, which is mostly node's work. Returns the path and
    the pending result; None for the pipeline app or an unreadable context.

    What the environment says is only a hint: `main` uses the result only when the App's
    own context names the same path.
    """
    try:
        context = json.loads(environ.get(CONTEXT_ENV) or "{}")
    except ValueError:
        return None
    if not isinstance(context, dict) or context.get("pipeline"):
        return None
    path = str(context.get("jobs") or DEFAULT_JOBS_PATH)
    executor = ThreadPoolExecutor(max_workers=1)
    future = executor.submit(load_jobs, path)
    executor.shutdown(wait=False)  # the thread ends with its one task
    return path, future


def main() -> int:
    """Synthesize; bad input prints its findings (exit 2) or validation errors (exit 1)."""
    ahead = read_ahead(os.environ)
    from aws_cdk import App  # loads while the job files are read

    from stacks import build_app

    app = App()
    try:
        pipeline = app.node.try_get_context("pipeline")
        if pipeline:
            from stacks.pipeline import build_pipeline  # only then load aws_cdk.pipelines

            build_pipeline(app, str(pipeline))
        else:
            path = str(app.node.try_get_context("jobs") or DEFAULT_JOBS_PATH)
            build_app(app, ahead[1].result() if ahead and ahead[0] == path else None)
        app.synth()
    except SpecError as error:
        print(error, file=sys.stderr)
        return 2
    except RuntimeError as error:  # jsii's synth-time validation: codes, construct paths
        if VALIDATION_FAILED not in str(error):
            raise
        print(error, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
