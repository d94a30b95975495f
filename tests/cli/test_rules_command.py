"""The `rules` command and the README table generated from it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cdk_sagemaker_training.cli import main
from cdk_sagemaker_training.cli.rules import codes, markdown
from cdk_sagemaker_training.core.codes import markdown_table
from cdk_sagemaker_training.core.rules import all_rules
from stacks import APP_CODES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_table_is_the_generated_one() -> None:
    text = README.read_text()
    block = re.search(r"<!-- rules-table:start -->\n(.*?)\n<!-- rules-table:end -->", text, re.S)
    assert block is not None
    assert block.group(1) == markdown(), "regenerate with: make readme"


def test_readme_app_table_is_the_generated_one() -> None:
    text = README.read_text()
    block = re.search(
        r"<!-- app-codes-table:start -->\n(.*?)\n<!-- app-codes-table:end -->", text, re.S
    )
    assert block is not None
    assert block.group(1) == markdown_table(list(APP_CODES)), "regenerate with: make readme"


def test_json_lists_every_registered_library_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["code"] for row in rows] == [c.code for c in codes()]
    assert {r.code for r in all_rules()} | {"SPEC003", "RENDER001", "CLI001"} <= {
        row["code"] for row in rows
    }
    assert not {"APP001", "APP002"} & {row["code"] for row in rows}
