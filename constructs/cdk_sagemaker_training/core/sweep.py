"""A warm-pool sweep: trials that differ only in hyperparameters, run back to back per lane
so each trial starts on the warm pool its predecessor left."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from cdk_sagemaker_training.core.field_docs import doc

DEFAULT_LANES = 1
MAX_TRIALS = 100
"""The most trials one sweep runs: every trial's states share one execution history
(25,000 events), and a sweep runs for as long as its longest lane (rule SWEEP006)."""
TRIAL_SUFFIX_LENGTH = 5
"""Length of the suffix each trial adds to the run's job name: `-t` and three digits."""


def trial_suffix(index: int) -> str:
    """The suffix of trial `index` (0-based, in `SweepSpec.trials` order): `-t007`."""
    suffix = f"-t{index:03d}"
    if len(suffix) != TRIAL_SUFFIX_LENGTH:
        raise ValueError(f"trial index {index} does not fit {TRIAL_SUFFIX_LENGTH} characters")
    return suffix


class Goal(StrEnum):
    """Which way the objective metric improves."""

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"


class OnTrialFailure(StrEnum):
    """What a lane does after a trial fails."""

    CONTINUE = "continue"
    STOP = "stop"


@dataclass(frozen=True, kw_only=True)
class Objective:
    """The metric (a `metric_definitions` name) that ranks trials."""

    metric: str = field(metadata=doc("The metric_definitions name that ranks the trials."))
    goal: Goal = field(
        default=Goal.MINIMIZE, metadata=doc("Whether a lower or a higher value is better.")
    )


@dataclass(frozen=True, kw_only=True)
class SweepSpec:
    """The `sweep` key of a job file: a grid (`parameters`) or an explicit `trials` list."""

    objective: Objective = field(metadata=doc("The metric that ranks the trials."))
    parameters: Mapping[str, tuple[Any, ...]] = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=doc(
            "Grid: each hyperparameter's values; trials are the cross product, in file order."
        ),
    )
    explicit_trials: tuple[Mapping[str, Any], ...] = field(
        default=(),
        metadata=doc("The trials as a list of hyperparameter mappings, instead of parameters."),
    )
    lanes: int = field(
        default=DEFAULT_LANES,
        metadata=doc("Trials run in this many lanes at once, one after another in a lane."),
    )
    max_trials: int | None = field(
        default=None, metadata=doc("Run at most this many trials (the first ones).")
    )
    on_trial_failure: OnTrialFailure = field(
        default=OnTrialFailure.CONTINUE,
        metadata=doc("After a failed trial, its lane goes on or stops."),
    )

    @property
    def trial_count(self) -> int:
        """How many trials the sweep runs, without expanding the grid."""
        if self.explicit_trials:
            return len(self.explicit_trials)
        if not self.parameters:
            return 0
        return math.prod(len(values) for values in self.parameters.values())

    @property
    def active_lanes(self) -> int:
        """Lanes that get at least one trial: `lanes`, at most the trial count."""
        return min(self.lanes, self.trial_count)

    @property
    def trials(self) -> tuple[Mapping[str, Any], ...]:
        """Each trial's hyperparameter overrides, in order (grid or explicit list)."""
        if self.explicit_trials:
            return self.explicit_trials
        if not self.parameters:
            return ()
        names = tuple(self.parameters)
        return tuple(
            MappingProxyType(dict(zip(names, values, strict=True)))
            for values in itertools.product(*self.parameters.values())
        )

    @property
    def lane_trials(self) -> tuple[tuple[Mapping[str, Any], ...], ...]:
        """Trials dealt round-robin to lanes; lanes left without a trial are dropped."""
        trials = self.trials
        lanes = (tuple(trials[lane :: self.lanes]) for lane in range(self.lanes))
        return tuple(lane for lane in lanes if lane)
