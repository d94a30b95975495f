"""QuotaGuard: template, Lambda asset, cdk-nag and cfn-lint, from one shared synth."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from cdk_sagemaker_training.cdk.quota_guard import (
    BUNDLE_PREFIX,
    HANDLER,
    GuardMode,
    QuotaGuard,
    handler_bundle,
    handler_files,
)
from cdk_sagemaker_training.core.model import Framework, JobSpec

WARM_JOB = JobSpec(
    name="warm",
    framework=Framework.PYTORCH,
    entry_point="train.py",
    instance_type="ml.p3.2xlarge",
    keep_alive_period_in_seconds=600,
)
GUARD_TYPE = "Custom::SageMakerQuotaGuard"


@dataclass(frozen=True)
class Synth:
    """The test app, synthesized once."""

    outdir: Path
    templates: dict[str, Template]
    raw: dict[str, dict[str, Any]]


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    outdir = tmp_path_factory.mktemp("quota-guard") / "cdk.out"
    app = cdk.App(outdir=str(outdir))
    for mode in GuardMode:
        stack = cdk.Stack(app, f"Guard-{mode.value}")
        guard = QuotaGuard(stack, "QuotaGuard", jobs=[WARM_JOB], mode=mode)
        cdk.CfnWaitConditionHandle(stack, "Launcher").node.add_dependency(guard)
    QuotaGuard(stack, "NoJobs", jobs=[])  # in the `off` stack: expected to add nothing
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()
    raw = {s.stack_name: s.template for s in assembly.stacks}
    return Synth(
        outdir=outdir,
        templates={name: Template.from_json(t) for name, t in raw.items()},
        raw=raw,
    )


def test_fail_mode_passes_requirements_and_mode(synth: Synth) -> None:
    template = synth.templates["Guard-fail"]
    template.has_resource_properties(
        GUARD_TYPE,
        {
            "Mode": "fail",
            "Requirements": Match.serialized_json(
                Match.array_with(
                    [
                        Match.object_like(
                            {
                                "quota_name": "ml.p3.2xlarge for training warm pool usage",
                                "needed": 1,
                            }
                        )
                    ]
                )
            ),
        },
    )
    assert template.find_outputs("*") == {}


def test_warn_mode_records_the_report_as_output(synth: Synth) -> None:
    template = synth.templates["Guard-warn"]
    template.has_resource_properties(GUARD_TYPE, {"Mode": "warn"})
    (output,) = template.find_outputs("*").values()
    assert output["Value"]["Fn::GetAtt"][1] == "Report"


def test_off_or_no_jobs_creates_nothing(synth: Synth) -> None:
    resources = synth.raw["Guard-off"]["Resources"]
    assert [r["Type"] for r in resources.values()] == ["AWS::CloudFormation::WaitConditionHandle"]


def test_launcher_waits_for_the_check(synth: Synth) -> None:
    guard_ids = list(synth.templates["Guard-fail"].find_resources(GUARD_TYPE))
    synth.templates["Guard-fail"].has_resource(
        "AWS::CloudFormation::WaitConditionHandle",
        {"DependsOn": Match.array_with(guard_ids)},
    )


def test_function_runtime_logs_and_least_privilege_role(synth: Synth) -> None:
    template = synth.templates["Guard-fail"]
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.14",
            "Handler": HANDLER,
            "LoggingConfig": {"LogGroup": Match.any_value()},
        },
    )
    template.has_resource_properties(
        "AWS::Logs::LogGroup",
        {"RetentionInDays": 30, "KmsKeyId": {"Fn::GetAtt": [Match.any_value(), "Arn"]}},
    )
    template.resource_count_is("AWS::IAM::Policy", 0)
    (role,) = template.find_resources("AWS::IAM::Role").values()
    statements = [
        s for p in role["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"]
    ]
    log_group_id = next(iter(template.find_resources("AWS::Logs::LogGroup")))
    assert [(s["Action"], s["Resource"]) for s in statements] == [
        (["servicequotas:ListServiceQuotas", "servicequotas:ListAWSDefaultServiceQuotas"], "*"),
        (["logs:CreateLogStream", "logs:PutLogEvents"], {"Fn::GetAtt": [log_group_id, "Arn"]}),
    ]


def test_cdk_nag_is_clean_with_one_acknowledged_wildcard(synth: Synth) -> None:
    report = json.loads((synth.outdir / "validation-report.json").read_text())
    plugins = {p["pluginName"]: p for p in report["pluginReports"]}
    assert {name: p["violations"] for name, p in plugins.items()} == {name: [] for name in plugins}
    acknowledged = [v["ruleName"] for v in plugins["AwsSolutions"]["suppressedViolations"]]
    assert acknowledged == ["AwsSolutions-IAM5[Resource::*]"] * 2  # fail and warn stacks


def test_cfn_lint_is_clean(synth: Synth) -> None:
    from cfnlint.api import lint

    for name in ("Guard-fail", "Guard-warn"):
        matches = lint(json.dumps(synth.raw[name]))
        assert [str(m) for m in matches] == [], name


def asset_dir(synth: Synth) -> Path:
    (function,) = synth.templates["Guard-fail"].find_resources("AWS::Lambda::Function").values()
    key = function["Properties"]["Code"]["S3Key"].removesuffix(".zip")
    return synth.outdir / f"asset.{key}"


def test_asset_holds_only_the_handler_modules(synth: Synth) -> None:
    root = asset_dir(synth) / "cdk_sagemaker_training"
    files = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    assert files == set(handler_files())


def test_handler_imports_without_cdk_yaml_or_sagemaker(synth: Synth) -> None:
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "import cdk_sagemaker_training.aws.quotas.guard_handler as h;"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'aws_cdk', 'jsii', 'constructs', 'ruamel', 'sagemaker'});"
        "print(h.__file__); print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, str(asset_dir(synth))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0].startswith(str(asset_dir(synth)))
    assert out[1] == "[]"


def _handler_package(root: Path, files: Mapping[str, str] | None = None) -> Path:
    """A package holding the handler's import chain, plus (or replaced by) `files`."""
    package = root / "cdk_sagemaker_training"
    minimal = {
        "__init__.py": "",
        "aws/__init__.py": "",
        "aws/quotas/__init__.py": "",
        "aws/quotas/guard_handler.py": "import json\n",
    }
    for name, text in {**minimal, **(files or {})}.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    return package


