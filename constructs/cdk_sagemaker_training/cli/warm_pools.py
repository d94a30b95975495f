"""`warm-pools list|release`: see live SageMaker warm pools and what they cost, end one."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cdk_sagemaker_training.aws.warm_pools import ReleaseOutcome, list_warm_pools, release_warm_pool
from cdk_sagemaker_training.cli.aws_options import add_aws_options, client, run_with_aws
from cdk_sagemaker_training.cli.exit_codes import FINDINGS, INPUT_ERROR, OK
from cdk_sagemaker_training.cli.output import print_json
from cdk_sagemaker_training.core.text import format_table

HEADERS = (
    "job",
    "instance type",
    "count",
    "keep-alive",
    "status",
    "billable s",
    "instance-hours",
)
RELEASE_EXIT_CODES = {
    ReleaseOutcome.RELEASED: OK,
    ReleaseOutcome.NO_POOL: FINDINGS,
    ReleaseOutcome.NOT_FOUND: INPUT_ERROR,
}


def register(subparsers: Any) -> None:
    """Add the `warm-pools` command with its `list` and `release` actions."""
    parser = subparsers.add_parser("warm-pools", help="list or release live warm pools")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_text in (
        ("list", "live pools with their retained (billed) time"),
        ("release", "end a job's warm pool now (keep-alive set to 0)"),
    ):
        action = actions.add_parser(name, help=help_text)
        if name == "release":
            action.add_argument("job_name", metavar="JOB_NAME", help="training job name")
        add_aws_options(action)
        if name == "list":
            action.add_argument("--json", action="store_true", help="print the pools as JSON")
    parser.set_defaults(func=run)


def _list(client: Any, args: argparse.Namespace) -> int:
    pools = list_warm_pools(client)
    if args.json:
        print_json([pool.as_dict() for pool in pools], sys.stdout)
    elif not pools:
        print(f"No live warm pools in {client.meta.region_name}.")
    else:
        rows = [
            (
                p.job_name,
                p.instance_type,
                p.instance_count,
                f"{p.keep_alive_seconds}s",
                p.status,
                p.retained_billable_seconds,
                f"{p.instance_hours:.2f}",
            )
            for p in pools
        ]
        print(format_table(HEADERS, rows))
    return OK


def _release(client: Any, args: argparse.Namespace) -> int:
    result = release_warm_pool(client, args.job_name)
    print(
        result.message, file=sys.stdout if result.outcome is ReleaseOutcome.RELEASED else sys.stderr
    )
    return RELEASE_EXIT_CODES[result.outcome]


def run(args: argparse.Namespace) -> int:
    """Run the chosen action; exit 3 when AWS cannot be used."""

    def act() -> int:
        sagemaker = client(args, "sagemaker")
        return _list(sagemaker, args) if args.action == "list" else _release(sagemaker, args)

    return run_with_aws(act)
