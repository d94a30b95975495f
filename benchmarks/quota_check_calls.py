"""Count the AWS calls one quota check makes for 1, 10 and 100 jobs (stubbed, offline).

The stubbed account lists `QUOTAS` sagemaker quotas (about what a real account returns),
so each listing takes several pages. Writes benchmarks/results/quota_check_calls.json.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import boto3
from botocore.stub import Stubber

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` package

from benchmarks.common import RESULTS_DIR, write_results
from cdk_sagemaker_training.aws.quotas.checker import PAGE_SIZE, check_quotas
from cdk_sagemaker_training.core.model import Framework, JobSpec
from cdk_sagemaker_training.core.quota_requirements import (
    QuotaKind,
    derive_requirements,
    quota_name,
)

JOB_COUNTS = (1, 10, 100)
QUOTAS = 750
INSTANCE_TYPES = ("ml.p3.2xlarge", "ml.g5.xlarge", "ml.g4dn.xlarge", "ml.p4d.24xlarge")
RESULTS = RESULTS_DIR / "quota_check_calls.json"


def _quotas() -> list[dict[str, Any]]:
    named = [
        quota_name(kind, instance_type)
        for instance_type in INSTANCE_TYPES
        for kind in (QuotaKind.TRAINING, QuotaKind.WARM_POOL, QuotaKind.SPOT)
    ] + [quota_name(QuotaKind.PER_JOB), quota_name(QuotaKind.ACROSS_JOBS)]
    names = named + [f"other quota {i}" for i in range(QUOTAS - len(named))]
    return [
        {"QuotaName": name, "QuotaCode": f"L-{i:08X}", "Value": 1000.0, "Adjustable": True}
        for i, name in enumerate(names)
    ]


def _stub_listing(stubber: Stubber, operation: str, quotas: list[dict[str, Any]]) -> None:
    pages = math.ceil(len(quotas) / PAGE_SIZE)
    for page in range(pages):
        response: dict[str, Any] = {"Quotas": quotas[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]}
        if page < pages - 1:
            response["NextToken"] = f"page{page + 1}"
        params: dict[str, Any] = {"ServiceCode": "sagemaker", "MaxResults": PAGE_SIZE}
        if page:
            params["NextToken"] = f"page{page}"
        stubber.add_response(operation, response, params)


def measure(job_count: int) -> dict[str, Any]:
    """Calls and time of one check of `job_count` jobs."""
    session = boto3.Session(
        aws_access_key_id="benchmark", aws_secret_access_key="benchmark", region_name="us-east-1"
    )
    client = session.client("service-quotas")
    calls: list[str] = []
    client.meta.events.register("after-call", lambda model, **_: calls.append(model.name))
    jobs = [
        JobSpec(
            name=f"job-{i}",
            framework=Framework.PYTORCH,
            entry_point="train.py",
            instance_type=INSTANCE_TYPES[i % len(INSTANCE_TYPES)],
            keep_alive_period_in_seconds=600 if i % 2 else 0,
        )
        for i in range(job_count)
    ]
    with Stubber(client) as stubber:
        quotas = _quotas()
        _stub_listing(stubber, "list_aws_default_service_quotas", quotas)
        _stub_listing(stubber, "list_service_quotas", quotas[:50])
        start = time.perf_counter()
        checks = check_quotas(derive_requirements(jobs), client)
        seconds = time.perf_counter() - start
        stubber.assert_no_pending_responses()
    return {
        "jobs": job_count,
        "requirements": len(checks),
        "api_calls": len(calls),
        "calls_by_operation": {name: calls.count(name) for name in sorted(set(calls))},
        "seconds": round(seconds, 4),
    }


def main() -> None:
    """Measure, write the JSON results and print a table."""
    results = [measure(count) for count in JOB_COUNTS]
    print(f"{'jobs':>5}  {'requirements':>12}  {'API calls':>9}  {'seconds':>8}")
    for row in results:
        print(
            f"{row['jobs']:>5}  {row['requirements']:>12}  {row['api_calls']:>9}  "
            f"{row['seconds']:>8.4f}"
        )
    write_results(RESULTS, {"quotas_listed": QUOTAS, "results": results})


if __name__ == "__main__":
    main()
