"""A sweep launcher's Amazon States Language: every trial of a job's `sweep` per execution.

Built from the same pieces as the single-job launcher (`launcher.definition`): the request
rendered once, `$.run` and the `CreateTrainingJob` parameters (`run_parameters`, the trial's
overrides in `$.hyperparameters`; the SDK's own keys always win), the create/poll loop
(`poll_states`), retries, the quota Fail and the execution tag the stopper finds jobs by.

Shape: `Lanes` (a Map, one iteration per lane, `MaxConcurrency` = lanes) runs `Trials`
(a Map over the lane's trials, `MaxConcurrency` 1: one after another, in order). A trial
after the first waits until its predecessor's job has a warm pool that is `Available`
(or gone: `Terminated`, `Reused`, or a failed job, which keeps none) before creating its
job; it then records its outcome. Trial `i` of a sweep is named `<run name><suffix>`
(`core.sweep.trial_suffix`, `-t007`) after the run's name (`<prefix>-<20 hex>`, drawn once
per execution as for a single job), so it finds its predecessor `i - lanes` by name. The
best trial is picked by a loop of Choice states (ASL has no sort or min), and the summary
is written to
`<output>/<execution name>/trials.json` and is the execution's output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from cdk_sagemaker_training.core.launch_limits import (
    EXECUTION_LIMIT_SECONDS,
    LAUNCH_MARGIN_SECONDS,
)
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.request import json_encode
from cdk_sagemaker_training.core.sweep import Goal, OnTrialFailure, SweepSpec, trial_suffix
from cdk_sagemaker_training.launcher.definition import (
    EXECUTION_EVENTS,
    HISTORY_LIMIT,
    MIN_POLL_SECONDS,
    RETRY_RESERVE,
    STATE_EVENTS,
    describe,
    escape_literal,
    failed_catch,
    failure_states,
    job_name_expression,
    job_states,
    poll_states,
    retry,
    run_parameters,
    task,
)

TRIAL_MARGIN_SECONDS = 3600
"""Execution time per trial beyond its `max_run`, for capacity waits and startup."""
POOL_POLL_SECONDS = 15
"""Interval between looks at the previous trial's warm pool."""
MAX_POOL_POLLS = 10
"""Looks at a pool that is neither `Available` nor gone before the trial starts anyway."""
TRIALS_FILE = "trials.json"
POOL_READY = ("Available", "Terminated", "Reused")
"""Warm-pool statuses after which waiting longer cannot help: start the next trial."""
NO_POOL = ("Failed", "Stopped")
"""Job statuses that keep no warm pool."""
MAP_EVENTS = 4
"""A Map state's own events (entered, started, succeeded, exited)."""
ITERATION_EVENTS = 2
"""Events per Map iteration (started, succeeded)."""
SETUP_STATES = ("Plan", "NameSweep", "Collect", "Rank", "Summarize", "WriteTrials")
TRIAL_STATES = (
    "SetDefaults",
    "IsFirst",
    "DescribePrevious",
    "PreviousPool",
    "Train",
    "DescribeTrial",
    "Fill",
    "Gather",
    "Pick",
    "HasPrevious",
    "PreviousReuse",
    "WasReused",
    "NoteReuse",
    "Record",
)
"""The states one trial enters at most once (its first poll and pool look included)."""
POOL_POLL_STATES = ("WaitForPool", "CountPoolPoll", "DescribePrevious", "PreviousPool")
POLL_STATES = ("WaitForJob", "DescribeJob", "JobStatus")
RANK_STATES = ("NextCandidate", "Candidate", "IsBetter", "TakeBest")
"""The best-trial loop's states, entered at most once per trial."""


class HistoryBudgetError(ValueError):
    """The trials of a sweep leave no room for polls in one execution's history (the
    rules' `MAX_TRIALS` fit: tests/launcher)."""


class MetricNameError(ValueError):
    """The objective's name fits no JSONPath filter string literal."""


def sweep_timeout(spec: JobSpec, sweep: SweepSpec) -> int:
    """The execution's `TimeoutSeconds`: the longest lane's trials back to back, each up
    to `max_run` plus `TRIAL_MARGIN_SECONDS`, plus `LAUNCH_MARGIN_SECONDS`; at most the
    one-year limit of a Standard execution."""
    longest = max((len(lane) for lane in sweep.lane_trials), default=0)
    per_trial = spec.max_run + TRIAL_MARGIN_SECONDS
    return min(EXECUTION_LIMIT_SECONDS, longest * per_trial + LAUNCH_MARGIN_SECONDS)


