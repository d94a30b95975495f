#!/usr/bin/env python3
"""The reference CDK app: SageMaker training jobs from job files (`-c jobs=<file or dir>`),
or their delivery pipeline (`-c pipeline=gitops/pipeline.yaml`)."""

from __future__ import annotations

import sys

from aws_cdk import App

from cdk_sagemaker_training import SpecError
from stacks import build_app

VALIDATION_FAILED = "Validation failed"


def main() -> int:
    """Synthesize; bad input prints its findings (exit 2) or validation errors (exit 1)."""
    app = App()
    try:
        pipeline = app.node.try_get_context("pipeline")
        if pipeline:
            from stacks.pipeline import build_pipeline  # only then load aws_cdk.pipelines

            build_pipeline(app, str(pipeline))
        else:
            build_app(app)
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
