"""The reference app: example templates, guard wiring, limits at 200 jobs, linters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import pytest
from aws_cdk import CfnElement

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.launcher.definition import job_states
from stacks import JOBS_PER_STACK, partition
from tests.app.conftest import SCALE_JOBS, AppSynth, scale_specs
from tests.synth_helpers import ROOT, cfn_lint, definition, launchers, nag_violations, resources

MAX_RESOURCES = 500
MAX_OUTPUTS = 200
MAX_TEMPLATE_BYTES = 1_000_000


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def train_states(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each state machine's Train state, by logical id."""
    return {
        logical_id: job_states(definition(machine))["Train"]
        for logical_id, machine in launchers(template).items()
    }


def keep_alive(train: dict[str, Any]) -> int | None:
    """The Train state's `KeepAlivePeriodInSeconds`, if any."""
    value = train["Parameters"]["ResourceConfig"].get("KeepAlivePeriodInSeconds")
    return int(value) if value is not None else None


def test_examples_carry_keep_alive_compiler_image_and_hyperparameters(
    example_app: AppSynth,
) -> None:
    (template_file,) = example_app.templates()
    template = load(template_file)
    machines = launchers(template)
    trains = train_states(template)
    assert len(trains) == 5
    warm = [t for t in trains.values() if keep_alive(t)]
    assert [t["Parameters"]["ResourceConfig"]["KeepAlivePeriodInSeconds"] for t in warm] == [
        1800,
        1800,
        1800,
    ]
    for train in warm:
        assert "-trcomp-training:" in train["Parameters"]["AlgorithmSpecification"]["TrainingImage"]
    for machine in machines.values():
        reserved = job_states(definition(machine))["SetDefaults"]["Parameters"]["reserved"]
        assert reserved["sagemaker_training_compiler_enabled"] == "true"


def test_every_launcher_waits_for_the_quota_guard(example_app: AppSynth) -> None:
    (stack,) = example_app.stacks
    template = load(example_app.templates()[0])
    (guard_id,) = resources(template, "Custom::SageMakerQuotaGuard")
    for machine in launchers(template).values():
        assert guard_id in machine["DependsOn"]
    assert len(stack.jobs) == 5


def test_warm_pool_group_jobs_share_a_role_in_one_stack(example_app: AppSynth) -> None:
    (stack,) = example_app.stacks
    template = load(example_app.templates()[0])
    trains = train_states(template)
    grouped = [
        stack.get_logical_id(cast(CfnElement, job.state_machine.node.default_child))
        for job in stack.jobs
        if job.spec.warm_pool_group is not None
    ]
    role_arns = {json.dumps(trains[machine]["Parameters"]["RoleArn"]) for machine in grouped}
    assert len(grouped) == 2 and len(role_arns) == 1


def test_partition_keeps_groups_whole_and_stacks_small() -> None:
    specs = scale_specs()
    stacks = list(partition(specs).values())
    assert sum(len(s) for s in stacks) == SCALE_JOBS
    assert all(len(s) <= JOBS_PER_STACK for s in stacks)
    homes = {
        (spec.warm_pool_group, i)
        for i, s in enumerate(stacks)
        for spec in s
        if spec.warm_pool_group
    }
    groups = {group for group, _ in homes}
    assert len(homes) == len(groups)


def test_200_jobs_stay_under_cloudformation_limits(scale_app: AppSynth) -> None:
    templates = scale_app.templates()
    assert len(templates) == len(partition(scale_specs()))
    jobs = 0
    for path in templates:
        template = load(path)
        jobs += len(launchers(template))
        assert len(template["Resources"]) < MAX_RESOURCES, path.name
        assert len(template.get("Outputs", {})) <= MAX_OUTPUTS, path.name
        assert path.stat().st_size < MAX_TEMPLATE_BYTES, path.name
    assert jobs == SCALE_JOBS


def test_200_jobs_have_one_account_wide_quota_guard(scale_app: AppSynth) -> None:
    guards = [
        guard
        for path in scale_app.templates()
        for guard in resources(load(path), "Custom::SageMakerQuotaGuard").values()
    ]
    assert len(guards) == 1
    first, *rest = scale_app.stacks
    assert all(first in stack.dependencies for stack in rest)


