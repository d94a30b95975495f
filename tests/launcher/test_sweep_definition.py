"""The sweep launcher's ASL without running it: shape, names, history budget."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from typing import Any

import boto3
import pytest

from cdk_sagemaker_training.core.sweep import MAX_TRIALS, TRIAL_SUFFIX_LENGTH
from cdk_sagemaker_training.launcher.definition import (
    HISTORY_LIMIT,
    MIN_POLL_SECONDS,
    RETRY_RESERVE,
    job_name_expression,
    job_states,
)
from cdk_sagemaker_training.launcher.sweep_definition import (
    POLL_STATES,
    POOL_POLL_STATES,
    RANK_STATES,
    SETUP_STATES,
    TRIAL_STATES,
    HistoryBudgetError,
    state_types,
    sweep_history_events,
    sweep_plan,
    sweep_timeout,
)
from tests.launcher.sweeps import SWEEP_JOB, definition_of, quoted_metric, sweep_job
from tests.launcher.test_sweep_runs import loss
from tests.launcher_runtime import DEPLOY_VALUES, REGION, LauncherRuntime, TrialModel, as_resource

EVENTS_PER_TRIAL = 57
"""History events one trial adds in moto when its job ends at the first poll and its
predecessor's pool is Available at the first look (the number README reports)."""


def grid(count: int) -> dict[str, tuple[float, ...]]:
    return {"learning_rate": tuple(1e-6 * (i + 1) for i in range(count))}


def test_lanes_run_in_parallel_and_trials_one_after_another() -> None:
    definition = definition_of(sweep_job(lanes=3, parameters=grid(7)))
    lanes = definition["States"]["Lanes"]
    assert lanes["MaxConcurrency"] == 3
    assert lanes["ItemProcessor"]["States"]["Trials"]["MaxConcurrency"] == 1


def test_plan_deals_trials_round_robin_and_names_each_predecessor() -> None:
    plan = sweep_plan(sweep_job(lanes=2, parameters=grid(5)).sweep)  # type: ignore[arg-type]
    assert [[t["trial"] for t in lane["trials"]] for lane in plan["lanes"]] == [[0, 2, 4], [1, 3]]
    assert [t.get("previous") for t in plan["lanes"][0]["trials"]] == [None, "-t000", "-t002"]
    assert plan["lanes"][1]["trials"][0]["hyperparameters"] == {"learning_rate": "2e-06"}


def test_every_counted_state_exists_with_its_type() -> None:
    types = state_types(definition_of(sweep_job()))
    counted = {*SETUP_STATES, *TRIAL_STATES, *POOL_POLL_STATES, *POLL_STATES, *RANK_STATES}
    assert counted <= set(types)


def test_trials_are_named_after_the_run_as_the_sweep_rules_expect() -> None:
    definition = definition_of(sweep_job())
    expression = definition["States"]["NameSweep"]["Parameters"]["name.$"]
    assert expression == job_name_expression(SWEEP_JOB.name)
    suffixes = [t["suffix"] for t in definition["States"]["Plan"]["Result"]["lanes"][0]["trials"]]
    assert suffixes == ["-t000", "-t001", "-t002"]
    assert {len(s) for s in suffixes} == {TRIAL_SUFFIX_LENGTH}


def test_timeout_covers_the_longest_lane() -> None:
    spec = sweep_job(lanes=2, parameters=grid(5))
    assert spec.sweep is not None
    assert sweep_timeout(spec, spec.sweep) == 3 * (3600 + 3600) + 6 * 3600


def test_metric_names_with_quotes_stay_valid_jsonpath() -> None:
    text = json.dumps(definition_of(quoted_metric(sweep_job(), "it's")))
    assert 'MetricName == \\"it\'s\\"' in text


def largest_accepted(lanes: int) -> int:
    low, high = 1, 999  # trial suffixes have three digits
    while low < high:
        middle = (low + high + 1) // 2
        try:
            definition_of(sweep_job(lanes=lanes, parameters=grid(middle)))
        except HistoryBudgetError:
            high = middle - 1
        else:
            low = middle
    return low


@pytest.mark.parametrize("lanes", [1, 4, MAX_TRIALS])
def test_largest_sweep_fits_the_execution_history(lanes: int) -> None:
    """Every trial looks at its pool the most times, every lane polls until the timeout."""
    largest = largest_accepted(lanes)
    assert largest >= MAX_TRIALS  # every sweep the rules accept fits
    definition = definition_of(sweep_job(lanes=lanes, parameters=grid(largest)))
    assert sweep_history_events(definition) <= HISTORY_LIMIT - RETRY_RESERVE
    with pytest.raises(HistoryBudgetError, match="no room for polls"):
        definition_of(sweep_job(lanes=lanes, parameters=grid(largest + 1)))


def test_poll_interval_grows_with_the_sweep() -> None:
    small = definition_of(sweep_job(parameters=grid(2)))
    large = definition_of(replace(sweep_job(parameters=grid(40)), max_run=86_400))

    def interval(definition: dict[str, Any]) -> int:
        return int(job_states(definition)["WaitForJob"]["Seconds"])

    assert interval(small) == MIN_POLL_SECONDS < interval(large)
    assert sweep_history_events(large) <= HISTORY_LIMIT - RETRY_RESERVE


def _history(runtime: LauncherRuntime, execution_arn: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:
        page = runtime.sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, **token
        )
        events += page["events"]
        if "nextToken" not in page:
            return events
        token = {"nextToken": page["nextToken"]}


def test_history_events_per_trial(runtime: LauncherRuntime) -> None:
    boto3.client("s3", region_name=REGION).create_bucket(Bucket=DEPLOY_VALUES["OutputBucket"])
    counts = []
    for trials in (2, 3, 4):
        runtime.fake.trials = TrialModel(metrics=loss, pool_delay=0)
        machine = runtime.create(as_resource(definition_of(sweep_job(parameters=grid(trials)))))
        execution = runtime.run(machine)
        assert execution["status"] == "SUCCEEDED"
        counts.append(len(_history(runtime, execution["executionArn"])))
    assert [b - a for a, b in itertools.pairwise(counts)] == [EVENTS_PER_TRIAL] * 2
