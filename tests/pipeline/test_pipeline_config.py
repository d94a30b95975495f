"""The pipeline config file: the example parses; every bad value is a coded finding."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from cdk_sagemaker_training import SpecError
from stacks.pipeline_config import (
    PipelineConfig,
    StageConfig,
    load_pipeline_config,
    parse_pipeline_config,
)
from tests.synth_helpers import ROOT

EXAMPLE = ROOT / "gitops" / "pipeline.yaml"
Edit = Callable[[dict[str, Any]], None]


def example_document() -> dict[str, Any]:
    """The checked-in example as plain data."""
    return dict(json.loads(json.dumps(YAML(typ="safe").load(EXAMPLE.read_text()))))


def test_example_config_parses() -> None:
    config = load_pipeline_config(EXAMPLE)
    assert isinstance(config, PipelineConfig)
    assert config.source.repository == "my-org/training-jobs"
    assert [s.name for s in config.stages] == ["dev", "prod"]
    dev, prod = config.stages
    assert dev == StageConfig(
        name="dev", account="222222222222", region="us-east-1", jobs="jobs", run_after_deploy=True
    )
    assert prod.protected and not prod.run_after_deploy
    assert config.gate_role_name(prod) == "training-jobs-quota-gate-prod"


def _set(path: str, value: Any) -> Edit:
    def edit(document: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = document
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _delete(key: str) -> Edit:
    return lambda document: document.pop(key)


def _repeat_stage(document: dict[str, Any]) -> None:
    document["stages"].append({**document["stages"][0], "name": "DEV"})


BAD_CASES = [
    ("account-number", _set("stages.0.account", 222222222222), "SPEC004", "stages[0].account"),
    ("account-short", _set("account", "1234"), "PIPE001", "account"),
    ("region", _set("stages.1.region", "uswest2"), "PIPE001", "stages[1].region"),
    ("repository", _set("source.repository", "training-jobs"), "PIPE001", "source.repository"),
    (
        "connection",
        _set("source.connection_arn", "arn:aws:iam::111111111111:role/x"),
        "PIPE001",
        "source.connection_arn",
    ),
    ("stage-name", _set("stages.0.name", "dev_1"), "PIPE001", "stages[0].name"),
    ("stage-name-long", _set("stages.0.name", "d" * 25), "PIPE001", "stages[0].name"),
    ("protected-string", _set("stages.1.protected", "yes"), "SPEC004", "stages[1].protected"),
    ("unknown-key", _set("stages.0.protect", True), "SPEC003", "stages[0].protect"),
    ("missing-source", _delete("source"), "SPEC005", "source"),
    (
        "missing-account",
        _set("stages.0", {"name": "dev", "region": "us-east-1"}),
        "SPEC005",
        "stages[0].account",
    ),
    ("stages-mapping", _set("stages", {"dev": {}}), "SPEC004", "stages"),
    ("no-stage", _set("stages", []), "PIPE003", "stages"),
    ("repeated-stage", _repeat_stage, "PIPE002", "stages[2].name"),
]


@pytest.mark.parametrize(
    ("edit", "code", "path"), [case[1:] for case in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_config_is_a_coded_finding(edit: Edit, code: str, path: str) -> None:
    document = copy.deepcopy(example_document())
    edit(document)
    with pytest.raises(SpecError) as raised:
        parse_pipeline_config(document, source="pipeline.yaml")
    found = [(f.code, f.path) for f in raised.value.findings]
    assert (code, f"pipeline.yaml:{path}") in found, found


def test_not_a_mapping_is_a_finding() -> None:
    with pytest.raises(SpecError) as raised:
        parse_pipeline_config(["stages"], source="pipeline.yaml")
    assert [f.code for f in raised.value.findings] == ["SPEC004"]


def test_app_reports_a_bad_config_without_traceback(tmp_path: Path) -> None:
    """`cdk synth -c pipeline=...` runs app.py so: findings on stderr, exit 2."""
    bad = tmp_path / "pipeline.yaml"
    bad.write_text(EXAMPLE.read_text().replace('account: "111111111111"', "account: 42"))
    result = subprocess.run(
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        env={**os.environ, "CDK_CONTEXT_JSON": json.dumps({"pipeline": str(bad)})},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "SPEC004" in result.stderr and f"{bad}:account" in result.stderr
    assert "Traceback" not in result.stderr
