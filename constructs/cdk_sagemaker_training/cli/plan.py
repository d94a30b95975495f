"""`plan`: validate every job file and print what would be built.

Formats: `table` (default), `json` (`--json` is kept as its alias), `github` (workflow
commands that annotate the files of a pull request) and `sarif` (SARIF 2.1.0 for code
scanning). With `--changed-since REF` it also lists the jobs added, changed, renamed and
removed since a git ref and flags launcher replacements (DIFF101) and stack moves
(DIFF102). Machine formats print input errors (bad files, unknown ref) in the format too,
with exit code 2; the table prints them to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cdk_sagemaker_training.cli import github, sarif
from cdk_sagemaker_training.cli.changes import changes_since
from cdk_sagemaker_training.cli.exit_codes import FINDINGS, INPUT_ERROR, OK
from cdk_sagemaker_training.cli.output import print_findings, print_json, work_tree_root
from cdk_sagemaker_training.core.changes import ChangeKind, JobChange, change_findings
from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
from cdk_sagemaker_training.core.images import resolve_image
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH, load_jobs
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.policy import PlatformPolicy, load_policy
from cdk_sagemaker_training.core.positions import locate
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
CHANGE_HEADERS = ("change", "job", "file", "stack", "launcher")
FORMATS = ("table", "json", "github", "sarif")
STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
"""The file GitHub Actions shows as the job's summary (Markdown)."""
EFFECTS = {ChangeKind.ADDED: "created", ChangeKind.REMOVED: "deleted"}
"""What deploying does to the launcher, where the change's kind decides it."""


def register(subparsers: Any) -> None:
    """Add the `plan` command."""
    parser = subparsers.add_parser("plan", help="validate job files and print the plan")
    parser.add_argument(
        "path", nargs="?", type=Path, default=DEFAULT_JOBS_PATH, help="job file or directory"
    )
    parser.add_argument("--region", help="check images against this region and show full URIs")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="output: table (default), json, github (workflow annotations), sarif (2.1.0)",
    )
    parser.add_argument(
        "--json", action="store_const", const="json", dest="format", help="same as --format json"
    )
    parser.add_argument(
        "--changed-since",
        metavar="REF",
        help="also list the jobs added, changed and removed since git REF, flagging "
        "launcher replacements and stack moves",
    )
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


@dataclass(frozen=True)
class Plan:
    """Everything one `plan` run reports."""

    rows: list[PlanRow]
    findings: list[Finding]
    """Findings of no row: input errors, or the changes' DIFF findings."""
    changes: list[JobChange] | None
    """None without `--changed-since`."""

    @property
    def all_findings(self) -> list[Finding]:
        """Every row's findings, then the others."""
        return [f for row in self.rows for f in row.findings] + self.findings

    def located(self) -> Plan:
        """The same plan with line and column on each finding read from a file."""
        rows = [dataclasses.replace(row, findings=locate(row.findings)) for row in self.rows]
        return Plan(rows, locate(self.findings), self.changes)


def run(args: argparse.Namespace) -> int:
    """Print the plan; exit 1 when any job has an error finding, 2 on bad input."""
    try:
        specs = load_jobs(args.path)
        policy = load_policy(args.policy) if args.policy else None
        ref = args.changed_since
        changes = changes_since(ref, args.path, specs) if ref is not None else None
    except SpecError as error:
        if args.format == "table":
            raise  # printed to stderr by the command line
        _print(args, Plan([], error.findings, None).located())
        return INPUT_ERROR
    extra = change_findings(changes, specs) if changes is not None else []
    plan = Plan(plan_rows(specs, args.region, policy), extra, changes)
    _print(args, plan if args.format == "table" else plan.located())
    return FINDINGS if has_errors(plan.all_findings) else OK


def _print(args: argparse.Namespace, plan: Plan) -> None:
    findings = plan.all_findings
    if args.format == "json":
        data: dict[str, Any] = {
            "region": args.region,
            "ok": not has_errors(findings),
            "jobs": [row.as_dict() for row in plan.rows],
            "findings": [f.as_dict() for f in plan.findings],
        }
        if plan.changes is not None:
            data["changed_since"] = args.changed_since
            data["changes"] = [c.as_dict() for c in plan.changes]
        print_json(data, sys.stdout)
    elif args.format == "github":
        changes = plan.changes or []
        for line in github.lines(findings, changes, args.changed_since, work_tree_root()):
            print(line)
        print(_totals(len(plan.rows), findings))
        summary_file = os.environ.get(STEP_SUMMARY)
        if summary_file and plan.changes is not None:
            rows = [_change_cells(c) for c in plan.changes]
            with open(summary_file, "a", encoding="utf-8") as summary:
                summary.write(github.summary(CHANGE_HEADERS, rows, args.changed_since))
    elif args.format == "sarif":
        log = sarif.sarif_log(
            findings,
            root=work_tree_root(),
            fallback=str(args.path),
            changes=plan.changes or [],
            ref=args.changed_since,
        )
        print_json(log, sys.stdout)
    else:
        _print_table(args, plan)


def _print_table(args: argparse.Namespace, plan: Plan) -> None:
    findings = plan.all_findings
    print(format_table(HEADERS, [row.cells() for row in plan.rows]))
    if plan.changes is not None:
        print(f"\nChanges since {args.changed_since}:")
        print(format_table(CHANGE_HEADERS, [_change_cells(c) for c in plan.changes]))
    if findings:
        print()
        print_findings(findings, sys.stdout)
    print(f"\n{_totals(len(plan.rows), findings)}")


def _change_cells(change: JobChange) -> tuple[str, ...]:
    def before_after(now: str | None, before: str | None) -> str:
        if now is not None and before is not None and now != before:
            return f"{before} -> {now}"
        return now or before or "-"

    effect = EFFECTS.get(change.kind, "replaced" if change.replaces_launcher else "updated")
    return (
        change.kind.value,
        before_after(change.job, change.previous_job),
        before_after(change.file, change.previous_file),
        before_after(change.stack, change.previous_stack),
        effect,
    )


def _totals(jobs: int, findings: list[Finding]) -> str:
    errors = sum(f.severity is Severity.ERROR for f in findings)
    return f"{jobs} job(s), {errors} error(s), {len(findings) - errors} warning(s)"
