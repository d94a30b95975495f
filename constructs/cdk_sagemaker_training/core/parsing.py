"""Reading YAML documents into typed values, reporting every problem as a finding.

Shared by the job loader and the platform-policy loader: each parser reads one value at a
path and records what is wrong in a `Collector` instead of raising, so a file's problems
are all reported at once.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import warnings
from collections.abc import Callable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import ReusedAnchorWarning, YAMLError

from cdk_sagemaker_training.core.codes import Code, define
from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError

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


MAX_FILE_BYTES = 256 * 1024
"""Largest file the loaders read: job files and policies are a few KB, and the YAML
parser (pure Python) needs seconds for hostile files near this size."""
MAX_VALUES = 100_000
"""Values a document may hold once aliases are expanded (an alias bomb of a few hundred
bytes expands to billions)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists."""
YAML_VERSION = "1.2"
SCALAR_TYPES = (str, int, float, bool, type(None))
"""What a YAML 1.2 core-schema scalar becomes; other types come from tags or timestamps."""
SPEC009 = define(
    "SPEC009",
    ERROR,
    "File too large",
    f"Job files and policies are small YAML files: keep them under {MAX_FILE_BYTES} bytes",
)
SPEC010 = define(
    "SPEC010",
    ERROR,
    "Document too deeply nested or expands too far",
    f"Use at most {MAX_DEPTH} levels of nesting and no recursive or repeated alias "
    f"expansion beyond {MAX_VALUES} values",
)
SPEC011 = define(
    "SPEC011",
    ERROR,
    "YAML feature or value type not supported",
    "Use YAML 1.2 strings, numbers, booleans, mappings and lists: quote dates and "
    "timestamps, drop !!binary, !!set and other tags, and use valid Unicode text",
)
SPEC012 = define(
    "SPEC012",
    ERROR,
    "Two keys of one mapping read as the same name",
    'Keep one of them: 1 and "1" are the same key once names are strings',
)
_DIRECTIVE = re.compile(r"^%YAML[ \t]+(\S*)", re.MULTILINE)


def _read_bytes(path: Path, source: str) -> bytes:
    """The file's bytes; never blocks on a FIFO and never reads past `MAX_FILE_BYTES`."""
    try:
        # O_NONBLOCK: opening a FIFO without a writer would otherwise wait forever.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise SPEC001.error(source, f"cannot read the file: {error}", file=source) from None
    with os.fdopen(descriptor, "rb") as file:
        kind = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(kind):
            what = "a directory" if stat.S_ISDIR(kind) else "a FIFO, device or socket"
            raise SPEC001.error(
                source, f"cannot read the file: it is {what}, not a file", file=source
            )
        try:
            data = file.read(MAX_FILE_BYTES + 1)
        except OSError as error:
            raise SPEC001.error(source, f"cannot read the file: {error}", file=source) from None
    if len(data) > MAX_FILE_BYTES:
        raise SPEC009.error(source, f"the file has more than {MAX_FILE_BYTES} bytes", file=source)
    return data


def _load(text: str, source: str) -> list[Any]:
    """The YAML documents of `text`; every parser failure is a SPEC001/010/011 finding."""
    for match in _DIRECTIVE.finditer(text):
        if match[1] != YAML_VERSION:
            raise SPEC011.error(
                source,
                f"received %YAML {match[1]!r}; the loader reads YAML 1.2 only",
                file=source,
                line=text.count("\n", 0, match.start()) + 1,
                column=1,
            )
    try:
        with warnings.catch_warnings():  # a redefined anchor is valid YAML 1.2
            warnings.simplefilter("ignore", ReusedAnchorWarning)
            return list(YAML(typ="safe", pure=True).load_all(text))
    except YAMLError as error:
        detail = " ".join(str(error).split())
        mark = getattr(error, "problem_mark", None)
        raise SPEC001.error(
            source,
            f"invalid YAML: {detail}",
            file=source,
            line=mark.line + 1 if mark is not None else None,
            column=mark.column + 1 if mark is not None else None,
        ) from None
    except RecursionError:
        raise SPEC010.error(source, f"nested more than {MAX_DEPTH} levels", file=source) from None
    except Exception as error:  # the parser's own limits, e.g. integers over 4300 digits
        detail = " ".join(str(error).split())
        raise SPEC011.error(source, f"cannot read a value: {detail}", file=source) from None