def state_types(definition: Mapping[str, Any]) -> dict[str, str]:
    """Each state's type, Map processors' states included (names are unique across them)."""
    types: dict[str, str] = {}
    for name, state in definition["States"].items():
        types[name] = state["Type"]
        if state["Type"] == "Map":
            types.update(state_types(state["ItemProcessor"]))
    return types


def _events(names: tuple[str, ...], types: Mapping[str, str]) -> int:
    return sum(STATE_EVENTS.get(types[name], MAP_EVENTS) for name in names)


def _fixed_events(types: Mapping[str, str], trials: int, lanes: int) -> int:
    """History events of a sweep besides its job polls (every pool look taken)."""
    per_trial = (
        ITERATION_EVENTS
        + _events(TRIAL_STATES, types)
        + MAX_POOL_POLLS * _events(POOL_POLL_STATES, types)
        + _events(RANK_STATES, types)
    )
    per_lane = ITERATION_EVENTS + _events(("Trials",), types)
    setup = _events(SETUP_STATES, types) + _events(("Lanes",), types)
    return EXECUTION_EVENTS + setup + lanes * per_lane + trials * per_trial


def _poll_interval(types: Mapping[str, str], spec: JobSpec, sweep: SweepSpec, minimum: int) -> int:
    """The shortest job-poll interval >= `minimum` whose polls fit the history.

    Each lane polls for at most the execution's timeout, plus one first poll per trial;
    all lanes share one history, which keeps `RETRY_RESERVE` events free. Raises
    `HistoryBudgetError` when the trials alone leave no room for polls.
    """
    trials, lanes = len(sweep.trials), len(sweep.lane_trials)
    free = HISTORY_LIMIT - RETRY_RESERVE - _fixed_events(types, trials, lanes)
    per_lane = (free // _events(POLL_STATES, types) - trials) // lanes
    if per_lane < 1:
        per_trial = _fixed_events(types, 1, lanes) - _fixed_events(types, 0, lanes)
        raise HistoryBudgetError(
            f"{trials} trials leave no room for polls in {HISTORY_LIMIT} history events "
            f"(each trial takes up to {per_trial} events before its polls)"
        )
    # interval >= timeout / per_lane, so each lane polls at most per_lane times.
    return max(minimum, math.ceil(sweep_timeout(spec, sweep) / per_lane))


def sweep_history_events(definition: Mapping[str, Any]) -> int:
    """History events of the longest nominal run of a sweep definition: every trial looks
    at its pool `MAX_POOL_POLLS` times and every lane polls jobs until `TimeoutSeconds`."""
    types = state_types(definition)
    plan = definition["States"]["Plan"]["Result"]["lanes"]
    trials = sum(len(lane["trials"]) for lane in plan)
    interval = job_states(definition)["WaitForJob"]["Seconds"]
    polls = len(plan) * math.ceil(definition["TimeoutSeconds"] / interval) + trials
    return _fixed_events(types, trials, len(plan)) + polls * _events(POLL_STATES, types)


def _literal(text: str) -> str:
    """`text` as a JSONPath filter's string literal."""
    if "'" not in text:
        return f"'{text}'"
    if '"' in text or "\\" in text:
        raise MetricNameError(f"a metric name with both quote kinds or a backslash: {text!r}")
    return json.dumps(text)


def sweep_plan(sweep: SweepSpec) -> dict[str, Any]:
    """The trials by lane, as the definition carries them: index, lane, name suffix, the
    overrides (as the API takes them) and, after a lane's first, the previous trial's
    name suffix."""
    lanes = len(sweep.lane_trials)
    plan = []
    for lane, trials in enumerate(sweep.lane_trials):
        items = []
        for position, overrides in enumerate(trials):
            trial = lane + position * lanes
            item: dict[str, Any] = {
                "trial": trial,
                "lane": lane,
                "suffix": trial_suffix(trial),
                "hyperparameters": {k: json_encode(v) for k, v in overrides.items()},
            }
            if position:
                item["previous"] = trial_suffix(trial - lanes)
            items.append(item)
        plan.append({"lane": lane, "trials": items})
    return {"lanes": plan}


def _previous_states(on_failure: OnTrialFailure) -> dict[str, Any]:
    """Wait for the previous trial's pool; `stop` skips the trial after a failed one."""
    after_failure = "Skip" if on_failure is OnTrialFailure.STOP else "Train"
    pool = "$.previous.WarmPoolStatus.Status"
    return {
        "IsFirst": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.trial.previous", "IsPresent": False, "Next": "Train"}],
            "Default": "DescribePrevious",
        },
        # Only a skipped trial (`stop`) has no job: skip this one too.
        "DescribePrevious": _describe_previous(
            "$.previous",
            Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": after_failure}],
            Next="PreviousPool",
        ),
        # Rules apply in order: the status comparisons only see a pool that is present.
        "PreviousPool": {
            "Type": "Choice",
            "Choices": [
                *(
                    {
                        "Variable": "$.previous.TrainingJobStatus",
                        "StringEquals": status,
                        "Next": after_failure,
                    }
                    for status in NO_POOL
                ),
                {
                    "Variable": "$.pool.polls",
                    "NumericGreaterThanEquals": MAX_POOL_POLLS,
                    "Next": "Train",
                },
                {"Variable": pool, "IsPresent": False, "Next": "WaitForPool"},
                *({"Variable": pool, "StringEquals": s, "Next": "Train"} for s in POOL_READY),
            ],
            "Default": "WaitForPool",
        },
        "WaitForPool": {"Type": "Wait", "Seconds": POOL_POLL_SECONDS, "Next": "CountPoolPoll"},
        "CountPoolPoll": {
            "Type": "Pass",
            "Parameters": {"polls.$": "States.MathAdd($.pool.polls, 1)"},
            "ResultPath": "$.pool",
            "Next": "DescribePrevious",
        },
        "Skip": {
            "Type": "Pass",
            "Parameters": {
                **_identity(),
                "status": "Skipped",
                "objective": None,
                "creationTime": None,
                "trainingStartTime": None,
                "failureReason": None,
                "reusedPool": False,
                "previousPoolReusedBy": None,
            },
            "End": True,
        },
    }


