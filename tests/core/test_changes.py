"""`compare`: jobs added, changed, renamed and removed, and the launchers they replace."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.core.changes import ChangeKind, change_findings, compare
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.placement import JOBS_PER_STACK, assign_stacks
from tests.factories import BASE


def job(name: str, **changes: Any) -> JobSpec:
    return replace(BASE, name=name, source_file=Path(f"jobs/{name}.yaml"), **changes)


def codes(previous: list[JobSpec], current: list[JobSpec]) -> list[str]:
    return [f.code for f in change_findings(compare(previous, current), current)]


def test_unchanged_jobs_are_not_listed() -> None:
    specs = [job("a"), job("b")]
    assert compare(specs, [replace(s) for s in specs]) == []


def test_added_changed_and_removed() -> None:
    changes = compare([job("a"), job("gone")], [job("a", volume_size=60), job("new")])
    assert [(c.kind, c.job, c.replaces_launcher) for c in changes] == [
        (ChangeKind.CHANGED, "a", False),
        (ChangeKind.ADDED, "new", False),
        (ChangeKind.REMOVED, "gone", False),
    ]
    assert changes[2].as_dict()["previous_file"] == "jobs/gone.yaml"


def test_diff101_a_renamed_job_replaces_its_launcher() -> None:
    renamed = replace(job("b"), source_file=Path("jobs/a.yaml"))
    [change] = compare([job("a")], [renamed])
    assert (change.kind, change.previous_job, change.job) == (ChangeKind.RENAMED, "a", "b")
    assert change.replaces_launcher
    [finding] = change_findings([change], [renamed])
    assert (finding.code, finding.path, finding.file) == (
        "DIFF101",
        "jobs/a.yaml:name",
        "jobs/a.yaml",
    )
    assert codes([job("a")], [job("a", volume_size=60)]) == []  # the passing case


def test_diff102_pinning_a_job_moves_it_to_another_stack() -> None:
    [change] = compare([job("a")], [job("a", stack="team")])
    assert (change.previous_stack, change.stack) == ("TrainingJobs1", "TrainingJobs-team")
    assert change.moves_stack and change.replaces_launcher
    [finding] = change_findings([change], [job("a", stack="team")])
    assert (finding.code, finding.field) == ("DIFF102", "stack")
    assert codes([job("a", stack="team")], [job("a", stack="team", volume_size=60)]) == []


def test_diff102_adding_a_job_moves_later_unpinned_jobs() -> None:
    """The reference app's own assignment decides (`core.placement`, used by `stacks/`)."""
    previous = [job(f"job-{i:03}") for i in range(1, JOBS_PER_STACK + 1)]
    current = [job("job-000"), *previous]  # sorts first: the last job spills over
    moved = [c for c in compare(previous, current) if c.moves_stack]
    assert [(c.job, c.previous_stack, c.stack) for c in moved] == [
        (f"job-{JOBS_PER_STACK:03}", "TrainingJobs1", "TrainingJobs2")
    ]
    assert len(assign_stacks(current)) == 2


@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "unpinned"])
def test_diff102_points_at_the_stack_key_or_the_file(pinned: bool) -> None:
    [change] = compare([job("a", stack="x")], [job("a", stack="y" if pinned else None)])
    current = [job("a", stack="y")] if pinned else [job("a")]
    [finding] = change_findings([change], current)
    assert finding.field == ("stack" if pinned else "")
