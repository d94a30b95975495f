"""Helpers shared by the construct and app tests: context, definitions, linters."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from cdk_sagemaker_training.cdk._private.nag import flatten_reference
from cdk_sagemaker_training.launcher.definition import LAUNCHER_METADATA

ROOT = Path(__file__).resolve().parent.parent
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
NAG_PLUGIN = "AwsSolutions"


def cdk_context() -> dict[str, Any]:
    """The reference app's context (feature flags) from cdk.json."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def new_app(outdir: Path, nag: bool = True, **context: Any) -> App:
    """An app with the reference feature flags, writing to `outdir`, cdk-nag attached."""
    app = App(outdir=str(outdir), context={**cdk_context(), **context})
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app


def resources(template: Mapping[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Resources of one type, by logical id."""
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def intrinsic(node: Any) -> str:
    """One intrinsic as a marker that is safe inside a JSON string (`<AWS::Region>`,
    `<Logical.Arn>`, `<FindInMap:Map:<AWS::Region>:account>`)."""
    if isinstance(node, dict) and "Fn::FindInMap" in node:
        return "<FindInMap:" + ":".join(intrinsic(part) for part in node["Fn::FindInMap"]) + ">"
    if isinstance(node, dict) and "Fn::Join" in node:
        delimiter, parts = node["Fn::Join"]
        return str(delimiter).join(intrinsic(part) for part in parts)
    if isinstance(node, str):
        return node
    return flatten_reference(node)


def definition(
    state_machine: Mapping[str, Any], values: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """A state machine's ASL as plain JSON with its `DefinitionSubstitutions` filled in:
    from `values` by name when given (each placeholder must have one), else as
    `intrinsic` markers."""
    properties = state_machine["Properties"]
    text = properties["DefinitionString"]
    assert isinstance(text, str), "the definition holds no intrinsic"
    substitutions = properties.get("DefinitionSubstitutions", {})
    for name, value in substitutions.items():
        text = text.replace(
            f"${{{name}}}", values[name] if values is not None else intrinsic(value)
        )
    return dict(json.loads(text))


def flat(value: Any) -> Any:
    """A resolved CloudFormation value with every intrinsic flattened to a string."""
    if isinstance(value, list):
        return [flat(item) for item in value]
    if isinstance(value, dict) and not any(k.startswith(("Fn::", "Ref")) for k in value):
        return {k: flat(v) for k, v in value.items()}
    return intrinsic(value)


def policy_statements(template: Mapping[str, Any], role_logical_id: str) -> list[dict[str, Any]]:
    """Flattened statements of one role: its inline policies, then attached AWS::IAM::Policy."""
    role = template["Resources"][role_logical_id]["Properties"]
    statements: list[dict[str, Any]] = [
        statement
        for policy in role.get("Policies", [])
        for statement in flat(policy["PolicyDocument"]["Statement"])
    ]
    for policy in resources(template, "AWS::IAM::Policy").values():
        roles = policy["Properties"].get("Roles", [])
        if {"Ref": role_logical_id} in roles:
            statements.extend(flat(policy["Properties"]["PolicyDocument"]["Statement"]))
    return statements


def nag_violations(outdir: Path) -> list[dict[str, Any]]:
    """Unacknowledged AwsSolutions findings from the cloud assembly's validation report."""
    report_file = outdir / "validation-report.json"
    if not report_file.exists():
        return []
    report = json.loads(report_file.read_text())
    return [
        violation
        for plugin in report["pluginReports"]
        if plugin["pluginName"] == NAG_PLUGIN
        for violation in plugin["violations"]
    ]


def cfn_lint(templates: Iterable[Path]) -> subprocess.CompletedProcess[str]:
    """Run cfn-lint once over `templates` (errors and warnings, no ignores)."""
    return subprocess.run(
        [str(CFN_LINT), "--format", "parseable", *map(str, templates)],
        capture_output=True,
        text=True,
        check=False,
    )


def template_files(outdir: Path) -> list[Path]:
    """The templates a synth wrote."""
    return sorted(outdir.glob("*.template.json"))


def launchers(template: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The template's launcher state machines (not the job stopper), by logical id: those
    `TrainingJob` marks with its metadata, as `cdk_sagemaker_training.testing` finds them."""
    return {
        logical_id: machine
        for logical_id, machine in resources(template, "AWS::StepFunctions::StateMachine").items()
        if LAUNCHER_METADATA in machine.get("Metadata", {})
    }
