"""Small output helpers shared by the commands: findings and JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TextIO

from cdk_sagemaker_training.core.findings import Finding


def print_findings(findings: Iterable[Finding], stream: TextIO) -> None:
    """One line per finding."""
    for finding in findings:
        print(finding, file=stream)


def print_json(data: Any, stream: TextIO) -> None:
    """Indented JSON with a trailing newline."""
    stream.write(json.dumps(data, indent=2) + "\n")