def _describe_previous(result_path: str, **fields: Any) -> dict[str, Any]:
    """The previous trial's whole description (its warm pool is optional in it)."""
    previous = "States.Format('{}{}', $.sweep.name, $.trial.previous)"
    return describe(None, result_path, name_path=previous, **fields)


def _identity() -> dict[str, str]:
    return {
        "trial.$": "$.trial.trial",
        "lane.$": "$.trial.lane",
        "jobName.$": "$.run.jobName",
        "hyperparameters.$": "$.hyperparameters",
    }


def _recording_states(metric: str) -> dict[str, Any]:
    """After the job ended: its outcome, whether it took the previous trial's pool, and
    the record. JSONPath filters fail where nothing matches, so each list gets a sentinel
    entry after the real ones (`sentinels`), and missing lists are filled in (`OPTIONAL`)."""
    return {
        "DescribeTrial": describe(None, "$.described", Catch=failed_catch(), Next="Fill"),
        "Fill": {
            "Type": "Pass",
            "Parameters": {"job.$": "States.JsonMerge($.optional, $.described, false)"},
            "ResultPath": "$.described",
            "Next": "Gather",
        },
        "Gather": {
            "Type": "Pass",
            "Parameters": {
                "metrics.$": (
                    "States.Array($.described.job.FinalMetricDataList, $.sentinels.metric)"
                ),
                "transitions.$": (
                    "States.Array($.described.job.SecondaryStatusTransitions, $.sentinels.training)"
                ),
            },
            "ResultPath": "$.gathered",
            "Next": "Pick",
        },
        "Pick": {
            "Type": "Pass",
            "Parameters": {
                "objective.$": (
                    f"$.gathered.metrics[*][?(@.MetricName == {_literal(metric)})].Value"
                ),
                "training.$": "$.gathered.transitions[*][?(@.Status == 'Training')].StartTime",
            },
            "ResultPath": "$.gathered",
            "Next": "HasPrevious",
        },
        "HasPrevious": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.trial.previous", "IsPresent": False, "Next": "Record"}],
            "Default": "PreviousReuse",
        },
        "PreviousReuse": _describe_previous(
            "$.previous",
            Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": None, "Next": "Record"}],
            Next="WasReused",
        ),
        "WasReused": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.previous.WarmPoolStatus.ReusedByJob",
                    "IsPresent": True,
                    "Next": "NoteReuse",
                }
            ],
            "Default": "Record",
        },
        "NoteReuse": {
            "Type": "Pass",
            "Parameters": {"by.$": "$.previous.WarmPoolStatus.ReusedByJob"},
            "ResultPath": "$.reuse",
            "Next": "Record",
        },
        "Record": {
            "Type": "Pass",
            "Parameters": {
                **_identity(),
                "status.$": "$.described.job.TrainingJobStatus",
                "objective.$": "States.ArrayGetItem($.gathered.objective, 0)",
                "creationTime.$": "$.described.job.CreationTime",
                "trainingStartTime.$": "States.ArrayGetItem($.gathered.training, 0)",
                "failureReason.$": "$.described.job.FailureReason",
                "reusedPool.$": "States.ArrayContains(States.Array($.reuse.by), $.run.jobName)",
                "previousPoolReusedBy.$": "$.reuse.by",
            },
            "End": True,
        },
    }