class _Tree:
    """Copies a loaded document into plain dicts and lists, checking limits and types."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.values = 0
        self.findings: list[Finding] = []

    def _error(self, code: Code, path: str, message: str) -> None:
        where = f"{self.source}:{path}" if path else self.source
        self.findings.append(code.finding(where, message, file=self.source))

    def _scalar(self, value: Any, path: str) -> Any:
        if not isinstance(value, SCALAR_TYPES):
            self._error(
                SPEC011,
                path,
                f"received a {type(value).__name__} value ({value!r:.60}); only strings, "
                "numbers, booleans, null, mappings and lists are read (quote dates)",
            )
        elif isinstance(value, str) and _has_surrogate(value):
            self._error(SPEC011, path, f"received {value!r:.60}, which is not valid Unicode text")
        return value

    def copy(
        self, value: Any, path: str = "", depth: int = 0, parents: frozenset[int] = frozenset()
    ) -> Any:
        """`value` as plain data. Raises `SpecError` (SPEC010) past the limits."""
        self.values += 1
        if self.values > MAX_VALUES:
            raise SPEC010.error(
                self.source,
                f"the document expands to more than {MAX_VALUES} values (aliases)",
                file=self.source,
            )
        if not isinstance(value, Mapping | list):
            return self._scalar(value, path)
        if id(value) in parents:
            raise SPEC010.error(
                f"{self.source}:{path}",
                "received a recursive alias (a value that contains itself)",
                file=self.source,
            )
        if depth >= MAX_DEPTH:
            raise SPEC010.error(
                f"{self.source}:{path}", f"nested more than {MAX_DEPTH} levels", file=self.source
            )
        inside = parents | {id(value)}
        if isinstance(value, list):
            return [self.copy(v, join(path, i), depth + 1, inside) for i, v in enumerate(value)]
        result: dict[Any, Any] = {}
        names: dict[str, Any] = {}
        for key, item in value.items():
            self._scalar(key, path)
            name = str(key)
            if name in names:
                self._error(
                    SPEC012,
                    join(path, name),
                    f"keys {names[name]!r} and {key!r} both read as {name!r}",
                )
            names[name] = key
            result[key] = self.copy(item, join(path, name), depth + 1, inside)
        return result


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def read_text(path: Path, source: str) -> str:
    """The file's text (UTF-8, at most `MAX_FILE_BYTES`). Raises `SpecError` (SPEC001,
    SPEC009) naming it `source`."""
    try:
        return _read_bytes(path, source).decode("utf-8")
    except UnicodeDecodeError as error:
        raise SPEC001.error(
            source, f"cannot read the file: not UTF-8 text ({error})", file=source
        ) from None


def read_document(path: Path, what: str) -> Any:
    """The one YAML 1.2 document of the file at `path`, as plain dicts, lists and scalars.

    Raises `SpecError`: SPEC001 (unreadable, not a regular file, invalid YAML), SPEC002
    (empty, several documents), SPEC009 (over `MAX_FILE_BYTES`), SPEC010 (nesting or
    alias expansion past `MAX_DEPTH` / `MAX_VALUES`), SPEC011 (another YAML version,
    dates, binary, sets, invalid Unicode), SPEC012 (keys such as `1` and `"1"`).
    `what`: how messages name the file (`a job file`, `a policy`).
    """
    source = str(path)
    text = read_text(path, source)
    if not text.strip():
        raise SPEC002.error(source, f"the file is empty; {what} is one YAML mapping", file=source)
    documents = [d for d in _load(text, source) if d is not None]
    if len(documents) != 1:
        raise SPEC002.error(
            source, f"expected exactly one YAML document, found {len(documents)}", file=source
        )
    tree = _Tree(source)
    document = tree.copy(documents[0])
    if tree.findings:
        raise SpecError(tree.findings)
    return document


class Collector:
    """Accumulates the shape findings of one document. `file`: the file it was read from.
    Default: none (a value built in Python)."""

    def __init__(self, source: str, file: str | None = None) -> None:
        self.source = source
        self.file = file
        self.findings: list[Finding] = []

    def add(self, code: Code, path: str, message: str) -> None:
        """Record a finding of `code` at `path` (relative to the document)."""
        where = f"{self.source}:{path}" if path else self.source
        self.findings.append(code.finding(where, message, file=self.file))

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


def positive_integer(out: Collector, value: Any, path: str) -> int | None:
    """An integer of at least 1 (a count)."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    out.wrong_type(path, "an integer >= 1", value)
    return None


def scalar(out: Collector, value: Any, path: str) -> str | int | float | bool | None:
    """A string, number or boolean (null is no value)."""
    if isinstance(value, str | int | float | bool):
        return value
    out.wrong_type(path, "a string, number or boolean", value)
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
