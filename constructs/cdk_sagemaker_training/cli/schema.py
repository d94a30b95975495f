"""`schema`: print the JSON Schema of a job file, for editors and CI validators."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cdk_sagemaker_training.cli.exit_codes import OK
from cdk_sagemaker_training.core.schema import schema_text


def register(subparsers: Any) -> None:
    """Add the `schema` command."""
    parser = subparsers.add_parser(
        "schema", help="print the JSON Schema (draft 2020-12) of a job file"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the schema."""
    sys.stdout.write(schema_text())
    return OK
