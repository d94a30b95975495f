"""Count jsii round trips (Python -> node requests) of the reference app, by phase and kind.

Wall time on a shared machine is too noisy to see a few per cent; round trips are
deterministic. Wraps `jsii`'s `_NodeProcess.send` around `stacks.build_app` for N
benchmark jobs (`common.benchmark_specs`) and `app.synth()`, and reports for each phase
the requests, the time spent waiting on node, the most frequent requests (kind plus
type, method or property) and the lines of this project that make them.
Writes benchmarks/results/jsii_calls.json.

    python benchmarks/jsii_calls.py [--jobs 100] [--top 15]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # `stacks` and `benchmarks` live at the project root

from benchmarks.common import RESULTS_DIR, benchmark_specs, cdk_json_context, write_results  # noqa: E402

RESULTS = RESULTS_DIR / "jsii_calls.json"
OWN_CODE = (str(ROOT / "constructs"), str(ROOT / "stacks"))


def _describe(request: Any) -> str:
    kind = type(request).__name__.removesuffix("Request")
    detail = (
        getattr(request, "fqn", None)
        or getattr(request, "method", None)
        or getattr(request, "property", None)
        or ""
    )
    return f"{kind} {detail}".strip()


def _caller() -> str:
    for frame in reversed(traceback.extract_stack(limit=40)[:-3]):
        if frame.filename.startswith(OWN_CODE):
            return f"{Path(frame.filename).relative_to(ROOT)}:{frame.lineno}"
    return "(aws-cdk-lib or jsii)"


class Counting:
    """Counts the requests sent while `phase` is set."""

    def __init__(self) -> None:
        self.phase = "setup"
        self.requests: dict[str, Counter[str]] = {}
        self.callers: dict[str, Counter[str]] = {}
        self.seconds: dict[str, float] = {}

    def install(self) -> None:
        """Wrap `_NodeProcess.send`."""
        from jsii._kernel.providers import process

        original = process._NodeProcess.send
        counting = self

        def send(self: Any, request: Any, response_type: Any) -> Any:
            counting.requests.setdefault(counting.phase, Counter())[_describe(request)] += 1
            counting.callers.setdefault(counting.phase, Counter())[_caller()] += 1
            start = time.perf_counter()
            try:
                return original(self, request, response_type)
            finally:
                elapsed = time.perf_counter() - start
                phase = counting.phase
                counting.seconds[phase] = counting.seconds.get(phase, 0.0) + elapsed

        process._NodeProcess.send = send  # type: ignore[method-assign]


def count(jobs: int) -> dict[str, Any]:
    """Round trips of the reference app for `jobs` jobs, by phase."""
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    from aws_cdk import App

    from stacks import build_app

    specs = benchmark_specs(jobs)
    counting = Counting()
    counting.install()
    phases: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as outdir:
        start = time.perf_counter()
        counting.phase = "build"
        app = App(outdir=outdir, context=cdk_json_context())
        build_app(app, specs)
        phases["build"] = time.perf_counter() - start
        start = time.perf_counter()
        counting.phase = "synth"
        app.synth()
        phases["synth"] = time.perf_counter() - start
    return {
        "jobs": jobs,
        "phases": {
            phase: {
                "round_trips": sum(counting.requests.get(phase, Counter()).values()),
                "seconds": phases[phase],
                "waiting_on_node": counting.seconds.get(phase, 0.0),
                "requests": dict(counting.requests.get(phase, Counter()).most_common()),
                "callers": dict(counting.callers.get(phase, Counter()).most_common()),
            }
            for phase in ("build", "synth")
        },
    }


def report(result: dict[str, Any], top: int) -> str:
    """Text report: totals per phase, then the top requests and callers."""
    jobs = result["jobs"]
    lines = [
        "| phase | round trips | per job | seconds | waiting on node |",
        "|---|---:|---:|---:|---:|",
    ]
    for phase, data in result["phases"].items():
        lines.append(
            f"| {phase} | {data['round_trips']} | {data['round_trips'] / jobs:.1f} | "
            f"{data['seconds']:.2f} | {data['waiting_on_node']:.2f} |"
        )
    for phase, data in result["phases"].items():
        for title in ("requests", "callers"):
            lines += ["", f"{phase}: top {title}"]
            lines += [f"{n:6d}  {name}" for name, n in list(data[title].items())[:top]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    result = count(args.jobs)
    print(report(result, args.top))
    write_results(RESULTS, result)


if __name__ == "__main__":
    main()
