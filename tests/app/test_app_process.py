"""What `app.py` does around synthesis to finish sooner: it builds aws-cdk-lib's template
validation engine in a thread while Python imports the constructs (which must then make
no jsii call), and exits without the interpreter's teardown, output and exit code intact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.synth_helpers import ROOT

ENGINE_LOG_HOOK = Path(__file__).with_name("engine_log.js")

COUNT_IMPORT_CALLS = """
import importlib, pkgutil, aws_cdk
from jsii._kernel.providers.process import _NodeProcess
calls = []
send = _NodeProcess.send
_NodeProcess.send = lambda self, *args: calls.append(args[0]) or send(self, *args)
import cdk_sagemaker_training, stacks
for package in (cdk_sagemaker_training, stacks):
    for module in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
        if not module.name.endswith("__main__"):
            importlib.import_module(module.name)
print(len(calls), [type(call).__name__ for call in calls])
"""

WARM_UP_THEN_SYNTH = """
import sys
from pathlib import Path
from aws_cdk import App, Stack, aws_sns
from app import warm_up_validation
log = Path(sys.argv[1])
warm_up_validation()()
log.open("a").write("warmed up\\n")
app = App(outdir=sys.argv[2])
aws_sns.Topic(Stack(app, "Stack"), "Topic")
app.synth()
log.open("a").write("synthesized\\n")
"""


def run_python(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_importing_the_constructs_and_the_app_stacks_makes_no_jsii_call() -> None:
    """The warm-up thread owns the jsii runtime while the main thread imports these."""
    assert run_python(COUNT_IMPORT_CALLS).split()[0] == "0"


def test_the_warm_up_builds_the_validation_engine_that_synthesis_then_uses(
    tmp_path: Path,
) -> None:
    log = tmp_path / "engine.log"
    run_python(
        WARM_UP_THEN_SYNTH,
        str(log),
        str(tmp_path / "out"),
        env={"NODE_OPTIONS": f"--require {ENGINE_LOG_HOOK}", "ENGINE_LOG": str(log)},
    )
    # Built once, before the warm-up returned; the real synthesis only validates.
    assert log.read_text().splitlines() == ["engine", "warmed up", "validate", "synthesized"]


def test_the_warm_up_leaves_no_files_behind(tmp_path: Path) -> None:
    env = {"TMPDIR": str(tmp_path)}
    run_python("from app import warm_up_validation; warm_up_validation()()", env=env)
    assert list(tmp_path.iterdir()) == []


def test_a_successful_run_exits_0_with_all_of_node_s_output(tmp_path: Path) -> None:
    """The fast exit keeps what node printed last: the validation report of warnings
    (cdk.json's context turns annotations into report entries)."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    env = {
        **os.environ,
        "CDK_CONTEXT_JSON": json.dumps({**context, "jobs": "jobs", "quota_guard": "off"}),
        "CDK_OUTDIR": str(tmp_path / "out"),
    }
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "WARNING TRCOMP101" in result.stderr
    report = tmp_path / "out" / "validation-report.json"
    assert result.stderr.rstrip().endswith(f"A copy of this report can be found in: {report}")
    assert (tmp_path / "out" / "manifest.json").is_file()
