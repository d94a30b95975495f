"""The options and client setup the AWS commands (`quotas`, `warm-pools`, `sweep`) share."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from cdk_sagemaker_training.aws.clients import (
    DEFAULT_TIMEOUT,
    MAX_ATTEMPTS,
    AwsAccessError,
    Client,
    NoRegionError,
    client_config,
    create_client,
    error_message,
)
from cdk_sagemaker_training.cli.exit_codes import AWS_ACCESS_ERROR, INPUT_ERROR


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"expected seconds between 0 and 3600, received {text!r}")
    return value


def add_aws_options(parser: Any) -> None:
    """`--region`, `--profile` and `--timeout`."""
    parser.add_argument(
        "--region", help="AWS region (default: AWS_REGION, then the profile/environment)"
    )
    parser.add_argument("--profile", help="AWS named profile (default: standard chain)")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"seconds to connect and to wait for each answer, per attempt "
        f"({MAX_ATTEMPTS} attempts; default {DEFAULT_TIMEOUT:g})",
    )


def client(args: argparse.Namespace, service: str, *, region: str | None = None) -> Client:
    """A client for `service` as the options ask (`region` instead of `--region` when
    given). Raises `AwsAccessError`, `NoRegionError`."""
    return create_client(
        service,
        profile=args.profile,
        region=region or args.region,
        config=client_config(args.timeout),
    )


def run_with_aws(action: Callable[[], int]) -> int:
    """`action`'s exit code, or 2 without a region and 3 when AWS cannot be used or fails
    (the error printed to stderr)."""
    try:
        return action()
    except NoRegionError as error:
        print(f"error: {error}", file=sys.stderr)
        return INPUT_ERROR
    except AwsAccessError as error:
        print(f"error: {error}", file=sys.stderr)
        return AWS_ACCESS_ERROR
    except ClientError as error:  # an AWS failure other than access
        print(f"error: AWS answered {error_message(error)}", file=sys.stderr)
        return AWS_ACCESS_ERROR
