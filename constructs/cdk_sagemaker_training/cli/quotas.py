"""`quotas`: which SageMaker Service Quotas the jobs need, checked against the account."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from cdk_sagemaker_training.aws.clients import AwsAccessError, NoRegionError, error_message
from cdk_sagemaker_training.aws.quotas.checker import QuotaCheck, Status, check_quotas
from cdk_sagemaker_training.aws.quotas.increase import (
    IncreaseResult,
    Outcome,
    increasable,
    request_increases,
)
from cdk_sagemaker_training.aws.quotas.report import (
    checks_table,
    increases_table,
    requirements_table,
)
from cdk_sagemaker_training.aws.quotas.usage import fetch_usage
from cdk_sagemaker_training.cli.aws_options import add_aws_options, client
from cdk_sagemaker_training.cli.exit_codes import AWS_ACCESS_ERROR, FINDINGS, INPUT_ERROR, OK
from cdk_sagemaker_training.cli.output import print_json
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH, load_jobs
from cdk_sagemaker_training.core.quota_requirements import QuotaRequirement, derive_requirements


def register(subparsers: Any) -> None:
    """Add the `quotas` command."""
    parser = subparsers.add_parser(
        "quotas", help="check the SageMaker Service Quotas the jobs need"
    )
    parser.add_argument(
        "path", nargs="?", type=Path, default=DEFAULT_JOBS_PATH, help="job file or directory"
    )
    add_aws_options(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--include-usage",
        action="store_true",
        help="subtract instances of running jobs and live warm pools",
    )
    parser.add_argument(
        "--request-increase",
        action="store_true",
        help="file a quota increase request for each shortfall",
    )
    parser.add_argument(
        "--yes", action="store_true", help="with --request-increase: do not ask first"
    )
    parser.set_defaults(func=run)


def _confirm(count: int) -> bool:
    # The prompt goes to stderr so that `--json` output stays parseable.
    print(f"Request {count} quota increase(s)? [y/N] ", end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in {"y", "yes"}


def _increase(
    args: argparse.Namespace, checks: list[QuotaCheck], client: Any
) -> list[IncreaseResult]:
    candidates = increasable(checks)
    if not candidates:
        print("No adjustable shortfall to request.", file=sys.stderr)
        return []
    if not args.yes and not _confirm(len(candidates)):
        print("No increase requested.", file=sys.stderr)
        return []
    return request_increases(candidates, client)


def _access_error(
    args: argparse.Namespace, requirements: list[QuotaRequirement], error: Exception | str
) -> int:
    """Still show what is needed, then explain the access problem."""
    if args.json:
        print_json(
            {"ok": False, "requirements": [r.as_dict() for r in requirements], "error": str(error)},
            sys.stdout,
        )
    else:
        print(requirements_table(requirements))
    print(f"error: {error}", file=sys.stderr)
    return AWS_ACCESS_ERROR


def run(args: argparse.Namespace) -> int:
    """Check the quotas; exit 1 on any shortfall or unknown quota, 3 on access errors."""
    if args.yes and not args.request_increase:
        print("error: --yes only applies with --request-increase", file=sys.stderr)
        return INPUT_ERROR
    requirements = derive_requirements(load_jobs(args.path))
    try:
        quotas = client(args, "service-quotas")
        usage = fetch_usage(client(args, "sagemaker")) if args.include_usage else None
        checks = check_quotas(requirements, quotas, usage=usage)
    except NoRegionError as error:
        print(f"error: {error}", file=sys.stderr)
        return INPUT_ERROR
    except AwsAccessError as error:
        return _access_error(args, requirements, error)
    except ClientError as error:  # an AWS failure other than access, e.g. while listing jobs
        return _access_error(args, requirements, f"AWS answered {error_message(error)}")
    if not args.json:
        print(checks_table(checks))
    increases: list[IncreaseResult] = []
    if args.request_increase:
        try:
            increases = _increase(args, checks, quotas)
        except AwsAccessError as error:
            print(f"error: {error}", file=sys.stderr)
            return AWS_ACCESS_ERROR
        if increases and not args.json:
            print("\n" + increases_table(increases))
    ok = all(check.status is Status.OK for check in checks) and all(
        result.outcome is not Outcome.FAILED for result in increases
    )
    if args.json:
        print_json(
            {
                "region": quotas.meta.region_name,
                "ok": ok,
                "checks": [check.as_dict() for check in checks],
                "increases": [result.as_dict() for result in increases],
            },
            sys.stdout,
        )
    return OK if ok else FINDINGS
