"""The `sweep` key: reading it from job files, and trial expansion (grid order, explicit
lists, round-robin lanes)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.loader import load_job_file
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.rules import check_job
from cdk_sagemaker_training.core.sweep import (
    MAX_TRIALS,
    TRIAL_SUFFIX_LENGTH,
    Goal,
    Objective,
    OnTrialFailure,
    SweepSpec,
    trial_suffix,
)
from tests.core.test_loader import VALID

LOSS = Objective(metric="eval:loss")


def test_grid_is_the_cross_product_in_file_order() -> None:
    sweep = SweepSpec(objective=LOSS, parameters={"lr": (1, 2), "w": (0, 1)})
    assert [dict(t) for t in sweep.trials] == [
        {"lr": 1, "w": 0},
        {"lr": 1, "w": 1},
        {"lr": 2, "w": 0},
        {"lr": 2, "w": 1},
    ]


def test_explicit_trials_are_kept_as_written() -> None:
    trials = ({"lr": 3}, {"lr": 1, "w": 2})
    assert SweepSpec(objective=LOSS, explicit_trials=trials).trials == trials


def test_lanes_deal_trials_round_robin_and_drop_empty_lanes() -> None:
    sweep = SweepSpec(objective=LOSS, parameters={"lr": (1, 2, 3)}, lanes=2)
    assert [[t["lr"] for t in lane] for lane in sweep.lane_trials] == [[1, 3], [2]]
    assert len(SweepSpec(objective=LOSS, parameters={"lr": (1,)}, lanes=3).lane_trials) == 1


def test_no_parameters_means_no_trials() -> None:
    assert SweepSpec(objective=LOSS).trials == ()


def test_trial_count_and_active_lanes_do_not_expand_the_grid() -> None:
    grid = {f"p{i}": tuple(range(10)) for i in range(10)}  # 10**10 trials: never expanded
    sweep = SweepSpec(objective=LOSS, parameters=grid, lanes=4)
    assert (sweep.trial_count, sweep.active_lanes) == (10**10, 4)
    assert SweepSpec(objective=LOSS, parameters={"lr": (1, 2)}, lanes=4).active_lanes == 2


def test_trial_suffix_has_the_agreed_length_for_every_allowed_trial() -> None:
    assert trial_suffix(7) == "-t007"
    assert {len(trial_suffix(i)) for i in range(MAX_TRIALS)} == {TRIAL_SUFFIX_LENGTH}
    with pytest.raises(ValueError, match="does not fit"):
        trial_suffix(1000)


GRID = """\
sweep:
  parameters:
    learning_rate: [5e-5, 3e-5]
    warmup_ratio: [0.0, 0.1]
  objective: {metric: "eval:loss"}
