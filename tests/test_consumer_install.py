"""A consumer's install: build the wheel, install it into a fresh virtual environment and
synthesize a small app that imports only the package root.

The fresh environment gets the wheel alone (`--no-deps`); its third-party dependencies
come from this test environment's site-packages, added by a `.pth` line. A directory added
that way is not a site directory, so the editable install's own `.pth` there is never
processed: the package can only come from the wheel (the test checks where it was
imported from). `pip check` proves the wheel's declared requirements are met by what the
app ran with. Installing aws-cdk-lib from PyPI into each fresh environment would cost
minutes and the network; see README "Install" for the measured time of this test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import cdk_sagemaker_training
from cdk_sagemaker_training.cdk.quota_guard import handler_files
from cdk_sagemaker_training.core.schema import SHIPPED_FILE, schema_text

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "cdk_sagemaker_training"
CONSUMER_APP = ROOT / "tests" / "fixtures" / "consumer_app" / "app.py"
BUILD_INPUTS = ("pyproject.toml", "README.md")


def run(*command: str | Path, cwd: Path) -> str:
    """stdout of `command`; fails the test with its stderr."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env["JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"] = "20"
    result = subprocess.run(
        [str(part) for part in command], capture_output=True, text=True, cwd=cwd, env=env
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (a build never writes into the tree)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "constructs",
        source / "constructs",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    out = tmp_path_factory.mktemp("wheel")
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--quiet",
        "--wheel-dir",
        out,
        source,
        cwd=source,
    )
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def consumer(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel installed; returns its python."""
    venv = tmp_path_factory.mktemp("consumer") / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    site = run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=venv)
    (Path(site.strip()) / "third_party.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = (sys.executable, "-m", "pip", "--python", python)
    run(*pip, "install", "--no-deps", "--quiet", wheel, cwd=venv)
    run(*pip, "check", cwd=venv)
    return python


def test_the_wheel_carries_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"{PACKAGE}/py.typed", f"{PACKAGE}/{SHIPPED_FILE}"} <= names
    assert {f"{PACKAGE}/{name}" for name in handler_files()} <= names  # the QuotaGuard Lambda
    assert wheel.name.startswith(f"{PACKAGE}-{cdk_sagemaker_training.__version__}-")


@pytest.mark.slow
def test_a_consumer_app_synthesizes_from_the_installed_wheel(
    consumer: Path, tmp_path: Path
) -> None:
    shutil.copy(CONSUMER_APP, tmp_path / "app.py")
    imported_from = run(consumer, "app.py", tmp_path / "out", cwd=tmp_path).strip()
    assert imported_from.startswith(str(consumer.parents[1])), imported_from
    template = json.loads((tmp_path / "out" / "Consumer.template.json").read_text())
    types = [resource["Type"] for resource in template["Resources"].values()]
    assert "AWS::StepFunctions::StateMachine" in types and "AWS::Lambda::Function" in types
    handler = list((tmp_path / "out").glob(f"asset.*/{PACKAGE}/aws/quotas/guard_handler.py"))
    assert handler, "the QuotaGuard asset lacks its handler"
    definition = next(
        r["Properties"]["DefinitionString"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::StepFunctions::StateMachine"
    )
    assert "consumer-bert" in json.dumps(definition)
    assert "KeepAlivePeriodInSeconds" in json.dumps(definition)


def test_the_installed_command_prints_the_shipped_schema_and_version(consumer: Path) -> None:
    command = consumer.parent / "cdk-sagemaker-training"
    assert run(command, "schema", cwd=consumer.parent) == schema_text()
    version = run(command, "--version", cwd=consumer.parent).split()[-1]
    assert version == cdk_sagemaker_training.__version__
