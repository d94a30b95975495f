"""`rules`: list every finding code with its cause and fix (README's table comes from here)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cdk_sagemaker_training.cli.exit_codes import OK
from cdk_sagemaker_training.cli.output import format_table, print_json
from cdk_sagemaker_training.core.rules import all_rules

INPUT_CODES = (
    ("SPEC001", "error", "File unreadable or not valid YAML", "Fix the file or path named"),
    (
        "SPEC002",
        "error",
        "Empty file or not exactly one YAML document",
        "Write one mapping per file",
    ),
    (
        "SPEC003",
        "error",
        "Unknown key",
        "Use the suggested key; keys are SDK v2 estimator arguments",
    ),
    ("SPEC004", "error", "Wrong type", 'Use the type named; quote versions ("2.10")'),
    ("SPEC005", "error", "Required key missing", "Add the key named"),
    ("SPEC006", "error", "Value outside a closed set", "Use one of the values listed"),
    ("SPEC007", "error", "Two job files share a name", "Give each job a unique name"),
    (
        "SPEC008",
        "error",
        "No job files in the directory",
        "Add *.yaml files or point at another path",
    ),
    ("IMAGE002", "error", "Image not published in the region (also raised at synth)", "See rule"),
    ("RENDER001", "error", "A deploy-time value is missing", "Pass the source URI / output path"),
    ("CLI001", "error", "Invalid command-line value", "Fix the option named"),
    ("APP001", "error", "Invalid reference-app context value", "Use a value listed (-c key=...)"),
    ("APP002", "error", "More jobs pin a stack than fit in one", "Pin some jobs to another stack"),
    ("RULE001", "error", "A rule crashed", "Report it with the job file; other rules still ran"),
)
"""Codes raised while reading input or rendering (exit 2), not by a rule."""


def register(subparsers: Any) -> None:
    """Add the `rules` command."""
    parser = subparsers.add_parser("rules", help="list every finding code, its cause and fix")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", action="store_true", help="print the codes as JSON")
    parser.set_defaults(func=run)


def rows() -> list[tuple[str, str, str, str]]:
    """(code, severity, cause, fix) for every rule, then the input and render codes."""
    from_rules = [(r.code, r.severity.value, r.title, r.fix) for r in all_rules()]
    known = {code for code, *_ in from_rules}
    return from_rules + [row for row in INPUT_CODES if row[0] not in known]


def markdown() -> str:
    """The README's table of codes."""
    lines = ["| code | severity | cause | fix |", "|---|---|---|---|"]
    lines += [f"| `{c}` | {s} | {cause} | {fix.replace('|', '/')} |" for c, s, cause, fix in rows()]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Print the codes."""
    if args.json:
        keys = ("code", "severity", "cause", "fix")
        print_json([dict(zip(keys, row, strict=True)) for row in rows()], sys.stdout)
    elif args.markdown:
        print(markdown())
    else:
        print(format_table(("code", "severity", "cause"), [row[:3] for row in rows()]))
    return OK