OPTIONAL: dict[str, Any] = {
    "FinalMetricDataList": [],
    "SecondaryStatusTransitions": [],
    "FailureReason": None,
}
"""Defaults for the optional fields of a description the record reads."""


def _trial_processor(
    request: Mapping[str, Any], spec: JobSpec, sweep: SweepSpec, quota_cause: str, interval: int
) -> dict[str, Any]:
    run, parameters = run_parameters(request, spec)
    polled = poll_states(
        parameters,
        interval,
        ended=dict.fromkeys(("Completed", "Failed", "Stopped"), "DescribeTrial"),
    )
    return {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "SetDefaults",
        "States": {
            "SetDefaults": {
                "Type": "Pass",
                "Parameters": run,
                "ResultPath": "$.run",
                "Next": "IsFirst",
            },
            **_previous_states(sweep.on_trial_failure),
            **polled,
            **_recording_states(sweep.objective.metric),
            **failure_states(quota_cause),
        },
    }


def _lanes_state(
    request: Mapping[str, Any], spec: JobSpec, sweep: SweepSpec, quota_cause: str, interval: int
) -> dict[str, Any]:
    trials = {
        "Type": "Map",
        "ItemsPath": "$.lane.trials",
        "MaxConcurrency": 1,  # one trial after another, in order
        "ItemSelector": {
            "trial.$": "$$.Map.Item.Value",
            "sweep.$": "$.sweep",
            "run": {"jobName.$": "States.Format('{}{}', $.sweep.name, $$.Map.Item.Value.suffix)"},
            "hyperparameters.$": "$$.Map.Item.Value.hyperparameters",
            "pool": {"polls": 0},
            "reuse": {"by": None},
            "optional": OPTIONAL,
            "sentinels": {
                "metric": [{"MetricName": sweep.objective.metric, "Value": None}],
                "training": [{"Status": "Training", "StartTime": None}],
            },
        },
        "ItemProcessor": _trial_processor(request, spec, sweep, quota_cause, interval),
        "End": True,
    }
    return {
        "Type": "Map",
        "ItemsPath": "$.plan.lanes",
        "MaxConcurrency": len(sweep.lane_trials),
        "ItemSelector": {"lane.$": "$$.Map.Item.Value", "sweep.$": "$.sweep"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "INLINE"},
            "StartAt": "Trials",
            "States": {"Trials": trials},
        },
        "ResultPath": "$.lanes",
        "Next": "Collect",
    }


