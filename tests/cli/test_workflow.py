"""The pull-request workflow (.github/workflows/training-jobs.yml) is valid and calls the
command line as it is: actionlint, GitHub's workflow schema, and our own argument parser."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from cdk_sagemaker_training.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "training-jobs.yml"
BIN = Path(sys.executable).parent
COMMAND = "-m cdk_sagemaker_training "


def tool(name: str) -> str:
    path = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if path is None:
        pytest.fail(f"{name} is missing: run `make install` (requirements-dev.txt pins it)")
    return path


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    """actionlint, with shellcheck on `run:` scripts where shellcheck is installed."""
    return subprocess.run(
        [tool("actionlint"), "-no-color", str(path)], capture_output=True, text=True, timeout=120
    )


def schema_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_actionlint_is_clean() -> None:
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_github_workflow_schema_is_met() -> None:
    result = schema_check(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_both_checks_catch_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text()
    broken.write_text(text.replace("runs-on: ubuntu-latest", "runs_on: ubuntu-latest"))
    assert actionlint(broken).returncode != 0
    assert schema_check(broken).returncode != 0
    typo = tmp_path / "typo.yml"  # valid to the schema; actionlint knows the action's inputs
    typo.write_text(text.replace("fetch-depth: 0", "fetch_depth: 0"))
    assert "fetch_depth" in actionlint(typo).stdout
    assert schema_check(typo).returncode == 0


def plan_commands() -> list[list[str]]:
    """The arguments of every `python -m cdk_sagemaker_training` call in the workflow."""
    steps = YAML(typ="safe").load(WORKFLOW.read_text())["jobs"]["checks"]["steps"]
    commands = []
    for step in steps:
        script = step.get("run", "").replace("\\\n", " ")
        for line in script.splitlines():
            if COMMAND in line:
                words = shlex.split(line.split(COMMAND, 1)[1].split(">")[0].split("||")[0])
                commands.append([w.replace("$JOBS", "jobs") for w in words])
    return commands


def test_the_workflow_calls_plan_with_arguments_the_parser_accepts() -> None:
    commands = plan_commands()
    assert [c[:1] for c in commands] == [["plan"], ["plan"]]
    formats = set()
    for argv in commands:
        args = build_parser().parse_args(argv)
        formats.add(args.format)
    assert formats == {"sarif", "github"}
    assert any("--changed-since" in argv for argv in commands)