def test_handler_files_follow_run_time_imports_only(tmp_path: Path) -> None:
    package = _handler_package(
        tmp_path,
        {
            "aws/quotas/guard_handler.py": (
                "import json\nfrom cdk_sagemaker_training.aws import clients\n"
                "from cdk_sagemaker_training.core.needs import Need\n"
            ),
            "aws/clients.py": "import boto3\n",
            "core/__init__.py": "",
            "core/needs.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                "    from cdk_sagemaker_training.core.model import JobSpec\n"
            ),
            "core/model.py": "",
            "cdk/__init__.py": "",
            "cdk/quota_guard.py": "",
        },
    )
    (tmp_path / "pkg.egg-info").mkdir()
    assert handler_files(package) == {
        "__init__.py",
        "aws/__init__.py",
        "aws/clients.py",
        "aws/quotas/__init__.py",
        "aws/quotas/guard_handler.py",
        "core/__init__.py",
        "core/needs.py",
    }
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    bundle = handler_bundle(bundles, package)
    copied = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert copied == {f"cdk_sagemaker_training/{name}" for name in handler_files(package)}
    assert (bundle / "cdk_sagemaker_training/aws/clients.py").read_text() == "import boto3\n"
    assert handler_bundle(bundles, package) == bundle  # content-addressed: written once
    (package / "aws/clients.py").write_text("import botocore\n")
    changed = handler_bundle(bundles, package)
    assert changed != bundle
    assert (changed / "cdk_sagemaker_training/aws/clients.py").read_text() == "import botocore\n"
    assert sorted(p.name for p in bundles.iterdir()) == sorted([bundle.name, changed.name])


@pytest.mark.parametrize("damage", ["content", "extra file", "missing file"])
def test_a_bundle_that_is_not_exactly_the_handler_is_rewritten(tmp_path: Path, damage: str) -> None:
    package = _handler_package(tmp_path / "src")
    bundles = tmp_path / "cdk.out"
    bundle = handler_bundle(bundles, package)
    handler = bundle / "cdk_sagemaker_training/aws/quotas/guard_handler.py"
    if damage == "content":
        handler.write_text("import os; os.system('steal')\n")
    elif damage == "extra file":
        (bundle / "cdk_sagemaker_training/evil.py").write_text("")
    else:
        handler.unlink()
    assert handler_bundle(bundles, package) == bundle
    files = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert files == {f"cdk_sagemaker_training/{name}" for name in handler_files(package)}
    assert handler.read_text() == "import json\n"
    assert [p.name for p in bundles.iterdir()] == [bundle.name]  # no partial copy left


def test_the_bundle_lives_in_the_cloud_assembly(synth: Synth) -> None:
    bundles = [p for p in synth.outdir.iterdir() if p.name.startswith(BUNDLE_PREFIX)]
    assert len(bundles) == 1
    assert (bundles[0] / "cdk_sagemaker_training/aws/quotas/guard_handler.py").is_file()


def test_unknown_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="sometimes"):
        QuotaGuard(cdk.Stack(), "Guard", jobs=[WARM_JOB], mode="sometimes")
