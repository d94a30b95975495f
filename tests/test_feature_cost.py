"""The feature-cost benchmark removes exactly what it says: each feature is in the reference
app's templates with nothing removed and gone with all five removed, and the app is
whole again after the block."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Annotations, Match

import cdk_sagemaker_training.cdk.launcher_logs as launcher_logs
import cdk_sagemaker_training.cdk.training_job as training_job
import stacks.training_jobs as training_jobs
from benchmarks.common import benchmark_specs
from benchmarks.feature_cost import FEATURES, without
from cdk_sagemaker_training.cdk.quota_guard import RESOURCE_TYPE
from stacks import build_app
from tests.synth_helpers import new_app, resources


def _synthesize(outdir: Path, features: tuple[str, ...]) -> dict[str, Any]:
    with without(features) as context:
        app = new_app(outdir, nag=False, **context)
        (stack,) = build_app(app, benchmark_specs(2))
        template = app.synth().get_stack_by_name(stack.stack_name).template
    compiler_warning = Match.string_like_regexp("TRCOMP101")
    warnings = Annotations.from_stack(stack).find_warning("*", compiler_warning)
    return {"template": template, "warnings": warnings}


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """The two-job reference app with every feature, and with all five removed."""
    return {
        "whole": _synthesize(tmp_path_factory.mktemp("whole"), ()),
        "bare": _synthesize(tmp_path_factory.mktemp("bare"), FEATURES),
    }


def _present(app: dict[str, Any]) -> dict[str, bool]:
    template = app["template"]
    launchers = resources(template, "AWS::StepFunctions::StateMachine").values()
    return {
        "outputs": any(k.endswith("StateMachineArn") for k in template.get("Outputs", {})),
        "quota_guard": bool(resources(template, RESOURCE_TYPE)),
        "warnings": bool(app["warnings"]),
        "job_stopper": bool(resources(template, "AWS::Events::Rule")),
        "launcher_metadata": any("cfn-lint" in r.get("Metadata", {}) for r in launchers),
    }


def test_every_feature_is_there_in_the_whole_app(apps: dict[str, dict[str, Any]]) -> None:
    assert _present(apps["whole"]) == dict.fromkeys(FEATURES, True)


def test_each_feature_is_gone_when_removed(apps: dict[str, dict[str, Any]]) -> None:
    assert _present(apps["bare"]) == dict.fromkeys(FEATURES, False)
    # The launchers themselves stay: one state machine per job.
    assert len(resources(apps["bare"]["template"], "AWS::StepFunctions::StateMachine")) == 2


def test_the_app_is_whole_again_after_the_block() -> None:
    before = (training_jobs.CfnOutput, training_job.report_findings, training_job.JobStopper)
    with without(FEATURES):
        assert training_job.JobStopper is not before[2]
    after = (training_jobs.CfnOutput, training_job.report_findings, training_job.JobStopper)
    assert after == before
    assert launcher_logs.ignore_cfn_lint.__module__ == "cdk_sagemaker_training.cdk._private.lint"


def test_an_unknown_feature_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown features"), without(("tracing",)):
        pass
