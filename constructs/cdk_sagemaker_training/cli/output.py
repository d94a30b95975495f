"""Small output helpers shared by the commands: findings and text tables."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from cdk_sagemaker_training.core.findings import Finding


def print_findings(findings: Iterable[Finding], stream: TextIO) -> None:
    """One line per finding."""
    for finding in findings:
        print(finding, file=stream)


def print_json(data: Any, stream: TextIO) -> None:
    """Indented JSON with a trailing newline."""
    stream.write(json.dumps(data, indent=2) + "\n")


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A left-aligned text table."""
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    lines = [
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in (headers, *rows)
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
