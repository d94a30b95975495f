"""The IAM5 acknowledgement ids the constructs compute equal the ids real cdk-nag reports.

`cdk/_private/nag.py` ports cdk-nag's private `flattenCfnReference` to name each wildcard
finding it acknowledges. Here the real AwsSolutions checks run over a role holding
every kind of wildcard resource the constructs create (no token, pseudo parameters, a
bucket of the stack, an imported bucket, a bucket of another stack, a launcher's job
prefix), so an upgrade of cdk-nag or aws-cdk-lib that names them differently fails here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Duration, Stack, Validations
from aws_cdk import aws_events as events
from aws_cdk import aws_s3 as s3
from constructs import IConstruct

from cdk_sagemaker_training.cdk._private.nag import WILDCARD_RULE, flatten_reference
from cdk_sagemaker_training.cdk.execution_role import TrainingExecutionRole
from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from tests.factories import BASE
from tests.synth_helpers import NAG_PLUGIN, new_app

IAM5 = "AwsSolutions-IAM5"


@dataclass(frozen=True)
class NagRun:
    """cdk-nag's IAM5 findings and our acknowledged ids, by construct path of a role."""

    reported: dict[str, set[str]]
    acknowledged: dict[str, set[str]]


def acknowledged_ids(construct: IConstruct) -> set[str]:
    """The IAM5 ids acknowledged on a construct, as cdk-nag names findings."""
    prefix = WILDCARD_RULE.split("::", 1)[0] + "::"
    return {
        id_.removeprefix(prefix)
        for entry in construct.node.metadata
        if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY
        for id_ in entry.data
        if IAM5 in id_
    }


def iam5_findings(report: dict[str, Any]) -> dict[str, set[str]]:
    """IAM5 findings, suppressed or not, by construct path (the L1 role's parent)."""
    found: dict[str, set[str]] = {}
    for plugin in report["pluginReports"]:
        if plugin["pluginName"] != NAG_PLUGIN:
            continue
        for violation in plugin["violations"] + (plugin.get("suppressedViolations") or []):
            if violation["ruleName"].startswith(IAM5):
                for construct in violation["violatingConstructs"]:
                    path = construct["constructPath"].removesuffix("/Resource")
                    found.setdefault(path, set()).add(violation["ruleName"])
    return found


@pytest.fixture(scope="module")
def nag_run(tmp_path_factory: pytest.TempPathFactory) -> NagRun:
    """One app: an execution role with every kind of wildcard, and a job's two roles."""
    outdir = tmp_path_factory.mktemp("nag-equivalence")
    app = new_app(outdir)
    storage = Stack(app, "Storage")
    shared = OutputBucket(storage, "Shared").bucket
    stack = Stack(app, "Jobs")
    own = OutputBucket(stack, "Own").bucket
    imported = s3.Bucket.from_bucket_name(stack, "Imported", "imported-bucket")
    role = TrainingExecutionRole(stack, "Role")  # baseline: `*` and log group `:*`
    role.allow_read("s3://data-bucket/train/")  # pseudo partition, literal bucket
    role.allow_write("s3://out-bucket/out")
    role.allow_write(own, "own-prefix")  # GetAtt of a bucket of this stack
    role.allow_read(imported, "imported-prefix/")  # Join of an imported bucket's ARN
    role.allow_write(shared, "shared-prefix")  # a bucket of another stack (export)
    role.allow_key("alias/training")  # `*` with a condition
    role.allow_vpc(["subnet-1"], ["sg-1"])  # region and account pseudo parameters
    job = TrainingJob(stack, "Job", job=replace(BASE, name="nag-job", output_path=None))
    TrainingJob(  # every optional child a job can own: its bucket, schedule, start on deploy
        stack,
        "Busy",
        job=replace(BASE, name="busy-job", output_path=None),
        schedule=events.Schedule.rate(Duration.days(1)),
        start_on_deploy=True,
    )
    launcher = job.node.find_child("LauncherRole")
    app.synth()
    report = json.loads((Path(outdir) / "validation-report.json").read_text())
    return NagRun(
        reported=iam5_findings(report),
        acknowledged={
            path: acknowledged_ids(construct)
            for path, construct in {
                "Jobs/Role/Role": role.role,
                "Jobs/Job/ExecutionRole/Role": job.node.find_child("ExecutionRole").node.find_child(
                    "Role"
                ),
                "Jobs/Job/LauncherRole": launcher,
                "Jobs/Job": job,
            }.items()
        },
    )


