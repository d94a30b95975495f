"""Small output helpers shared by the commands: findings, JSON and repository paths."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from cdk_sagemaker_training.core.findings import Finding


def print_findings(findings: Iterable[Finding], stream: TextIO) -> None:
    """One line per finding."""
    for finding in findings:
        print(finding, file=stream)


def print_json(data: Any, stream: TextIO) -> None:
    """Indented JSON with a trailing newline."""
    stream.write(json.dumps(data, indent=2) + "\n")


def work_tree_root(start: Path | None = None) -> Path:
    """The nearest folder at or above `start` holding `.git` (a repository's root, which
    code scanning and annotations resolve paths against); `start` itself when none.
    Default `start`: the current folder."""
    here = (start or Path.cwd()).resolve()
    return next((p for p in (here, *here.parents) if (p / ".git").exists()), here)


def relative_path(file: str, root: Path) -> str:
    """`file` relative to `root` with `/` separators; as given when outside it."""
    try:
        return Path(file).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(file).as_posix()
