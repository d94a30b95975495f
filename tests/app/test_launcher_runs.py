"""Every launcher of the reference app, executed in moto (`tests.launcher_scenarios`)."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from aws_cdk import CfnElement

from tests.app.conftest import EXAMPLES, AppSynth
from tests.launcher_runtime import LauncherRuntime
from tests.launcher_scenarios import SCENARIOS, Case, state_machines

EXAMPLE_NAMES = sorted(path.stem for path in EXAMPLES.glob("*.yaml"))


def launcher_of(app: AppSynth, file_stem: str) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """The construct of the job defined in `jobs/<file_stem>.yaml`, its launcher, the stopper."""
    (stack,) = app.stacks
    (template_file,) = app.templates()
    template = json.loads(template_file.read_text())
    launchers, stopper = state_machines(template)
    (job,) = [j for j in stack.jobs if j.spec.source_file and j.spec.source_file.stem == file_stem]
    machine_id = stack.get_logical_id(cast(CfnElement, job.state_machine.node.default_child))
    return job, launchers[machine_id], stopper


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("example", EXAMPLE_NAMES)
def test_example_launcher_run(
    runtime: LauncherRuntime, example_app: AppSynth, example: str, scenario: str
) -> None:
    job, launcher, stopper = launcher_of(example_app, example)
    SCENARIOS[scenario](Case(runtime, launcher, stopper, job))
