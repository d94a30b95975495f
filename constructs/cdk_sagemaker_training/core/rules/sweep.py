"""Warm-pool sweep rules: trials differ only in hyperparameters and chain one warm pool.

Paths name the key of the `sweep` block that holds the problem: `sweep.parameters.<name>`
for a grid, `sweep.trials[<index>].<name>` for an explicit list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from cdk_sagemaker_training.core.loader import SPEC_FIELDS
from cdk_sagemaker_training.core.model import JOB_NAME_PREFIX_MAX_LENGTH, JobSpec
from cdk_sagemaker_training.core.request import json_encode
from cdk_sagemaker_training.core.rules.job import RESERVED_HYPERPARAMETER_PREFIX
from cdk_sagemaker_training.core.rules.registry import (
    ERROR,
    WARNING,
    RuleContext,
    Violation,
    rule,
)
from cdk_sagemaker_training.core.rules.request_limits import API_REFERENCE, placeholder_request
from cdk_sagemaker_training.core.service_limits import model_violations
from cdk_sagemaker_training.core.service_model import request_shape
from cdk_sagemaker_training.core.sweep import MAX_TRIALS, TRIAL_SUFFIX_LENGTH, SweepSpec

SWEEP_NAME_MAX_LENGTH = JOB_NAME_PREFIX_MAX_LENGTH - TRIAL_SUFFIX_LENGTH
"""Longest `name` of a sweep job: room for the run suffix and the trial suffix."""


def for_sweeps(
    check: Callable[[JobSpec, SweepSpec], Iterable[Violation]],
) -> Callable[[JobSpec, RuleContext], Iterable[Violation]]:
    """A rule check that runs on sweep jobs only, given the job and its sweep."""

    def run(spec: JobSpec, _: RuleContext) -> Iterable[Violation]:
        return () if spec.sweep is None else check(spec, spec.sweep)

    return run


def _trial_path(sweep: SweepSpec, index: int, key: str | None) -> str:
    """Where trial `index`'s hyperparameter `key` (None: the whole trial) is written."""
    if sweep.explicit_trials:
        return f"sweep.trials[{index}]" + (f".{key}" if key is not None else "")
    return "sweep.parameters" + (f".{key}" if key is not None else "")


def _key_paths(sweep: SweepSpec) -> Iterator[tuple[str, str]]:
    """(hyperparameter name, path in the job file) of every name the trials set."""
    for index, trial in enumerate(sweep.explicit_trials or [sweep.parameters]):
        yield from ((key, _trial_path(sweep, index, key)) for key in trial)


def _library_hyperparameters(spec: JobSpec) -> frozenset[str]:
    """Hyperparameters the request builder sets itself (`sagemaker_*`, TensorFlow's
    `model_dir`): a trial value for one of them would be overwritten or break the job."""
    rendered = placeholder_request(spec)["HyperParameters"]
    return frozenset(rendered) - frozenset(spec.hyperparameters)