def test_execution_role_ids_equal_cdk_nag_findings(nag_run: NagRun) -> None:
    assert nag_run.acknowledged["Jobs/Role/Role"] == nag_run.reported["Jobs/Role/Role"]


def test_job_ids_equal_cdk_nag_findings_of_its_roles(nag_run: NagRun) -> None:
    # A job records its roles' ids on itself, in one call (cdk-nag looks up the tree).
    reported = (
        nag_run.reported["Jobs/Job/ExecutionRole/Role"]
        | nag_run.reported["Jobs/Job/LauncherRole"]
        | nag_run.reported.get("Jobs/Job/LauncherRole/DefaultPolicy", set())
    )
    assert nag_run.acknowledged["Jobs/Job"] == reported
    assert not nag_run.acknowledged["Jobs/Job/ExecutionRole/Role"]
    assert not nag_run.acknowledged["Jobs/Job/LauncherRole"]


@pytest.mark.parametrize("job", ["Jobs/Job", "Jobs/Busy"])
def test_a_job_acknowledgement_covers_only_its_two_roles(nag_run: NagRun, job: str) -> None:
    """cdk-nag applies an acknowledgement on a job to everything under it: only the
    job's execution and launcher roles may hold the wildcards it acknowledges."""
    roles = {f"{job}/ExecutionRole/Role", f"{job}/LauncherRole"}
    under_job = {path for path in nag_run.reported if path.startswith(f"{job}/")}
    assert under_job <= roles | {f"{job}/LauncherRole/DefaultPolicy"}
    assert roles <= under_job


def test_every_kind_of_wildcard_is_covered(nag_run: NagRun) -> None:
    ids = "\n".join(sorted(nag_run.reported["Jobs/Role/Role"]))
    for kind in (
        "[Resource::*]",
        ":log-group:/aws/sagemaker/TrainingJobs:*]",
        "[Resource::arn:<AWS::Partition>:s3:::data-bucket/train/*]",
        "[Resource::<Own",
        ":s3:::imported-bucket/imported-prefix/*]",
        "shared-prefix/*]",
        ":<AWS::Region>:<AWS::AccountId>:network-interface/*]",
    ):
        assert kind in ids, (kind, ids)


@pytest.mark.parametrize(
    ("resolved", "flat"),
    [
        ("*", "*"),
        ({"Ref": "AWS::Region"}, "<AWS::Region>"),
        ({"Fn::GetAtt": ["Bucket", "Arn"]}, "<Bucket.Arn>"),
        ({"Fn::Join": ["", [{"Ref": "AWS::Partition"}, ":x/*"]]}, "<AWS::Partition>:x/*"),
        ({"Fn::Sub": "arn:${AWS::Partition}:s3:::b/*"}, "arn:<AWS::Partition>:s3:::b/*"),
        ({"Fn::ImportValue": "Storage:Export"}, "Storage:Export"),
        ({"Fn::FindInMap": ["Map", "k", "v"]}, '{"Fn::FindInMap":["Map","k","v"]}'),
        (None, ""),
    ],
)
def test_flatten_reference_follows_cdk_nag_rules(resolved: Any, flat: str) -> None:
    """The port's cases, read from cdk-nag's flattenCfnReference (the test above pins it)."""
    assert flatten_reference(resolved) == flat
