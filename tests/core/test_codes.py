"""The finding-code registry: one definition per code, well formed, and complete."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from cdk_sagemaker_training.cli.rules import codes
from cdk_sagemaker_training.core import codes as registry
from cdk_sagemaker_training.core.findings import Severity
from stacks import APP_CODES

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [*(ROOT / "constructs").rglob("*.py"), *(ROOT / "stacks").rglob("*.py")]
CODE_LITERAL = re.compile(r"[A-Z]{3,6}\d{3}")


def test_a_code_cannot_be_defined_twice() -> None:
    with pytest.raises(ValueError, match="defined twice"):
        registry.define("SPEC001", Severity.ERROR, "again", "no")


@pytest.mark.parametrize("bad", ["SPEC01", "spec001", "SPEC0001", "S001", " SPEC001"])
def test_a_malformed_code_is_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="does not match"):
        registry.define(bad, Severity.ERROR, "t", "f")


def _code_calls() -> list[tuple[str, str, int]]:
    """(code, function, positional argument count) of each `define`/`rule`/`set_rule` call."""
    calls = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(getattr(node, "func", None), "id", None)
            if (
                isinstance(node, ast.Call)
                and name in ("define", "rule", "set_rule")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and CODE_LITERAL.fullmatch(str(node.args[0].value))
            ):
                calls.append((str(node.args[0].value), name, len(node.args)))
    return calls


def test_every_code_in_the_source_is_defined_once_and_listed() -> None:
    calls = _code_calls()
    definitions = [code for code, name, args in calls if name == "define" or args > 1]
    references = {code for code, name, args in calls if name != "define" and args == 1}
    listed = {c.code for c in codes()} | {c.code for c in APP_CODES}
    assert sorted(definitions) == sorted(set(definitions)), "a code is defined twice"
    assert set(definitions) == listed
    assert references <= listed


def test_no_finding_is_built_from_a_bare_code_string() -> None:
    """Findings come from a registered `Code`, so every code has a title and a fix."""
    offenders = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding":
                offenders.append(path.relative_to(ROOT).as_posix())
    assert offenders == ["constructs/cdk_sagemaker_training/core/codes.py"]


def test_app_codes_are_not_library_codes() -> None:
    assert {c.code for c in APP_CODES}.isdisjoint({c.code for c in codes()})