@rule(
    "SWEEP001",
    ERROR,
    "A sweep without a warm pool",
    "Set keep_alive_period_in_seconds > 0 (longer than the gap between two trials, e.g. "
    "600): a sweep exists to start each trial on the pool its predecessor left",
)
@for_sweeps
def _keep_alive(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    if not spec.warm_pool_enabled:
        yield (
            "keep_alive_period_in_seconds",
            f"received {spec.keep_alive_period_in_seconds} with a sweep: every trial would "
            "start cold",
        )


@rule(
    "SWEEP002",
    ERROR,
    "A trial changes a job key, not a hyperparameter",
    "Only hyperparameters may vary between trials, so that each trial matches its "
    "predecessor's warm pool: set the key once at the top of the job file, or write "
    "another job file for the other value (a hyperparameter that shares a job key's name "
    "is varied when the job's hyperparameters also set it)",
)
@for_sweeps
def _job_keys(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    for key, path in _key_paths(sweep):
        if key in SPEC_FIELDS and key not in spec.hyperparameters:
            yield path, f"received {key!r}, a job key: trials pass it to the script only"


@rule(
    "SWEEP003",
    ERROR,
    "A trial sets a hyperparameter the library sets",
    f"Rename it: {RESERVED_HYPERPARAMETER_PREFIX}* hyperparameters (and TensorFlow's "
    "model_dir) come from the job's settings, which every trial shares",
)
@for_sweeps
def _reserved_keys(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    library = _library_hyperparameters(spec)
    for key, path in _key_paths(sweep):
        if key.startswith(RESERVED_HYPERPARAMETER_PREFIX) or key in library:
            yield path, f"received {key!r}"


@rule(
    "SWEEP004",
    ERROR,
    "The sweep's objective is not a defined metric",
    "Name a metric_definitions entry in sweep.objective.metric, or add one "
    "({Name, Regex}) that the training script's log matches",
)
@for_sweeps
def _objective(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    names = [m.name for m in spec.metric_definitions]
    if sweep.objective.metric not in names:
        defined = ", ".join(repr(n) for n in names) if names else "none"
        yield (
            "sweep.objective.metric",
            f"received {sweep.objective.metric!r}; metric_definitions names: {defined}",
        )


@rule(
    "SWEEP005",
    ERROR,
    "The sweep has no trials",
    "Give every name in sweep.parameters at least one value, or list at least one trial",
)
@for_sweeps
def _empty(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    if sweep.trial_count:
        return
    empty = [f"sweep.parameters.{k}" for k, values in sweep.parameters.items() if not values]
    for path in empty or ["sweep"]:
        yield path, "received no values, so the sweep runs no trial"


@rule(
    "SWEEP006",
    ERROR,
    "The sweep has more trials than its cap",
    f"Shrink the grid or the list, or raise sweep.max_trials (one sweep runs at most "
    f"{MAX_TRIALS} trials: split a larger search into several job files)",
)
@for_sweeps
def _too_many(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    count, cap = sweep.trial_count, sweep.max_trials
    if cap is not None and count > cap:
        yield "sweep.max_trials", f"received {count} trials; max_trials is {cap}"
    elif count > MAX_TRIALS:
        yield "sweep", f"received {count} trials; a sweep runs at most {MAX_TRIALS}"


@rule(
    "SWEEP007",
    ERROR,
    "Sweeps do not work with managed spot training or heterogeneous clusters",
    "Remove use_spot_instances / instance_groups, or the sweep: a sweep chains warm "
    "pools, which SageMaker does not keep for spot jobs or instance groups",
)
@for_sweeps
def _no_pool_kept(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    if spec.use_spot_instances:
        yield "use_spot_instances", "received use_spot_instances: true with a sweep"
    if spec.instance_groups:
        yield "instance_groups", "received instance_groups with a sweep"


@rule(
    "SWEEP008",
    ERROR,
    "Sweep job name too long for the trial suffix",
    f"Shorten name to at most {SWEEP_NAME_MAX_LENGTH} characters: each trial's job name "
    f"adds the run suffix and a {TRIAL_SUFFIX_LENGTH}-character trial suffix (-t007)",
)
@for_sweeps
def _name_length(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    # Longer than JOB_NAME_PREFIX_MAX_LENGTH is JOB001's finding.
    if SWEEP_NAME_MAX_LENGTH < len(spec.name) <= JOB_NAME_PREFIX_MAX_LENGTH:
        yield "name", f"received {len(spec.name)} characters"


@rule(
    "SWEEP009",
    ERROR,
    "A trial's hyperparameters break a bound of the SageMaker API",
    "Shorten the value named, or set fewer hyperparameters: bounds come from the installed "
    "botocore model and count the hyperparameters the library adds",
    source=API_REFERENCE,
)
@for_sweeps
def _trial_bounds(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    if sweep.trial_count > MAX_TRIALS:
        return  # SWEEP006 reports it; expanding a huge grid is what the cap prevents
    shape = request_shape("HyperParameters")
    base = placeholder_request(spec)["HyperParameters"]
    in_base = {v.path for v in model_violations(base, shape)}  # API001 reports those
    reported: set[str] = set()
    for index, trial in enumerate(sweep.trials):
        rendered = {**base, **{key: json_encode(value) for key, value in trial.items()}}
        for violation in model_violations(rendered, shape):
            key = str(violation.path[0]) if violation.path else None
            path = _trial_path(sweep, index, key)
            if violation.path in in_base or (key is not None and key not in trial):
                continue
            if path not in reported:
                reported.add(path)
                yield path, violation.message


@rule(
    "SWEEP101",
    WARNING,
    "More lanes than trials",
    "Lower sweep.lanes to the trial count: a lane without a trial runs nothing",
)
@for_sweeps
def _idle_lanes(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    if 0 < sweep.trial_count < sweep.lanes:
        yield "sweep.lanes", f"received {sweep.lanes} lanes for {sweep.trial_count} trial(s)"


@rule(
    "SWEEP102",
    WARNING,
    "Two trials set the same hyperparameters",
    "Remove the repeated value or trial: it trains the same model twice",
)
@for_sweeps
def _repeated_trials(spec: JobSpec, sweep: SweepSpec) -> Iterator[Violation]:
    # Compared as the training script receives them: 1, 1.0 and true differ.
    for name, values in sweep.parameters.items():
        encoded = [json_encode(v) for v in values]
        for index, value in enumerate(encoded):
            if value in encoded[:index]:
                yield f"sweep.parameters.{name}[{index}]", f"received {values[index]!r} again"
    seen: dict[tuple[tuple[str, str], ...], int] = {}
    for index, trial in enumerate(sweep.explicit_trials):
        key = tuple(sorted((name, json_encode(value)) for name, value in trial.items()))
        if key in seen:
            yield f"sweep.trials[{index}]", f"received the same values as sweep.trials[{seen[key]}]"
        seen.setdefault(key, index)
