"""The benchmarks' memory and CPU readings cover jsii's kernel: node's work happens in a
child of jsii's runtime process, a grandchild of the Python process."""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk  # noqa: F401  (starts the jsii runtime)

from benchmarks.common import descendants, own_peak_mb, status_mb, tree_cpu_seconds


def _kernel() -> int:
    """The jsii kernel process (`lib/program.js`) below this one."""
    (kernel,) = [
        pid
        for pid in descendants(os.getpid())
        if "program.js" in Path(f"/proc/{pid}/cmdline").read_text()
    ]
    return kernel


def test_the_kernel_is_a_grandchild_and_is_found() -> None:
    kernel = _kernel()
    assert kernel not in [
        int(child)
        for task in Path(f"/proc/{os.getpid()}/task").glob("*/children")
        for child in task.read_text().split()
    ]


def test_peak_memory_counts_the_kernel() -> None:
    me = os.getpid()
    assert own_peak_mb(me) >= status_mb(me) + status_mb(_kernel()) > status_mb(me)


def test_cpu_time_counts_the_kernel() -> None:
    fields = Path(f"/proc/{_kernel()}/stat").read_text().rsplit(")", 1)[1].split()
    kernel_cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    mine = os.times()
    assert tree_cpu_seconds(os.getpid()) >= kernel_cpu + mine.user + mine.system - 0.05
