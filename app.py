#!/usr/bin/env python3
"""The reference CDK app: SageMaker training jobs from job files (`-c jobs=<file or dir>`),
or their delivery pipeline (`-c pipeline=gitops/pipeline.yaml`)."""

from __future__ import annotations

import atexit
import json
import os
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping
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


def warm_up_validation() -> Callable[[], None]:
    """Start aws-cdk-lib's template validation engine in a thread; returns the function
    that waits for it.

    `app.synth()` checks every template with a WebAssembly rule engine that it builds
    once per process (about 2 s of node's time, the largest single cost of synthesis).
    Synthesizing an empty App into a temporary folder builds it now, so that node builds
    it while Python imports the constructs and parses job files. Until the returned
    function has returned, the caller must not call aws-cdk-lib: the jsii runtime serves
    one request at a time. The empty App reads the same context and environment as the
    real one, so it validates (and builds the engine) only if the real one would.
    """
    from aws_cdk import App

    def build() -> None:
        with tempfile.TemporaryDirectory(prefix="cdk-warm-up-") as outdir:
            try:
                App(
                    outdir=outdir,
                    auto_synth=False,
                    analytics_reporting=False,
                    performance_reporting=False,
                    tree_metadata=False,
                ).synth()
            except Exception:
                return

    thread = threading.Thread(target=build, name="cdk-validation-warm-up", daemon=True)
    thread.start()
    return thread.join


def main() -> int:
    """Synthesize; bad input prints its findings (exit 2) or validation errors (exit 1)."""
    ahead = read_ahead(os.environ)
    from aws_cdk import App  # loads while the job files are read

    warmed_up = warm_up_validation()
    from stacks import build_app  # no aws-cdk-lib call while importing

    warmed_up()
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


def exit_without_teardown(code: list[int]) -> None:
    """Exit with `code[0]` at once, skipping the interpreter's teardown (about 0.3 s of
    freeing aws-cdk-lib's modules and jsii's objects, which nothing needs); an empty
    `code` (an unexpected error) exits the usual way.

    Register it before aws-cdk-lib loads: exit handlers run last-registered first, so
    this one runs after jsii's, which stops node and forwards the last of its output.
    The cloud assembly is complete by then: node wrote it before `app.synth()` returned.
    """
    if code:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code[0])


if __name__ == "__main__":
    exit_code: list[int] = []
    atexit.register(exit_without_teardown, exit_code)
    exit_code.append(main())
    sys.exit(exit_code[0])
