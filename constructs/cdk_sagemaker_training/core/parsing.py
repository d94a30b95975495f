"""Reading YAML documents into typed values, reporting every problem as a finding.

Shared by the job loader and the platform-policy loader: each parser reads one value at a
path and records what is wrong in a `Collector` instead of raising, so a file's problems
are all reported at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from cdk_sagemaker_training.core.codes import Code, define
from cdk_sagemaker_training.core.findings import Finding, Severity

EnumT = TypeVar("EnumT", bound=StrEnum)
ERROR = Severity.ERROR
SPEC001 = define(
    "SPEC001", ERROR, "File unreadable or not valid YAML", "Fix the file or path named"
)
SPEC002 = define(
    "SPEC002", ERROR, "Empty file or not exactly one YAML document", "Write one mapping per file"
)
SPEC003 = define(
    "SPEC003", ERROR, "Unknown key", "Use the suggested key; keys are SDK v2 estimator arguments"
)
SPEC004 = define("SPEC004", ERROR, "Wrong type", 'Use the type named; quote versions ("2.10")')
SPEC005 = define("SPEC005", ERROR, "Required key missing", "Add the key named")
SPEC006 = define("SPEC006", ERROR, "Value outside a closed set", "Use one of the values listed")


def read_document(path: Path, what: str) -> Any:
    """The one YAML 1.2 document of the file at `path`. Raises `SpecError` (SPEC001/002).

    `what`: how messages name the file (`a job file`, `a policy`).
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SPEC001.error(source, f"cannot read the file: {error}") from None
    if not text.strip():
        raise SPEC002.error(source, f"the file is empty; {what} is one YAML mapping")
    try:
        documents = list(YAML(typ="safe", pure=True).load_all(text))
    except YAMLError as error:
        detail = " ".join(str(error).split())
        raise SPEC001.error(source, f"invalid YAML: {detail}") from None
    documents = [d for d in documents if d is not None]
    if len(documents) != 1:
        raise SPEC002.error(source, f"expected exactly one YAML document, found {len(documents)}")
    return documents[0]


class Collector:
    """Accumulates the shape findings of one document."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.findings: list[Finding] = []

    def add(self, code: Code, path: str, message: str) -> None:
        """Record a finding of `code` at `path` (relative to the document)."""
        self.findings.append(
            code.finding(f"{self.source}:{path}" if path else self.source, message)
        )

    def wrong_type(self, path: str, expected: str, value: object) -> None:
        """Record a SPEC004 finding: `value` is not `expected`."""
        hint = ""
        if expected == "a string" and isinstance(value, int | float) and path.endswith("_version"):
            hint = " (YAML reads an unquoted version as a number, 2.10 as 2.1: quote it)"
        self.add(
            SPEC004,
            path,
            f"expected {expected}, received {describe(value)}{hint}",
        )


Parser = Callable[["Collector", Any, str], Any]
"""Reads one value at a path, reporting problems; None when it could not."""


def describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    kind = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(value))
    if kind is None:
        kind = "mapping" if isinstance(value, Mapping) else type(value).__name__
        if isinstance(value, list):
            kind = "list"
        return kind
    return f"{kind} {value!r}"


def plain(value: Any) -> Any:
    """ruamel's comment-carrying containers -> dict/list."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"


def check_keys(out: Collector, data: Mapping[str, Any], known: tuple[str, ...], path: str) -> None:
    for key in data:
        if not isinstance(key, str):
            out.add(SPEC004, path, f"keys must be strings, received {describe(key)}")
        elif key not in known:
            out.add(SPEC003, join(path, key), f"unknown key {key!r}{suggest(key, known)}")


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def string(out: Collector, value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return value
    out.wrong_type(path, "a string", value)
    return None


def integer(out: Collector, value: Any, path: str) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    out.wrong_type(path, "an integer", value)
    return None


def boolean(out: Collector, value: Any, path: str) -> bool | None:
    if isinstance(value, bool):
        return value
    out.wrong_type(path, "true or false", value)
    return None


def choice(out: Collector, value: Any, path: str, enum: type[EnumT]) -> EnumT | None:
    allowed = [m.value for m in enum]
    if isinstance(value, str) and value in allowed:
        return enum(value)
    out.add(
        SPEC006,
        path,
        f"received {describe(value)}; use one of: {', '.join(allowed)}",
    )
    return None


def mapping(out: Collector, value: Any, path: str) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    out.wrong_type(path, "a mapping", value)
    return None


def string_list(out: Collector, value: Any, path: str) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        out.wrong_type(path, "a list of strings", value)
        return None
    items = [string(out, item, join(path, i)) for i, item in enumerate(value)]
    return tuple(i for i in items if i is not None)


def record_list(
    out: Collector, value: Any, path: str, what: str, fields: Mapping[str, Parser]
) -> list[dict[str, Any]] | None:
    """A list of mappings whose keys are all required; the items that parse cleanly."""
    if not isinstance(value, list):
        out.wrong_type(path, what, value)
        return None
    records = []
    for index, item in enumerate(value):
        item_path = join(path, index)
        data = mapping(out, item, item_path)
        if data is None:
            continue
        check_keys(out, data, tuple(fields), item_path)
        missing = [key for key in fields if key not in data]
        for key in missing:
            out.add(SPEC005, join(item_path, key), f"missing required key {key!r}")
        if missing:
            continue
        parsed = {key: parse(out, data[key], join(item_path, key)) for key, parse in fields.items()}
        if None not in parsed.values():
            records.append(parsed)
    return records