def _rank_states(goal: Goal) -> dict[str, Any]:
    """The best completed trial with an objective value, by a loop over the trials."""
    better = "NumericLessThanPath" if goal is Goal.MINIMIZE else "NumericGreaterThanPath"
    item = "$.rank.item"
    return {
        "Rank": {
            "Type": "Pass",
            "Parameters": {"index": 0, "count.$": "States.ArrayLength($.trials)"},
            "ResultPath": "$.rank",
            "Next": "NextCandidate",
        },
        "NextCandidate": {
            "Type": "Choice",
            "Choices": [
                {
                    "Variable": "$.rank.index",
                    "NumericEqualsPath": "$.rank.count",
                    "Next": "Summarize",
                }
            ],
            "Default": "Candidate",
        },
        "Candidate": {
            "Type": "Pass",
            "Parameters": {
                "index.$": "States.MathAdd($.rank.index, 1)",
                "count.$": "$.rank.count",
                "item.$": "States.ArrayGetItem($.trials, $.rank.index)",
            },
            "ResultPath": "$.rank",
            "Next": "IsBetter",
        },
        # Rules apply in order: each comparison runs only where the earlier ones did not
        # match, so it never meets a null.
        "IsBetter": {
            "Type": "Choice",
            "Choices": [
                {
                    "Not": {"Variable": f"{item}.status", "StringEquals": "Completed"},
                    "Next": "NextCandidate",
                },
                {"Variable": f"{item}.objective", "IsNull": True, "Next": "NextCandidate"},
                {"Variable": "$.best", "IsNull": True, "Next": "TakeBest"},
                {"Variable": f"{item}.objective", better: "$.best.objective", "Next": "TakeBest"},
            ],
            "Default": "NextCandidate",
        },
        "TakeBest": {
            "Type": "Pass",
            "InputPath": item,
            "ResultPath": "$.best",
            "Next": "NextCandidate",
        },
    }


def sweep_definition(
    request: Mapping[str, Any],
    spec: JobSpec,
    *,
    quota_cause: str,
    output_bucket: str,
    output_prefix: str,
    min_poll_seconds: int = MIN_POLL_SECONDS,
) -> dict[str, Any]:
    """The state machine that runs every trial of `spec.sweep` once per execution.

    `request` as for `launcher_definition`; each trial's overrides replace the user's
    hyperparameters of the same name. The summary (objective, best trial, every trial)
    goes to `s3://<output_bucket>/<output_prefix>/<execution name>/trials.json` (both
    may be `${Name}` placeholders) and is the execution's output. `min_poll_seconds`:
    the shortest job-poll interval; Default: `MIN_POLL_SECONDS`.
    """
    sweep = spec.sweep
    if sweep is None:
        raise ValueError(f"job {spec.name} has no sweep")
    key = f"{escape_literal(output_prefix)}/{{}}/{TRIALS_FILE}"
    uri = f"s3://{escape_literal(output_bucket)}/{key}"
    objective = {"metric": sweep.objective.metric, "goal": sweep.objective.goal.value}
    states: dict[str, Any] = {
        "Plan": {
            "Type": "Pass",
            "Result": sweep_plan(sweep),
            "ResultPath": "$.plan",
            "Next": "NameSweep",
        },
        "NameSweep": {
            "Type": "Pass",
            "Parameters": {"name.$": job_name_expression(spec.name)},
            "ResultPath": "$.sweep",
            "Next": "Lanes",
        },
        "Lanes": _lanes_state(request, spec, sweep, quota_cause, min_poll_seconds),
        "Collect": {
            "Type": "Pass",
            "Parameters": {"trials.$": "$.lanes[*][*]", "sweep.$": "$.sweep", "best": None},
            "Next": "Rank",
        },
        **_rank_states(sweep.objective.goal),
        "Summarize": {
            "Type": "Pass",
            "Parameters": {
                "sweep.$": "$.sweep.name",
                "objective": objective,
                "best.$": "$.best",
                "trials.$": "$.trials",
                "trialsUri.$": f"States.Format('{uri}', $$.Execution.Name)",
            },
            "Next": "WriteTrials",
        },
        "WriteTrials": task(
            "aws-sdk:s3:putObject",
            {
                "Bucket": output_bucket,
                "Key.$": f"States.Format('{key}', $$.Execution.Name)",
                "ContentType": "application/json",
                "Body.$": "States.JsonToString($)",
            },
            Retry=[{**retry()[0], "ErrorEquals": ["S3.SlowDownException", "S3.S3Exception"]}],
            ResultPath=None,
            End=True,
        ),
    }
    definition = {
        "Comment": f"Runs the sweep of SageMaker training job {spec.name} once per execution",
        "StartAt": "Plan",
        "TimeoutSeconds": sweep_timeout(spec, sweep),
        "States": states,
    }
    interval = _poll_interval(state_types(definition), spec, sweep, min_poll_seconds)
    job_states(definition)["WaitForJob"]["Seconds"] = interval
    return definition
