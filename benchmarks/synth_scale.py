"""Synth wall time and peak memory: N jobs with these constructs vs aws-cdk-lib's task.

For N = 1, 10, 100, each case runs in a fresh interpreter (its own jsii/node process):
`ours` builds N `TrainingJob`s (warm pool on, default integration); `cdk-lib` the same N jobs
with `SageMakerCreateTrainingJob` (no keep-alive: it cannot express it), each in a
Standard state machine with the same logging and tracing. Time covers building the
constructs and `app.synth()` (imports excluded); memory is the peak RSS of the Python
process plus jsii's two node processes (its runtime and the kernel it starts). Both
sides split jobs into stacks as the reference app does (`stacks.JOBS_PER_STACK`).
Writes benchmarks/results/synth_scale.json.

    python benchmarks/synth_scale.py [--counts 1 10 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `stacks` and `benchmarks` live at the project root

from benchmarks.common import (  # noqa: E402
    CLI_CONTEXT,
    RESULTS_DIR,
    baseline_job,
    benchmark_specs,
    build_baseline,
    cdk_json_context,
    image_uri,
    own_peak_mb,
    run_worker,
    write_results,
)

JOB_COUNTS = (1, 10, 100)
CASES = ("ours", "cdk-lib")
RESULTS = RESULTS_DIR / "synth_scale.json"


def _build_ours(stack: Any, specs: list[Any]) -> None:
    from cdk_sagemaker_training.cdk.launcher_logs import LauncherLogsKey
    from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
    from cdk_sagemaker_training.cdk.training_job import TrainingJob

    bucket = OutputBucket(stack, "Output").bucket
    key = LauncherLogsKey(stack, "Logs").key
    for index, spec in enumerate(specs):
        TrainingJob(stack, f"Job{index}", job=spec, output_bucket=bucket, logs_key=key)


def _build_cdk_lib(stack: Any, specs: list[Any]) -> None:
    build_baseline(stack, [baseline_job(spec, image_uri(spec)) for spec in specs])


def _worker(case: str, count: int) -> dict[str, Any]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App, Stack

    from cdk_sagemaker_training.core.images import resolve_image
    from stacks import JOBS_PER_STACK

    _ = resolve_image(benchmark_specs(1)[0])  # warm the SDK's image tables: not synth
    context = {**cdk_json_context(), **CLI_CONTEXT}  # as `cdk synth` runs an app
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        app = App(outdir=outdir, context=context)
        build = _build_ours if case == "ours" else _build_cdk_lib
        specs = benchmark_specs(count)
        # Both sides split like the reference app (CDK refuses stacks over 500 resources).
        for index in range(0, count, JOBS_PER_STACK):
            build(
                Stack(app, f"Bench{index // JOBS_PER_STACK}"), specs[index : index + JOBS_PER_STACK]
            )
        app.synth()
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(outdir).glob("*.template.json"))
    memory = own_peak_mb(os.getpid())
    return {"case": case, "jobs": count, "seconds": seconds, "peak_mb": memory, "bytes": size}


def _run_case(case: str, count: int) -> dict[str, Any]:
    return run_worker(Path(__file__), "--worker", case, str(count))


def measure(counts: tuple[int, ...], repeats: int) -> list[dict[str, Any]]:
    """Median seconds and peak MB per (jobs, case), cases interleaved in one run."""
    rows = []
    for count in counts:
        runs: dict[str, list[dict[str, Any]]] = {case: [] for case in CASES}
        for _ in range(repeats):
            for case in CASES:
                runs[case].append(_run_case(case, count))
        row: dict[str, Any] = {"jobs": count}
        for case in CASES:
            row[case] = {
                "seconds": statistics.median(r["seconds"] for r in runs[case]),
                "peak_mb": statistics.median(r["peak_mb"] for r in runs[case]),
                "template_bytes": runs[case][0]["bytes"],
            }
        row["time_ratio"] = row["ours"]["seconds"] / row["cdk-lib"]["seconds"]
        row["memory_ratio"] = row["ours"]["peak_mb"] / row["cdk-lib"]["peak_mb"]
        rows.append(row)
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """Markdown table of the results."""
    lines = [
        "| jobs | ours (s) | aws-cdk-lib task (s) | time ratio | ours peak (MB) "
        "| aws-cdk-lib peak (MB) | memory ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        ours, lib = row["ours"], row["cdk-lib"]
        lines.append(
            f"| {row['jobs']} | {ours['seconds']:.2f} | {lib['seconds']:.2f} | "
            f"{row['time_ratio']:.2f} | {ours['peak_mb']:.0f} | {lib['peak_mb']:.0f} | "
            f"{row['memory_ratio']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=list(JOB_COUNTS))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", nargs=2, metavar=("CASE", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker[0], int(args.worker[1]))))
        return
    rows = measure(tuple(args.counts), args.repeats)
    print(table(rows))
    write_results(RESULTS, {"rows": rows})


if __name__ == "__main__":
    main()
