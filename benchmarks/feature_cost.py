"""What each thing the reference app does beyond the aws-cdk-lib baseline costs to synthesize.

The end-to-end baseline (`baseline_app.py`) builds only the task, its state machine and
its log group. The reference app also gives every job an output, checks quotas at deploy
time (`QuotaGuard`), warns at synthesis (TRCOMP101 and WPOOL102 on the benchmark job),
stops the jobs of ended executions (`JobStopper`) and writes template metadata on each
launcher (its cfn-lint checks and its job name). Each case builds the reference app's
stacks for N benchmark jobs (`stacks.build_app`) and synthesizes them in a fresh
interpreter, with one of those features removed, or all five (`without`): a measurement,
not an option of the app. The template-validation engine is built before the clock
starts (a fixed cost of every app). Each case is counted once in jsii round trips
(deterministic: one feature's few per job are below this machine's timing noise) and
timed `--repeats` times, cases interleaved, median; CPU time is user plus system of the
process and jsii's node processes over the same span. The aws-cdk-lib baseline's stacks
(`common.build_baseline_stacks`) are timed the same way, for reference. Writes
benchmarks/results/feature_cost.json.

    python benchmarks/feature_cost.py [--jobs 100] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `stacks` and `benchmarks` live at the project root

from benchmarks.common import (  # noqa: E402
    CLI_CONTEXT,
    RESULTS_DIR,
    baseline_job,
    benchmark_specs,
    build_baseline_stacks,
    cdk_json_context,
    image_uri,
    run_worker,
    tree_cpu_seconds,
    write_results,
)
from benchmarks.jsii_calls import Counting  # noqa: E402

RESULTS = RESULTS_DIR / "feature_cost.json"
FEATURES = ("outputs", "quota_guard", "warnings", "job_stopper", "launcher_metadata")
CASES = ("all features", *(f"without {feature}" for feature in FEATURES), "without all five")
BASELINE = "aws-cdk-lib task app"


class _NoStopper:
    """Stands in for `JobStopper`: no stopper, no stop rules."""

    @classmethod
    def of(cls, *_: Any) -> _NoStopper:
        return cls()

    def watch(self, *_: Any) -> None:
        """Watch nothing."""


def _errors_only(report: Callable[..., None]) -> Callable[..., None]:
    def report_errors(scope: Any, findings: Any) -> None:
        report(scope, [f for f in findings if f.severity.name == "ERROR"])

    return report_errors


@contextmanager
def without(features: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Remove `features` (names from `FEATURES`) from what `stacks.build_app` builds while
    the block runs; yields the context the App needs (the quota guard is turned off the
    way a user does: `quota_guard=off`)."""
    import cdk_sagemaker_training.cdk.launcher_logs as launcher_logs
    import cdk_sagemaker_training.cdk.training_job as training_job
    import stacks.training_jobs as training_jobs

    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown features {sorted(unknown)}; known: {FEATURES}")
    patches = {
        "outputs": (training_jobs, "CfnOutput", lambda *_, **__: None),
        "warnings": (training_job, "report_findings", _errors_only(training_job.report_findings)),
        "job_stopper": (training_job, "JobStopper", _NoStopper),
        "launcher_metadata": (launcher_logs, "ignore_cfn_lint", lambda *_, **__: None),
    }
    with ExitStack() as stack:
        for feature in features:
            if feature in patches:
                module, name, replacement = patches[feature]
                stack.enter_context(mock.patch.object(module, name, replacement))
        yield {"quota_guard": "off"} if "quota_guard" in features else {}


def _features_of(case: str) -> tuple[str, ...]:
    if case == "all features":
        return ()
    if case == "without all five":
        return FEATURES
    return (case.removeprefix("without "),)


def _build_baseline(app: Any, specs: list[Any]) -> None:
    from stacks import JOBS_PER_STACK

    jobs = [baseline_job(spec, image_uri(spec)) for spec in specs]
    build_baseline_stacks(app, jobs, JOBS_PER_STACK)


def _worker(case: str, count: int, counting: bool) -> dict[str, Any]:
    """Build and synthesize one case; seconds and CPU, or round trips when `counting`."""
    from aws_cdk import App

    from stacks import build_app

    specs = benchmark_specs(count)
    counter = Counting()
    with tempfile.TemporaryDirectory() as warm, tempfile.TemporaryDirectory() as outdir:
        App(outdir=warm, auto_synth=False, analytics_reporting=False, tree_metadata=False).synth()
        if counting:
            counter.install()
        with without(() if case == BASELINE else _features_of(case)) as context:
            cpu, start = tree_cpu_seconds(os.getpid()), time.perf_counter()
            counter.phase = "build"
            app = App(outdir=outdir, context={**cdk_json_context(), **CLI_CONTEXT, **context})
            (_build_baseline if case == BASELINE else build_app)(app, specs)
            built = time.perf_counter()
            counter.phase = "synth"
            app.synth()
            done = time.perf_counter()
            cpu = tree_cpu_seconds(os.getpid()) - cpu
    if counting:
        return {
            f"{phase}_round_trips": sum(counter.requests.get(phase, {}).values())
            for phase in ("build", "synth")
        }
    return {"build": built - start, "synth": done - built, "cpu": cpu}


def _run_case(case: str, count: int, counting: bool = False) -> dict[str, Any]:
    flags = ["--count"] if counting else []
    return run_worker(Path(__file__), "--worker", case, str(count), *flags)


def measure(count: int, repeats: int) -> list[dict[str, Any]]:
    """Per case: round trips (one counted run) and median build, synth, total and CPU
    seconds (timed runs, cases interleaved)."""
    cases = (*CASES, BASELINE)
    runs: dict[str, list[dict[str, Any]]] = {case: [] for case in cases}
    for _ in range(repeats):
        for case in cases:
            runs[case].append(_run_case(case, count))
    rows = []
    for case in cases:
        row: dict[str, Any] = {"case": case, **_run_case(case, count, counting=True)}
        for key in ("build", "synth", "cpu"):
            row[key] = statistics.median(r[key] for r in runs[case])
        row["total"] = statistics.median(r["build"] + r["synth"] for r in runs[case])
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]], count: int) -> str:
    """Markdown table of the results: round trips per job, seconds, CPU."""
    lines = [
        f"| {count} jobs | round trips per job: building | at synthesis | build (s) "
        "| `app.synth()` (s) | total (s) | CPU, Python + node (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row['case']} | {row['build_round_trips'] / count:.1f} | "
            f"{row['synth_round_trips'] / count:.1f} | {row['build']:.2f} | "
            f"{row['synth']:.2f} | {row['total']:.2f} | {row['cpu']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "JOBS"), help=argparse.SUPPRESS)
    parser.add_argument("--count", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], int(args.worker[1]), args.count)))
        return
    rows = measure(args.jobs, args.repeats)
    print(table(rows, args.jobs))
    write_results(RESULTS, {"jobs": args.jobs, "rows": rows})


if __name__ == "__main__":
    main()
