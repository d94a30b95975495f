"""End to end: the wall time of `python app.py` as `cdk synth` runs it, vs aws-cdk-lib's task.

Writes N job files (`common.write_job_files`) and runs, each in a fresh process with the
environment the CDK CLI gives an app (`CDK_OUTDIR`, `CDK_CONTEXT_JSON` holding cdk.json's
context, the CLI's defaults and `jobs=<dir>`):
- `ours`: the reference app, `python app.py` (launchers, QuotaGuard, everything);
- `cdk-lib`: `benchmarks/baseline_app.py`, the same jobs with aws-cdk-lib's
  `SageMakerCreateTrainingJob`, split into stacks the same way.
Cases interleaved, median of `--repeats`; peak memory is the process tree's RSS (Python
plus node), sampled every 50 ms. Then one in-process run of ours timed by phase.
Writes benchmarks/results/synth_e2e.json.

`--scale N` synthesizes N jobs once (ours only) and reports wall time, peak memory, the
stack count and the largest template against CloudFormation's limits
(benchmarks/results/synth_e2e_scale.json).

    python benchmarks/synth_e2e.py [--jobs 100] [--repeats 5]
    python benchmarks/synth_e2e.py --scale 1000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `stacks` and `benchmarks` live at the project root

from benchmarks.common import (  # noqa: E402
    CLI_CONTEXT,
    CLI_ENVIRONMENT,
    RESULTS_DIR,
    benchmark_specs,
    cdk_json_context,
    descendants,
    image_uri,
    run_worker,
    status_mb,
    write_job_files,
    write_results,
)

CASES = ("ours", "cdk-lib")
RESULTS = RESULTS_DIR / "synth_e2e.json"
SCALE_RESULTS = RESULTS_DIR / "synth_e2e_scale.json"
SAMPLE_SECONDS = 0.05
LIMITS = {"bytes": 1_000_000, "resources": 500, "outputs": 200, "parameters": 200}
"""CloudFormation's per-template limits (a template over 51,200 bytes deploys from S3)."""


def _environment(outdir: Path, context: dict[str, Any]) -> dict[str, str]:
    env = dict(os.environ)
    # As on a user's machine, Python caches bytecode (this sandbox's environment says
    # not to); `measure`'s untimed first runs write the caches.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    env.update(CLI_ENVIRONMENT)
    env["CDK_OUTDIR"] = str(outdir)
    env["CDK_PERF_COUNTERS_FILE"] = str(outdir / "performance-counters.json")
    env["CDK_ERROR_FILE"] = str(outdir / "error.txt")
    env["CDK_CONTEXT_JSON"] = json.dumps({**cdk_json_context(), **CLI_CONTEXT, **context})
    return env


