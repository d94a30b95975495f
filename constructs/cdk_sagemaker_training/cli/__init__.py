"""Command line: `cdk-sagemaker-training <command>` (also `python -m cdk_sagemaker_training`).

Each command is its own module with `register(subparsers)` and `run(args) -> int`.
Exit codes: 0 ok, 1 findings or shortfalls, 2 usage or input error, 3 AWS access error.
"""

from __future__ import annotations

import argparse
import importlib
import io
import sys
from collections.abc import Sequence

from cdk_sagemaker_training import __version__
from cdk_sagemaker_training.cli.exit_codes import INPUT_ERROR
from cdk_sagemaker_training.cli.output import print_findings
from cdk_sagemaker_training.core.findings import SpecError

COMMANDS = {
    "plan": "plan",
    "render": "render",
    "rules": "rules",
    "schema": "schema",
    "quotas": "quotas",
    "warm-pools": "warm_pools",
    "sweep": "sweep",
}
"""Command -> its module here. Only the command that runs is imported (all for help or a
usage error): `plan` in a pre-commit hook must not pay for boto3."""


def _named_command(argv: Sequence[str]) -> str | None:
    first = next((argument for argument in argv if not argument.startswith("-")), None)
    return first if first in COMMANDS else None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser with `command` registered. Default: every command."""
    parser = argparse.ArgumentParser(
        prog="cdk-sagemaker-training",
        description="Plan, render and check SageMaker training jobs defined as YAML files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module in COMMANDS.items():
        if command in (None, name):
            importlib.import_module(f"{__name__}.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (argparse exits 2 on usage errors)."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):  # a file name that is not UTF-8 still prints
            stream.reconfigure(errors="backslashreplace")
    arguments = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(_named_command(arguments)).parse_args(arguments)
    try:
        code: int = args.func(args)
    except SpecError as error:
        print_findings(error.findings, sys.stderr)
        return INPUT_ERROR
    except KeyboardInterrupt:
        return 130
    return code
