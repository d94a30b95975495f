"""`rules`: list every finding code of the library with its cause and fix.

Reads the code registry alone (`core.codes`): the README's table comes from `markdown()`.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cdk_sagemaker_training.cli import changes, render  # noqa: F401  (register CLI001, DIFF001)
from cdk_sagemaker_training.cli.exit_codes import OK
from cdk_sagemaker_training.cli.output import print_json
from cdk_sagemaker_training.core.catalog import library_codes
from cdk_sagemaker_training.core.codes import Code, markdown_table
from cdk_sagemaker_training.core.text import format_table


def register(subparsers: Any) -> None:
    """Add the `rules` command."""
    parser = subparsers.add_parser("rules", help="list every finding code, its cause and fix")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", action="store_true", help="print the codes as JSON")
    parser.set_defaults(func=run)


def codes() -> list[Code]:
    """Every code the library and its command line can report, ordered by code."""
    return library_codes()


def markdown() -> str:
    """The README's table of codes."""
    return markdown_table(codes())


def run(args: argparse.Namespace) -> int:
    """Print the codes."""
    if args.json:
        rows = [
            {
                "code": c.code,
                "severity": c.severity.value,
                "cause": c.title,
                "fix": c.fix,
                "source": c.source,
            }
            for c in codes()
        ]
        print_json(rows, sys.stdout)
    elif args.markdown:
        print(markdown())
    else:
        rows3 = [(c.code, c.severity.value, c.title) for c in codes()]
        print(format_table(("code", "severity", "cause"), rows3))
    return OK
