"""The end-to-end benchmark runs `python app.py` with what the pinned CDK CLI gives an
app on `cdk synth`: the same context keys and environment variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.common import CLI_CONTEXT, CLI_ENVIRONMENT
from benchmarks.synth_e2e import _environment
from tests.synth_helpers import ROOT

DUMP_APP = """
import json, os, sys
json.dump(dict(os.environ), open(sys.argv[1], "w"))
os.makedirs(os.environ["CDK_OUTDIR"], exist_ok=True)
with open(os.path.join(os.environ["CDK_OUTDIR"], "manifest.json"), "w") as manifest:
    json.dump({"version": "48.0.0", "artifacts": {}}, manifest)
"""


@pytest.mark.cli_synth
def test_the_benchmark_gives_the_app_what_the_cli_gives_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "dump.py").write_text(DUMP_APP)
    (tmp_path / "cdk.json").write_text(json.dumps({"app": f"{sys.executable} dump.py env.json"}))
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("CDK_", "AWS_"))}
    result = subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "cdk"), "synth", "--quiet"],
        cwd=tmp_path,
        env={**environ, "CDK_DISABLE_VERSION_CHECK": "true", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    # The dump app writes an empty assembly, which the CLI then refuses: it ran the app.
    assert "This app contains no stacks" in result.stderr, result.stderr[-2000:]
    cli = json.loads((tmp_path / "env.json").read_text())
    assert json.loads(cli["CDK_CONTEXT_JSON"]) == CLI_CONTEXT  # cdk.json had no context
    outdir = tmp_path / "cdk.out"
    for key in [k for k in os.environ if k.startswith("CDK_")]:  # e.g. the Makefile's
        monkeypatch.delenv(key)
    ours = _environment(outdir, {})
    cli_keys = {k for k in cli if k.startswith("CDK_")} - {"CDK_DISABLE_VERSION_CHECK"}
    assert cli_keys == {k for k in ours if k.startswith("CDK_")}
    for key, value in CLI_ENVIRONMENT.items():
        assert cli[key] == value, key
    for key in ("CDK_OUTDIR", "CDK_PERF_COUNTERS_FILE", "CDK_ERROR_FILE"):
        assert (tmp_path / cli[key]).resolve() == Path(ours[key]).resolve(), key
