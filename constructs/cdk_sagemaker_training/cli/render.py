"""`render`: print the CreateTrainingJob request for one job file as JSON."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from cdk_sagemaker_training.cli.exit_codes import FINDINGS, INPUT_ERROR, OK
from cdk_sagemaker_training.cli.output import print_findings, print_json
from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Severity, SpecError
from cdk_sagemaker_training.core.loader import load_job_file
from cdk_sagemaker_training.core.model import JOB_NAME_MAX_LENGTH
from cdk_sagemaker_training.core.request import render_request
from cdk_sagemaker_training.core.rules import check_job, has_errors
from cdk_sagemaker_training.core.rules.request_limits import check_request
from cdk_sagemaker_training.core.service_model import job_name_pattern, validation_errors

CLI001 = define("CLI001", Severity.ERROR, "Invalid command-line value", "Fix the option named")


def register(subparsers: Any) -> None:
    """Add the `render` command."""
    parser = subparsers.add_parser(
        "render",
        help="print the CreateTrainingJob request (for aws sagemaker create-training-job "
        "--cli-input-json)",
    )
    parser.add_argument("job", type=Path, help="a job definition file (YAML)")
    parser.add_argument("--region", required=True, help="AWS region of the job")
    parser.add_argument("--role-arn", required=True, help="execution role ARN")
    parser.add_argument("--job-name", required=True, help="the training job name (1-63 chars)")
    parser.add_argument("--source-uri", help="S3 URI of sourcedir.tar.gz (for a local source_dir)")
    parser.add_argument("--output-path", help="S3 output location (when the job has none)")
    parser.set_defaults(func=run)


def _usage_error(path: str, message: str) -> int:
    print_findings([CLI001.finding(path, message)], sys.stderr)
    return INPUT_ERROR


def run(args: argparse.Namespace) -> int:
    """Render one job; exit 1 with the findings when a rule fails."""
    spec = load_job_file(args.job)
    name_ok = re.fullmatch(job_name_pattern(), args.job_name)
    if not name_ok or len(args.job_name) > JOB_NAME_MAX_LENGTH:
        return _usage_error(
            "--job-name",
            f"received {args.job_name!r}; use 1-{JOB_NAME_MAX_LENGTH} letters, digits and hyphens",
        )
    if spec.source_is_local and not args.source_uri:
        return _usage_error(
            "--source-uri",
            f"source_dir {spec.source_dir!r} is local: upload it as sourcedir.tar.gz and pass "
            "--source-uri s3://.../sourcedir.tar.gz",
        )
    if spec.output_path is None and not args.output_path:
        return _usage_error(
            "--output-path", "the job has no output_path: pass --output-path s3://..."
        )
    findings = check_job(spec, region=args.region)
    print_findings(findings, sys.stderr)
    if has_errors(findings):
        return FINDINGS
    try:
        request = render_request(
            spec,
            region=args.region,
            role_arn=args.role_arn,
            job_name=args.job_name,
            source_uri=args.source_uri,
            output_path=args.output_path,
        )
    except SpecError as error:
        print_findings(error.findings, sys.stderr)
        return INPUT_ERROR
    limits = check_request(spec, request)  # the deploy-time values given on the command line
    if limits:
        print_findings(limits, sys.stderr)
        return FINDINGS
    problems = validation_errors(request)
    if problems is not None:  # the rules should have caught it: report, never send
        return _usage_error(str(args.job), f"the request fails botocore validation: {problems}")
    print_json(request, sys.stdout)
    return OK