@pytest.mark.parametrize("app", ["example_app", "scale_app"])
def test_cfn_lint_is_clean(app: str, request: pytest.FixtureRequest) -> None:
    synth: AppSynth = request.getfixturevalue(app)
    result = cfn_lint(synth.templates())
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("app", ["example_app", "scale_app"])
def test_cdk_nag_has_no_unacknowledged_findings(app: str, request: pytest.FixtureRequest) -> None:
    synth: AppSynth = request.getfixturevalue(app)
    assert nag_violations(synth.outdir) == []


def run_app(tmp_path: Path, context: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`python app.py` as the CDK CLI runs it."""
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(tmp_path / "out"),
    }
    return subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )


def test_unreadable_jobs_exit_2_with_codes_and_no_traceback(tmp_path: Path) -> None:
    result = run_app(tmp_path, {"jobs": str(tmp_path / "missing")})
    assert result.returncode == 2
    assert "SPEC001" in result.stderr
    assert "Traceback" not in result.stderr


def test_rule_errors_exit_1_with_code_and_construct_path(tmp_path: Path) -> None:
    job = (ROOT / "jobs" / "pytorch-xla-multinode.yaml").read_text()
    (tmp_path / "bad.yaml").write_text(job.replace("ml.p4d.24xlarge", "ml.c5.xlarge"))
    result = run_app(tmp_path, {"jobs": str(tmp_path / "bad.yaml"), "quota_guard": "off"})
    assert result.returncode == 1
    assert "TRCOMP001" in result.stderr
    assert "TrainingJobs1/PytorchXlaMultinode" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.cli_synth
def test_cdk_cli_synthesizes_the_examples(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    result = subprocess.run(
        ["npx", "cdk", "synth", "--quiet", "-c", "jobs=jobs", "-o", str(tmp_path)],
        cwd=ROOT,
        env={**env, "CDK_DISABLE_VERSION_CHECK": "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (template,) = tmp_path.glob("*.template.json")
    trains = train_states(load(template))
    assert any(
        "KeepAlivePeriodInSeconds" in t["Parameters"]["ResourceConfig"] for t in trains.values()
    )


def test_isolated_job_submit_directory_names_the_code_channel_object(
    example_app: AppSynth,
) -> None:
    """Under network isolation the archive lands under its S3 object name (`<hash>.gz`)."""
    (template_file,) = example_app.templates()
    template = load(template_file)
    for machine in launchers(template).values():
        states = job_states(definition(machine))
        channels = states["Train"]["Parameters"].get("InputDataConfig", [])
        code = [c for c in channels if c["ChannelName"] == "code"]
        if not code:
            continue
        object_name = str(code[0]["DataSource"]["S3DataSource"]["S3Uri"]).rsplit("/", 1)[-1]
        submit = states["SetDefaults"]["Parameters"]["reserved"]["sagemaker_submit_directory"]
        assert object_name.endswith(".gz") and len(object_name) > len(".gz")
        assert submit == json.dumps(f"/opt/ml/input/data/code/{object_name}")
        return
    pytest.fail("the example app has no network-isolated job")


def test_pinned_jobs_stay_in_their_stack_when_jobs_are_added() -> None:
    specs = scale_specs(80)
    pinned = [replace(s, stack="nlp") if s.warm_pool_group else s for s in specs]
    before = partition(pinned)
    newcomer = replace(pinned[-1], name="aaa-first", warm_pool_group=None, stack=None)
    after = partition([newcomer, *pinned])
    assert before["TrainingJobs-nlp"] == after["TrainingJobs-nlp"]
    assert all(s.warm_pool_group for s in after["TrainingJobs-nlp"])
    assert sum(map(len, after.values())) == 81


def test_overfull_pinned_stack_is_an_app002_error() -> None:
    specs = [replace(s, stack="all") for s in scale_specs(JOBS_PER_STACK + 1)]
    with pytest.raises(SpecError) as raised:
        partition(specs)
    assert raised.value.findings[0].code == "APP002"
    assert raised.value.findings[0].path == "stack:all"
