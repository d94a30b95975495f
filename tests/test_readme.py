"""README examples run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_example(first_lines: str, tmp_path: Path) -> Path:
    """Run the README's python example that starts with `first_lines`; its cdk.out."""
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"```python\n({re.escape(first_lines)}.*?)```", readme, re.S)
    assert match is not None
    script = tmp_path / "example.py"
    script.write_text(match.group(1).replace("App()", f"App(outdir={str(tmp_path / 'out')!r})"))
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return tmp_path / "out"


def test_constructs_example_synthesizes(tmp_path: Path) -> None:
    out = run_example("from aws_cdk import App, Duration, Stack\n", tmp_path)
    assert (out / "Training.template.json").is_file()


def test_execution_role_example_synthesizes(tmp_path: Path) -> None:
    out = run_example("from aws_cdk import App, Stack\nfrom aws_cdk import aws_iam", tmp_path)
    template = (out / "Roles.template.json").read_text()
    assert "arn:aws:s3:::extra/config.json" in template
    assert "kms:CreateGrant" in template
