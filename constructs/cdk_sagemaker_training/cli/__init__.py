"""Command line: `cdk-sagemaker-training <command>` (also `python -m cdk_sagemaker_training`).

Each command is its own module with `register(subparsers)` and `run(args) -> int`.
Exit codes: 0 ok, 1 findings or shortfalls, 2 usage or input error, 3 AWS access error.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Sequence

from cdk_sagemaker_training import __version__
from cdk_sagemaker_training.cli import plan, quotas, render, rules, schema, warm_pools
from cdk_sagemaker_training.cli.exit_codes import INPUT_ERROR
from cdk_sagemaker_training.cli.output import print_findings
from cdk_sagemaker_training.core.findings import SpecError

COMMANDS = (plan, render, rules, schema, quotas, warm_pools)


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="cdk-sagemaker-training",
        description="Plan, render and check SageMaker training jobs defined as YAML files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (argparse exits 2 on usage errors)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # a file name that is not UTF-8 still prints
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except SpecError as error:
        print_findings(error.findings, sys.stderr)
        return INPUT_ERROR
    except KeyboardInterrupt:
        return 130
    return code
