"""`plan --format sarif`: findings as a SARIF 2.1.0 log, for code scanning.

The tool's rules are the code registry (title, fix, and the document a code rests on as
`helpUri`); each finding is a result at its file, line and column, with the file's URI
relative to the repository root (`SRCROOT`). `tests/cli/test_formats.py` validates the
log with Microsoft's SARIF Multitool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cdk_sagemaker_training import __version__
from cdk_sagemaker_training.cli.output import relative_path
from cdk_sagemaker_training.cli.rules import codes
from cdk_sagemaker_training.core.changes import JobChange
from cdk_sagemaker_training.core.codes import Code
from cdk_sagemaker_training.core.findings import Finding, Severity

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "cdk-sagemaker-training"
ROOT_ID = "SRCROOT"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning"}


def _sentence(text: str) -> str:
    """SARIF messages are sentences: they end with a period."""
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def rule(code: Code) -> dict[str, Any]:
    """A `reportingDescriptor` for one finding code."""
    descriptor: dict[str, Any] = {
        "id": code.code,
        "name": "".join(word.capitalize() for word in re.findall(r"[A-Za-z0-9]+", code.title)),
        "shortDescription": {"text": _sentence(code.title)},
        "fullDescription": {"text": _sentence(f"{code.title}. Fix: {code.fix}")},
        "help": {"text": _sentence(code.fix)},
        "defaultConfiguration": {"level": LEVELS[code.severity]},
    }
    if code.source is not None:
        descriptor["helpUri"] = code.source
    return descriptor


def result(finding: Finding, index: int, root: Path, fallback: str) -> dict[str, Any]:
    """One finding as a `result`; a finding of no file is placed on `fallback` (the path
    `plan` read), since code scanning needs a location."""
    region = (
        {"region": {"startLine": finding.line, "startColumn": finding.column}}
        if finding.line is not None and finding.column is not None
        else {}
    )
    file = finding.file if finding.file is not None else fallback
    inside = Path(file).resolve().is_relative_to(root)
    field = finding.field if finding.file is not None else finding.path
    return {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": _sentence(f"{field}: {finding.message}" if field else finding.message)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": (
                        {"uri": relative_path(file, root), "uriBaseId": ROOT_ID}
                        if inside
                        else {"uri": Path(file).resolve().as_uri()}
                    ),
                    **region,
                }
            }
        ],
    }


def sarif_log(
    findings: Sequence[Finding],
    *,
    root: Path,
    fallback: str,
    changes: Sequence[JobChange] = (),
    ref: str | None = None,
) -> dict[str, Any]:
    """The SARIF log of `findings`; `changes` since `ref` go in the run's properties.
    Default: no changes."""
    registry = codes()
    index = {code.code: position for position, code in enumerate(registry)}
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [rule(code) for code in registry],
            }
        },
        "originalUriBaseIds": {ROOT_ID: {"uri": root.as_uri().rstrip("/") + "/"}},
        "results": [result(f, index[f.code], root, fallback) for f in findings],
    }
    if ref is not None:
        run["properties"] = {"changedSince": ref, "changes": [c.as_dict() for c in changes]}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
