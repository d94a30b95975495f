"""Every SDK_POLL launcher of the construct tests, executed in moto (`tests.launcher_scenarios`)."""

from __future__ import annotations

import pytest

from tests.constructs.conftest import Synthesized
from tests.constructs.test_training_job import logical_id
from tests.launcher_runtime import LauncherRuntime
from tests.launcher_scenarios import SCENARIOS, Case, state_machines

JOBS = ("minimal", "pool-a", "pool-b", "secure", "polled")


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("name", JOBS)
def test_launcher_run(
    runtime: LauncherRuntime, agnostic: Synthesized, name: str, scenario: str
) -> None:
    job = agnostic.jobs[name]
    launchers, stopper = state_machines(agnostic.template)
    launcher = launchers[logical_id(agnostic, job.state_machine)]
    SCENARIOS[scenario](Case(runtime, launcher, stopper, job))
