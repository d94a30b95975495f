"""Synth wall time and peak memory: N jobs with these constructs vs aws-cdk-lib's task.

For N = 1, 10, 100, each case runs in a fresh interpreter (its own jsii/node process):
`ours` builds N `TrainingJob`s (warm pool on, RUN_JOB); `cdk-lib` builds the same N jobs
with `SageMakerCreateTrainingJob` (no keep-alive: it cannot express it), each in a
Standard state machine with the same logging and tracing. Time covers building the
constructs and `app.synth()` (imports excluded); memory is the peak RSS of the Python
process plus its node process. Both sides split jobs into stacks as the reference app
does (`stacks.JOBS_PER_STACK`). Writes benchmarks/results/synth_scale.json.

    python benchmarks/synth_scale.py [--counts 1 10 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

JOB_COUNTS = (1, 10, 100)
CASES = ("ours", "cdk-lib")
RESULTS = Path(__file__).parent / "results" / "synth_scale.json"
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `stacks` lives at the project root, next to app.py


def _peak_rss_mb(pid: int) -> float:
    """VmHWM of a process (Linux), in MB; 0 when unavailable."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found.extend(int(child) for child in task.read_text().split())
    return found


def _build_ours(stack: Any, specs: list[Any]) -> None:
    from cdk_sagemaker_training.cdk.launcher_logs import LauncherLogsKey
    from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
    from cdk_sagemaker_training.cdk.training_job import TrainingJob

    bucket = OutputBucket(stack, "Output").bucket
    key = LauncherLogsKey(stack, "Logs").key
    for index, spec in enumerate(specs):
        TrainingJob(stack, f"Job{index}", job=spec, output_bucket=bucket, logs_key=key)


def _build_cdk_lib(stack: Any, specs: list[Any]) -> None:
    from aws_cdk import Duration, Size
    from aws_cdk import aws_ec2 as ec2
    from aws_cdk import aws_logs as logs
    from aws_cdk import aws_stepfunctions as sfn
    from aws_cdk import aws_stepfunctions_tasks as tasks

    from cdk_sagemaker_training.cdk.launcher_logs import LauncherLogsKey
    from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
    from cdk_sagemaker_training.core.images import resolve_image
    from cdk_sagemaker_training.core.request import json_encode

    bucket = OutputBucket(stack, "Output").bucket
    key = LauncherLogsKey(stack, "Logs").key
    for index, spec in enumerate(specs):
        image = resolve_image(spec)
        hyperparameters = {k: json_encode(v) for k, v in spec.hyperparameters.items()}
        hyperparameters.update(
            {
                "sagemaker_program": json_encode(spec.entry_point),
                "sagemaker_submit_directory": json_encode(spec.source_dir),
                "sagemaker_training_compiler_enabled": "true",
                "sagemaker_training_compiler_debug_mode": "false",
            }
        )
        task = tasks.SageMakerCreateTrainingJob(
            stack,
            f"Train{index}",
            training_job_name=sfn.JsonPath.format(
                f"{spec.name}-{{}}", sfn.JsonPath.string_at("$$.Execution.Name")
            ),
            algorithm_specification=tasks.AlgorithmSpecification(
                training_image=tasks.DockerImage.from_registry(
                    f"{image.account('us-east-1')}.dkr.ecr.us-east-1.amazonaws.com/"
                    f"{image.repository}:{image.tag}"
                ),
                training_input_mode=tasks.InputMode.FILE,
            ),
            hyperparameters=hyperparameters,
            input_data_config=[],
            output_data_config=tasks.OutputDataConfig(
                s3_output_location=tasks.S3Location.from_bucket(bucket, spec.name)
            ),
            resource_config=tasks.ResourceConfig(
                instance_count=spec.instance_count,
                instance_type=ec2.InstanceType(spec.instance_type.removeprefix("ml.")),
                volume_size=Size.gibibytes(spec.volume_size),
            ),
            stopping_condition=tasks.StoppingCondition(max_runtime=Duration.seconds(spec.max_run)),
            integration_pattern=sfn.IntegrationPattern.RUN_JOB,
        )
        sfn.StateMachine(
            stack,
            f"Launcher{index}",
            definition_body=sfn.DefinitionBody.from_chainable(task),
            logs=sfn.LogOptions(
                destination=logs.LogGroup(stack, f"Logs{index}", encryption_key=key),
                level=sfn.LogLevel.ALL,
            ),
            tracing_enabled=True,
        )


def _specs(count: int) -> list[Any]:
    from cdk_sagemaker_training.core.loader import load_jobs

    (base,) = [s for s in load_jobs(ROOT / "jobs") if s.name == "hf-bert-compiler"]
    # Code on S3, as the aws-cdk-lib version has no packaging: both sides do the same work.
    base = replace(base, source_dir="s3://code-bucket/hf/sourcedir.tar.gz", warm_pool_group=None)
    return [replace(base, name=f"bert-{index:03d}") for index in range(count)]


def _worker(case: str, count: int) -> dict[str, Any]:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App, Stack

    from cdk_sagemaker_training.core.images import resolve_image
    from stacks import JOBS_PER_STACK

    _ = resolve_image(_specs(1)[0])  # warm the SDK's image tables: not part of synth
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        app = App(outdir=outdir, context=context)
        build = _build_ours if case == "ours" else _build_cdk_lib
        specs = _specs(count)
        # Both sides split like the reference app (CDK refuses stacks over 500 resources).
        for index in range(0, count, JOBS_PER_STACK):
            build(
                Stack(app, f"Bench{index // JOBS_PER_STACK}"), specs[index : index + JOBS_PER_STACK]
            )
        app.synth()
        seconds = time.perf_counter() - start
        size = sum(p.stat().st_size for p in Path(outdir).glob("*.template.json"))
    memory = _peak_rss_mb(os.getpid()) + sum(_peak_rss_mb(c) for c in _children(os.getpid()))
    return {"case": case, "jobs": count, "seconds": seconds, "peak_mb": memory, "bytes": size}


def _run_case(case: str, count: int) -> dict[str, Any]:
    output = subprocess.run(
        [sys.executable, __file__, "--worker", case, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


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
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"python": sys.version.split()[0], "rows": rows}, indent=2))
    print(table(rows))
    print(f"\nwritten to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