def _tree_rss_mb(pid: int) -> float:
    return sum(status_mb(process, "VmRSS") for process in (pid, *descendants(pid)))


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_app(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Wall seconds, CPU seconds (user + system, Python and node) and sampled peak RSS
    (MB) of the process tree of `command`."""
    cpu = _children_cpu_seconds()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], _tree_rss_mb(process.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{stderr}")
    return {"seconds": seconds, "cpu_seconds": _children_cpu_seconds() - cpu, "peak_mb": peak[0]}


def _command(case: str, jobs_dir: Path, images: Path) -> tuple[list[str], dict[str, Any]]:
    if case == "ours":
        return [sys.executable, "app.py"], {"jobs": str(jobs_dir)}
    from stacks import JOBS_PER_STACK

    context = {"jobs": str(jobs_dir), "images": str(images), "jobs_per_stack": JOBS_PER_STACK}
    return [sys.executable, str(ROOT / "benchmarks" / "baseline_app.py")], context


def _prepare(folder: Path, count: int) -> tuple[Path, Path]:
    jobs_dir = folder / "jobs"
    jobs_dir.mkdir()
    write_job_files(jobs_dir, count)
    images = folder / "images.json"
    images.write_text(json.dumps({s.name: image_uri(s) for s in benchmark_specs(count)}))
    return jobs_dir, images


def template_stats(outdir: Path) -> dict[str, Any]:
    """Stack count and the largest template's bytes, resources, outputs and parameters."""
    templates: list[dict[str, Any]] = []
    for path in sorted(outdir.glob("*.template.json")):
        template = json.loads(path.read_text())
        templates.append(
            {
                "stack": path.name.removesuffix(".template.json"),
                "bytes": path.stat().st_size,
                "resources": len(template.get("Resources", {})),
                "outputs": len(template.get("Outputs", {})),
                "parameters": len(template.get("Parameters", {})),
            }
        )
    largest = {key: max(t[key] for t in templates) for key in LIMITS}
    return {"stacks": len(templates), "largest": largest, "templates": templates}


def measure(count: int, repeats: int) -> dict[str, Any]:
    """Median wall time and peak memory per case (interleaved), ratio, phases of ours."""
    runs: dict[str, list[dict[str, float]]] = {case: [] for case in CASES}
    with tempfile.TemporaryDirectory() as work:
        jobs_dir, images = _prepare(Path(work), count)
        for case in CASES:  # untimed: a user's second `cdk synth` (bytecode, OS cache)
            command, context = _command(case, jobs_dir, images)
            run_app(command, _environment(Path(work) / f"first-{case}", context))
        for repeat in range(repeats):
            for case in CASES:
                outdir = Path(work) / f"out-{case}-{repeat}"
                command, context = _command(case, jobs_dir, images)
                runs[case].append(run_app(command, _environment(outdir, context)))
        stats = template_stats(Path(work) / "out-ours-0")
        phases = _phases(jobs_dir, Path(work) / "out-phases")
    result: dict[str, Any] = {"jobs": count, "repeats": repeats}
    for case in CASES:
        result[case] = {
            key: statistics.median(r[key] for r in runs[case])
            for key in ("seconds", "cpu_seconds", "peak_mb")
        }
        result[case]["runs"] = [r["seconds"] for r in runs[case]]
    result["time_ratio"] = result["ours"]["seconds"] / result["cdk-lib"]["seconds"]
    result["cpu_ratio"] = result["ours"]["cpu_seconds"] / result["cdk-lib"]["cpu_seconds"]
    result["stacks"] = stats["stacks"]
    result["phases"] = phases
    return result


def _phases(jobs_dir: Path, outdir: Path) -> dict[str, float]:
    env = _environment(outdir, {"jobs": str(jobs_dir)})
    start = time.perf_counter()
    phases: dict[str, float] = run_worker(Path(__file__), "--phases-worker", env=env)
    phases["process total"] = time.perf_counter() - start
    return phases


def _phases_worker() -> dict[str, float]:
    """The reference app's steps (in app.py's order, without its read-ahead), each timed."""
    times: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        times[name] = now - mark
        mark = now

    from aws_cdk import App

    from app import warm_up_validation

    lap("import aws_cdk")
    warmed_up = warm_up_validation()
    from cdk_sagemaker_training import load_jobs

    specs = load_jobs(json.loads(os.environ["CDK_CONTEXT_JSON"])["jobs"])
    lap("load files (node: validation engine)")
    from cdk_sagemaker_training.core.images import resolve_image

    for spec in specs:
        resolve_image(spec)
    lap("resolve images")
    from stacks import build_app

    lap("import constructs")
    warmed_up()
    lap("wait for the validation engine")
    app = App()
    build_app(app, specs)
    lap("build")
    app.synth()
    lap("app.synth()")
    return times


def scale(count: int) -> dict[str, Any]:
    """One synthesis of `count` jobs with the reference app."""
    with tempfile.TemporaryDirectory() as work:
        jobs_dir, _ = _prepare(Path(work), count)
        outdir = Path(work) / "out"
        run = run_app([sys.executable, "app.py"], _environment(outdir, {"jobs": str(jobs_dir)}))
        stats = template_stats(outdir)
    return {"jobs": count, **run, "stacks": stats["stacks"], "largest": stats["largest"]}


def table(result: dict[str, Any]) -> str:
    """Markdown tables: ours vs the baseline, then ours by phase."""
    ours, lib = result["ours"], result["cdk-lib"]
    lines = [
        "| `python app.py`, N job files | ours | aws-cdk-lib task | ratio |",
        "|---|---:|---:|---:|",
        f"| wall time, N = {result['jobs']} (s) | {ours['seconds']:.2f} | "
        f"{lib['seconds']:.2f} | {result['time_ratio']:.2f} |",
        f"| CPU time, Python + node (s) | {ours['cpu_seconds']:.2f} | "
        f"{lib['cpu_seconds']:.2f} | {result['cpu_ratio']:.2f} |",
        f"| peak memory, Python + node (MB) | {ours['peak_mb']:.0f} | {lib['peak_mb']:.0f} | "
        f"{ours['peak_mb'] / lib['peak_mb']:.2f} |",
        "",
        "| phase (ours, one run) | s |",
        "|---|---:|",
    ]
    lines += [f"| {name} | {seconds:.2f} |" for name, seconds in result["phases"].items()]
    return "\n".join(lines)


def scale_table(result: dict[str, Any]) -> str:
    """Markdown table of a scale run against CloudFormation's limits."""
    largest = result["largest"]
    return "\n".join(
        [
            f"{result['jobs']} jobs: {result['seconds']:.1f} s, peak {result['peak_mb']:.0f} MB "
            f"(Python + node), {result['stacks']} stacks",
            "",
            "| largest template | value | CloudFormation limit | used |",
            "|---|---:|---:|---:|",
            *(
                f"| {key} | {largest[key]:,} | {limit:,} | {largest[key] / limit:.0%} |"
                for key, limit in LIMITS.items()
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scale", type=int, metavar="JOBS")
    parser.add_argument("--phases-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    if args.phases_worker:
        print(json.dumps(_phases_worker()))
    elif args.scale:
        result = scale(args.scale)
        print(scale_table(result))
        write_results(SCALE_RESULTS, result)
    else:
        result = measure(args.jobs, args.repeats)
        print(table(result))
        write_results(RESULTS, result)


if __name__ == "__main__":
    main()
