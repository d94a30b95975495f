"""README examples run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_constructs_example_synthesizes(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    match = re.search(
        r"```python\n(from aws_cdk import App, Duration, Stack\n.*?)```", readme, re.S
    )
    assert match is not None
    script = tmp_path / "example.py"
    script.write_text(match.group(1).replace("App()", f"App(outdir={str(tmp_path / 'out')!r})"))
    env = {**os.environ, "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20"}
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "out" / "Training.template.json").is_file()
