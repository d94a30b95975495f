"""A finished sweep's trial table, from its execution or its `trials.json`, and what the
warm pools saved: each trial's startup (creation to `Training`) against its lane's first,
cold trial."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from cdk_sagemaker_training.aws.clients import Client, aws_access

EXECUTION_ARN = re.compile(r"arn:aws[a-z-]*:states:(?P<region>[a-z0-9-]+):\d{12}:execution:\S+")
S3_URI = re.compile(r"s3://(?P<bucket>[^/\s]+)/(?P<key>\S+)")
EXECUTION_ACTIONS = ("states:DescribeExecution",)
OBJECT_ACTIONS = ("s3:GetObject",)


class SweepSourceError(Exception):
    """The source names no sweep output, or holds none (yet)."""


@dataclass(frozen=True, kw_only=True)
class TrialRow:
    """One trial as the report shows it."""

    trial: int
    lane: int
    job_name: str
    hyperparameters: dict[str, str]
    status: str
    objective: float | None
    startup_seconds: float | None
    """Creation to `Training`; None when the job never trained."""
    pool: str
    """`reused` (the lane's previous pool), `other lane` (another trial's pool), or `cold`."""
    saved_seconds: float | None
    """The lane's first trial's startup minus this one's (None for the first or unknown)."""


@dataclass(frozen=True, kw_only=True)
class SweepReport:
    """A sweep's trials, its best trial and the startup its warm pools saved."""

    sweep: str
    metric: str
    goal: str
    best_trial: int | None
    trials: tuple[TrialRow, ...]

    @property
    def saved_seconds(self) -> float:
        """Startup saved over every trial after its lane's first."""
        return sum(t.saved_seconds or 0.0 for t in self.trials)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "sweep": self.sweep,
            "objective": {"metric": self.metric, "goal": self.goal},
            "best_trial": self.best_trial,
            "saved_seconds": self.saved_seconds,
            "trials": [asdict(t) for t in self.trials],
        }


def _time(value: Any) -> datetime | None:
    """An SDK timestamp: ISO-8601 text, or epoch seconds or milliseconds."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, tz=UTC)
    return datetime.fromisoformat(str(value))


def _startup(trial: Mapping[str, Any]) -> float | None:
    created, training = _time(trial.get("creationTime")), _time(trial.get("trainingStartTime"))
    if created is None or training is None:
        return None
    return (training - created).total_seconds()


def build_report(summary: Mapping[str, Any]) -> SweepReport:
    """The report of a sweep's summary (its execution output or `trials.json`)."""
    trials = sorted(summary["trials"], key=lambda t: t["trial"])
    taken = {t.get("previousPoolReusedBy") for t in trials} - {None}
    cold: dict[int, float | None] = {}
    rows = []
    for trial in trials:
        startup = _startup(trial)
        first = trial["lane"] not in cold
        if first:
            cold[trial["lane"]] = startup
        base = cold[trial["lane"]]
        pool = (
            "reused"
            if trial.get("reusedPool")
            else "other lane"
            if trial["jobName"] in taken
            else "cold"
        )
        rows.append(
            TrialRow(
                trial=trial["trial"],
                lane=trial["lane"],
                job_name=trial["jobName"],
                hyperparameters=dict(trial["hyperparameters"]),
                status=trial["status"],
                objective=trial.get("objective"),
                startup_seconds=startup,
                pool=pool,
                saved_seconds=(
                    None if first or base is None or startup is None else base - startup
                ),
            )
        )
    best = summary.get("best")
    return SweepReport(
        sweep=summary["sweep"],
        metric=summary["objective"]["metric"],
        goal=summary["objective"]["goal"],
        best_trial=best["trial"] if best else None,
        trials=tuple(rows),
    )


def read_summary(source: str, client: Callable[[str, str | None], Client]) -> dict[str, Any]:
    """A sweep's summary from an execution ARN (`DescribeExecution` output) or an
    `s3://` URI (`GetObject`). `client(service, region)`: a client for the service (the
    execution's region). Raises `SweepSourceError`, `AwsAccessError`, `ClientError`."""
    execution = EXECUTION_ARN.fullmatch(source)
    if execution is not None:
        with aws_access(EXECUTION_ACTIONS):
            described = client("stepfunctions", execution["region"]).describe_execution(
                executionArn=source
            )
        if described["status"] != "SUCCEEDED" or "output" not in described:
            raise SweepSourceError(
                f"execution is {described['status']}: a sweep writes its table when it "
                "succeeds (a running sweep has none yet)"
            )
        return _summary(described["output"], source)
    location = S3_URI.fullmatch(source)
    if location is None:
        raise SweepSourceError(
            f"expected a Step Functions execution ARN or an s3:// URI, received {source!r}"
        )
    with aws_access(OBJECT_ACTIONS):
        body = client("s3", None).get_object(Bucket=location["bucket"], Key=location["key"])
        return _summary(body["Body"].read(), source)


def _summary(text: str | bytes, source: str) -> dict[str, Any]:
    try:
        summary = json.loads(text)
    except ValueError:
        summary = None
    if not isinstance(summary, dict) or not isinstance(summary.get("trials"), list):
        raise SweepSourceError(f"{source} holds no sweep trial table")
    return summary


def format_hyperparameters(values: Mapping[str, str]) -> str:
    """`a=1 b=2`, as the report prints them."""
    return " ".join(f"{key}={value}" for key, value in values.items())


def seconds(value: float | None) -> str:
    """`73` or `-` for a missing number of seconds."""
    return "-" if value is None else f"{value:.0f}"


def table_rows(report: SweepReport) -> Sequence[tuple[object, ...]]:
    """The report's rows for `format_table` (`TABLE_HEADERS`)."""
    return [
        (
            f"{t.trial}{' *' if t.trial == report.best_trial else ''}",
            t.lane,
            t.job_name,
            format_hyperparameters(t.hyperparameters),
            t.status,
            "-" if t.objective is None else f"{t.objective:g}",
            seconds(t.startup_seconds),
            t.pool,
            seconds(t.saved_seconds),
        )
        for t in report.trials
    ]


TABLE_HEADERS = (
    "trial",
    "lane",
    "job name",
    "hyperparameters",
    "status",
    "objective",
    "startup s",
    "pool",
    "saved s",
)