"""


def load(tmp_path: Path, text: str) -> JobSpec:
    path = tmp_path / "job.yaml"
    path.write_text(VALID + text, encoding="utf-8")
    return load_job_file(path)


def test_grid_file_reads_into_a_sweep_with_defaults(tmp_path: Path) -> None:
    sweep = load(tmp_path, GRID).sweep
    assert sweep is not None
    assert dict(sweep.parameters) == {"learning_rate": (5e-5, 3e-5), "warmup_ratio": (0.0, 0.1)}
    assert sweep.objective == Objective(metric="eval:loss", goal=Goal.MINIMIZE)
    assert (sweep.lanes, sweep.max_trials) == (1, None)
    assert sweep.on_trial_failure is OnTrialFailure.CONTINUE
    assert sweep.trial_count == 4


def test_trials_file_reads_every_key(tmp_path: Path) -> None:
    text = (
        "sweep:\n  trials:\n    - {learning_rate: 5e-5}\n    - {learning_rate: 1e-5, epochs: 3}\n"
        "  lanes: 2\n  max_trials: 6\n  on_trial_failure: stop\n"
        "  objective: {metric: accuracy, goal: maximize}\n"
    )
    sweep = load(tmp_path, text).sweep
    assert sweep is not None and not sweep.parameters
    assert [dict(t) for t in sweep.trials] == [
        {"learning_rate": 5e-5},
        {"learning_rate": 1e-5, "epochs": 3},
    ]
    assert (sweep.lanes, sweep.max_trials, sweep.on_trial_failure) == (2, 6, OnTrialFailure.STOP)
    assert sweep.objective.goal is Goal.MAXIMIZE


def test_no_sweep_key_means_no_sweep(tmp_path: Path) -> None:
    assert load(tmp_path, "").sweep is None and load(tmp_path, "sweep:\n").sweep is None


OBJECTIVE = "  objective: {metric: loss}\n"
# (id, sweep text, expected code, text the path or message must contain)
BAD_SWEEPS = [
    ("not-a-mapping", "sweep: [a]\n", "SPEC004", "sweep"),
    ("unknown-key", "sweep:\n  lane: 2\n" + OBJECTIVE, "SPEC003", "did you mean 'lanes'"),
    (
        "grid-and-trials",
        "sweep:\n  parameters: {lr: [1]}\n  trials: [{lr: 2}]\n" + OBJECTIVE,
        "SPEC013",
        "sweep.trials",
    ),
    ("neither-grid-nor-trials", "sweep:\n" + OBJECTIVE, "SPEC005", "'trials'"),
    ("missing-objective", "sweep:\n  parameters: {lr: [1]}\n", "SPEC005", "sweep.objective"),
    (
        "objective-string",
        "sweep:\n  parameters: {lr: [1]}\n  objective: loss\n",
        "SPEC004",
        "a mapping",
    ),
    (
        "objective-missing-metric",
        "sweep:\n  parameters: {lr: [1]}\n  objective: {goal: minimize}\n",
        "SPEC005",
        "sweep.objective.metric",
    ),
    (
        "objective-metric-number",
        "sweep:\n  parameters: {lr: [1]}\n  objective: {metric: 3}\n",
        "SPEC004",
        "sweep.objective.metric",
    ),
    (
        "objective-unknown-key",
        "sweep:\n  parameters: {lr: [1]}\n  objective: {metric: loss, direction: up}\n",
        "SPEC003",
        "sweep.objective.direction",
    ),
    (
        "goal-not-in-set",
        "sweep:\n  parameters: {lr: [1]}\n  objective: {metric: loss, goal: lowest}\n",
        "SPEC006",
        "minimize, maximize",
    ),
    ("grid-list", "sweep:\n  parameters: [lr]\n" + OBJECTIVE, "SPEC004", "a mapping"),
    (
        "grid-scalar-values",
        "sweep:\n  parameters: {learning_rate: 5e-5}\n" + OBJECTIVE,
        "SPEC004",
        "sweep.parameters.learning_rate",
    ),
    (
        "grid-nested-value",
        "sweep:\n  parameters: {lr: [1, [2, 3]]}\n" + OBJECTIVE,
        "SPEC004",
        "sweep.parameters.lr[1]",
    ),
    (
        "grid-null-value",
        "sweep:\n  parameters: {lr: [1, null]}\n" + OBJECTIVE,
        "SPEC004",
        "nothing (null)",
    ),
    ("trials-mapping", "sweep:\n  trials: {lr: 1}\n" + OBJECTIVE, "SPEC004", "a list of"),
    (
        "trial-not-a-mapping",
        "sweep:\n  trials: [{lr: 1}, {lr: 2}, 3]\n" + OBJECTIVE,
        "SPEC004",
        "sweep.trials[2]",
    ),
    (
        "trial-value-mapping",
        "sweep:\n  trials: [{lr: {a: 1}}]\n" + OBJECTIVE,
        "SPEC004",
        "sweep.trials[0].lr",
    ),
    (
        "lanes-zero",
        "sweep:\n  parameters: {lr: [1]}\n  lanes: 0\n" + OBJECTIVE,
        "SPEC004",
        "an integer >= 1, received integer 0",
    ),
    (
        "lanes-string",
        "sweep:\n  parameters: {lr: [1]}\n  lanes: '2'\n" + OBJECTIVE,
        "SPEC004",
        "sweep.lanes",
    ),
    (
        "max-trials-negative",
        "sweep:\n  parameters: {lr: [1]}\n  max_trials: -1\n" + OBJECTIVE,
        "SPEC004",
        "sweep.max_trials",
    ),
    (
        "on-trial-failure-not-in-set",
        "sweep:\n  parameters: {lr: [1]}\n  on_trial_failure: retry\n" + OBJECTIVE,
        "SPEC006",
        "continue, stop",
    ),
]


@pytest.mark.parametrize(
    ("text", "code", "fragment"), [c[1:] for c in BAD_SWEEPS], ids=[c[0] for c in BAD_SWEEPS]
)
def test_bad_sweep_is_a_finding_with_its_path(
    tmp_path: Path, text: str, code: str, fragment: str
) -> None:
    with pytest.raises(SpecError) as raised:
        load(tmp_path, text)
    matching = [f for f in raised.value.findings if f.code == code]
    assert matching, raised.value.findings
    assert any(fragment in f"{f.path} {f.message}" for f in matching), matching


def test_from_keys_builds_a_sweep_as_a_file_does() -> None:
    keys = {"parameters": {"lr": [1, 2]}, "lanes": 2, "objective": {"metric": "loss"}}
    spec = JobSpec.from_keys(name="demo", framework="pytorch", entry_point="train.py", sweep=keys)
    assert spec.sweep is not None and spec.sweep.lane_trials == (({"lr": 1},), ({"lr": 2},))


def test_readme_sweep_example_is_a_valid_six_trial_sweep(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Warm-pool sweeps") :]
    example = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert example is not None
    spec = load(tmp_path, example[1])
    assert spec.sweep is not None
    assert (spec.sweep.trial_count, spec.sweep.active_lanes) == (6, 2)
    assert not [f for f in check_job(spec) if f.code.startswith("SWEEP")]
