"""`plan`: validate every job file and print what would be built."""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk_sagemaker_training.cli.exit_codes import FINDINGS, OK
from cdk_sagemaker_training.cli.output import print_findings, print_json
from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
from cdk_sagemaker_training.core.images import resolve_image
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH, load_jobs
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.policy import PlatformPolicy, load_policy
from cdk_sagemaker_training.core.rules import check_jobs, has_errors, location
from cdk_sagemaker_training.core.text import format_table

HEADERS = (
    "job",
    "image",
    "compiler",
    "instances",
    "keep-alive",
    "warm-pool group",
    "sweep",
    "findings",
)


def register(subparsers: Any) -> None:
    """Add the `plan` command."""
    parser = subparsers.add_parser("plan", help="validate job files and print the plan")
    parser.add_argument(
        "path", nargs="?", type=Path, default=DEFAULT_JOBS_PATH, help="job file or directory"
    )
    parser.add_argument("--region", help="check images against this region and show full URIs")
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument(
        "--policy", type=Path, help="platform policy file (YAML) every job must respect"
    )
    parser.set_defaults(func=run)


def _image(spec: JobSpec, region: str | None) -> str:
    try:
        image = resolve_image(spec)
    except SpecError:
        return "(unresolved)"
    if image.explicit_uri is not None:
        return image.explicit_uri
    if region is not None and region in image.registries:
        return image.uri(region)
    return f"{image.repository}:{image.tag}"


def _instances(spec: JobSpec) -> str:
    if spec.instance_groups:
        return ", ".join(
            f"{g.instance_group_name}: {g.instance_count} x {g.instance_type}"
            for g in spec.instance_groups
        )
    return f"{spec.instance_count} x {spec.instance_type}"


def _sweep(spec: JobSpec) -> dict[str, int] | None:
    """A sweep's size as built: its trials and the lanes that get one."""
    if spec.sweep is None:
        return None
    return {"trials": spec.sweep.trial_count, "lanes": spec.sweep.active_lanes}


def _summary(findings: list[Finding]) -> str:
    if not findings:
        return "ok"
    return " ".join(
        f"{f.code}{'!' if f.severity is Severity.ERROR else ''}"
        for f in sorted(findings, key=lambda f: (f.severity is not Severity.ERROR, f.code))
    )


@dataclass(frozen=True)
class PlanRow:
    """What the plan shows for one job."""

    spec: JobSpec
    image: str
    findings: list[Finding]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "job": self.spec.name,
            "file": str(self.spec.source_file) if self.spec.source_file else None,
            "image": self.image,
            "compiler": self.spec.compiler_enabled,
            "instances": _instances(self.spec),
            "keep_alive_period_in_seconds": self.spec.keep_alive_period_in_seconds,
            "warm_pool_group": self.spec.warm_pool_group,
            "sweep": _sweep(self.spec),
            "findings": [f.as_dict() for f in self.findings],
        }

    def cells(self) -> tuple[str, ...]:
        """Table cells, in `HEADERS` order."""
        keep_alive = self.spec.keep_alive_period_in_seconds
        sweep = _sweep(self.spec)
        return (
            self.spec.name,
            self.image,
            "on" if self.spec.compiler_enabled else "off",
            _instances(self.spec),
            f"{keep_alive}s" if keep_alive else "-",
            self.spec.warm_pool_group or "-",
            f"{sweep['trials']} trials / {sweep['lanes']} lanes" if sweep else "-",
            _summary(self.findings),
        )


def plan_rows(
    specs: list[JobSpec], region: str | None, policy: PlatformPolicy | None = None
) -> list[PlanRow]:
    """One row per job, with that job's findings (cross-job ones included)."""
    by_job: dict[str, list[Finding]] = defaultdict(list)
    for finding in check_jobs(specs, region=region, policy=policy):
        by_job[finding.path.rsplit(":", 1)[0]].append(finding)
    return [PlanRow(spec, _image(spec, region), by_job[location(spec)]) for spec in specs]


def run(args: argparse.Namespace) -> int:
    """Print the plan; exit 1 when any job has an error finding."""
    specs = load_jobs(args.path)
    policy = load_policy(args.policy) if args.policy else None
    rows = plan_rows(specs, args.region, policy)
    findings = [f for row in rows for f in row.findings]
    failed = has_errors(findings)
    if args.json:
        jobs = [row.as_dict() for row in rows]
        print_json({"region": args.region, "ok": not failed, "jobs": jobs}, sys.stdout)
        return FINDINGS if failed else OK
    print(format_table(HEADERS, [row.cells() for row in rows]))
    if findings:
        print()
        print_findings(findings, sys.stdout)
    errors = sum(f.severity is Severity.ERROR for f in findings)
    print(f"\n{len(specs)} job(s), {errors} error(s), {len(findings) - errors} warning(s)")
    return FINDINGS if failed else OK
