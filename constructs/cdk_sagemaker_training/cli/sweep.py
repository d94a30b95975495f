"""`sweep report`: a finished sweep's trial table and the startup its warm pools saved."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cdk_sagemaker_training.aws.clients import Client
from cdk_sagemaker_training.aws.sweeps import (
    TABLE_HEADERS,
    SweepSourceError,
    build_report,
    read_summary,
    seconds,
    table_rows,
)
from cdk_sagemaker_training.cli.aws_options import add_aws_options, client, run_with_aws
from cdk_sagemaker_training.cli.exit_codes import INPUT_ERROR, OK
from cdk_sagemaker_training.cli.output import print_json
from cdk_sagemaker_training.core.text import format_table


def register(subparsers: Any) -> None:
    """Add the `sweep` command with its `report` action."""
    parser = subparsers.add_parser("sweep", help="report on warm-pool sweeps")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    report = actions.add_parser(
        "report", help="a sweep's trials, its best trial and the startup warm pools saved"
    )
    report.add_argument(
        "source",
        metavar="EXECUTION_ARN_OR_S3_URI",
        help="the sweep's execution ARN, or the s3:// URI of its trials.json",
    )
    add_aws_options(report)
    report.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the report; exit 2 for a source without a sweep table, 3 when AWS fails."""
    return run_with_aws(lambda: _report(args))


def _report(args: argparse.Namespace) -> int:
    def aws(service: str, region: str | None) -> Client:
        return client(args, service, region=args.region or region)

    try:
        report = build_report(read_summary(args.source, aws))
    except SweepSourceError as error:
        print(f"error: {error}", file=sys.stderr)
        return INPUT_ERROR
    if args.json:
        print_json(report.as_dict(), sys.stdout)
        return OK
    print(f"Sweep {report.sweep}: {report.goal} {report.metric} (* best trial)")
    print(format_table(TABLE_HEADERS, table_rows(report)))
    print(
        f"Warm pools saved {seconds(report.saved_seconds)} s of startup against each lane's "
        "first (cold) trial."
    )
    return OK
