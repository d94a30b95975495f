"""README examples run as written, against the public API only (as a consumer's app would)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cdk_sagemaker_training

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = {"cdk_sagemaker_training", "cdk_sagemaker_training.testing"}
EXAMPLES = {
    "constructs": "from aws_cdk import App, Duration, Stack\n",
    "testing": "from aws_cdk import App, Stack\nfrom aws_cdk.assertions import Template\n",
    "execution-role": "from aws_cdk import App, Stack\nfrom aws_cdk import aws_iam as iam\n",
    "sweep": (
        "from aws_cdk import App, Stack\n\n"
        "from cdk_sagemaker_training import JobSpec, TrainingSweep\n"
    ),
}


def example(name: str) -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"```python\n({re.escape(EXAMPLES[name])}.*?)```", readme, re.S)
    assert match is not None, f"README lost its {name} example"
    return match.group(1)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_use_only_the_public_api(name: str) -> None:
    imports = [n for n in ast.walk(ast.parse(example(name))) if isinstance(n, ast.ImportFrom)]
    ours = [n for n in imports if (n.module or "").startswith("cdk_sagemaker_training")]
    assert ours, "the example imports nothing from the library"
    for node in ours:
        assert node.module in PUBLIC_MODULES, node.module
        if node.module == "cdk_sagemaker_training":
            assert {a.name for a in node.names} <= set(cdk_sagemaker_training.__all__)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_run(name: str, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(example(name).replace("App()", f"App(outdir={str(tmp_path / 'out')!r})"))
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    if name == "constructs":
        assert (tmp_path / "out" / "Training.template.json").is_file()
    if name == "sweep":
        assert "MaxConcurrency" in (tmp_path / "out" / "Sweeps.template.json").read_text()
    if name == "execution-role":  # the consumer's statement and the CDK grant both land
        template = (tmp_path / "out" / "Roles.template.json").read_text()
        assert "arn:aws:s3:::extra/config.json" in template
        assert "kms:Decrypt" in template
