"""`plan` of 100 job files, end to end: the process a pre-commit hook or PR check waits for.

Generates N job files (the examples in jobs/, renamed, so every image table is read), then
times `python -m cdk_sagemaker_training plan <folder>` with and without `--region`, and
the import of the `plan` command alone; each in a fresh process, median of R runs, wall
time and CPU time (user + system, steadier than wall time on a shared machine). With
`--baseline PATH` (another checkout, e.g. `git worktree add /tmp/base main`) the same
cases run from that tree too, interleaved with this one. Writes
benchmarks/results/plan_speed.json.

    python benchmarks/plan_speed.py [--count 100] [--repeats 5] [--baseline PATH]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the `benchmarks` package lives at the project root

from benchmarks.common import RESULTS_DIR, write_results  # noqa: E402

RESULTS = RESULTS_DIR / "plan_speed.json"
REGION = "us-east-1"
CASES: dict[str, list[str]] = {
    "import plan": ["-c", "import cdk_sagemaker_training.cli.plan"],
    "plan": ["-m", "cdk_sagemaker_training", "plan", "{jobs}"],
    "plan --region": ["-m", "cdk_sagemaker_training", "plan", "{jobs}", "--region", REGION],
}
"""Case -> interpreter arguments (`{jobs}`: the generated folder)."""


def write_jobs(folder: Path, count: int) -> None:
    """`count` job files: the examples in jobs/ in turn, each with its own name."""
    examples = sorted((ROOT / "jobs").glob("*.yaml"))
    for index in range(count):
        example = examples[index % len(examples)]
        lines = [
            f"{line}-{index:03d}" if line.startswith("name: ") else line
            for line in example.read_text(encoding="utf-8").splitlines()
        ]
        (folder / f"{example.stem}-{index:03d}.yaml").write_text("\n".join(lines) + "\n")


def _run(tree: Path, arguments: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of one fresh interpreter running `arguments` from `tree`."""
    env = {**os.environ, "PYTHONPATH": f"{tree / 'constructs'}{os.pathsep}{tree}"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *arguments],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):  # 1: the plan has findings, still a full run
        raise SystemExit(f"{arguments} failed in {tree}:\n{done.stderr}")
    return wall, cpu


def measure(trees: dict[str, Path], count: int, repeats: int) -> list[dict[str, Any]]:
    """Median wall and CPU seconds per (case, tree), trees and cases interleaved."""
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        write_jobs(Path(folder), count)
        for _ in range(repeats):
            for case, arguments in CASES.items():
                for label, tree in trees.items():
                    filled = [a.replace("{jobs}", folder) for a in arguments]
                    samples.setdefault((case, label), []).append(_run(tree, filled))
    return [
        {
            "case": case,
            "tree": label,
            "seconds": round(statistics.median(wall for wall, _ in runs), 3),
            "cpu_seconds": round(statistics.median(cpu for _, cpu in runs), 3),
        }
        for (case, label), runs in samples.items()
    ]


def table(rows: list[dict[str, Any]], labels: list[str]) -> str:
    """Markdown: one row per case, wall / CPU seconds per tree."""
    head = " | ".join(f"{label} wall / CPU (s)" for label in labels)
    lines = [f"| case | {head} |", "|---|" + "---:|" * len(labels)]
    for case in CASES:
        cells = [
            f"{r['seconds']:.2f} / {r['cpu_seconds']:.2f}"
            for label in labels
            for r in rows
            if r["case"] == case and r["tree"] == label
        ]
        lines.append(f"| {case} | {' | '.join(cells)} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100, help="job files (default 100)")
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (default 5)")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    args = parser.parse_args()
    trees = {"this tree": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    rows = measure(trees, args.count, args.repeats)
    result = {
        "jobs": args.count,
        "repeats": args.repeats,
        "baseline": str(args.baseline) if args.baseline else None,
        "load_average": [round(load, 2) for load in os.getloadavg()],
        "rows": rows,
    }
    print(f"{args.count} job files, median of {args.repeats}, load {result['load_average']}")
    print(table(rows, list(trees)))
    write_results(RESULTS, result)


if __name__ == "__main__":
    main()
