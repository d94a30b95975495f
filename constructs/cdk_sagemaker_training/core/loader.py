"""Job definition files (YAML 1.2) -> `JobSpec` values.

Only shapes are checked here (keys, types, closed sets of values); what a valid shape
means for SageMaker is checked by `spec.rules`. Every problem in a file is reported at
once, as findings with a stable code, never as a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import fields
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
from cdk_sagemaker_training.core.model import (
    Channel,
    CompilerConfig,
    Compression,
    Framework,
    InputMode,
    InstanceGroup,
    JobSpec,
    MetricDefinition,
    S3DataDistribution,
    frozen_mapping,
)

EnumT = TypeVar("EnumT", bound=StrEnum)
JOB_FILE_SUFFIXES = (".yaml", ".yml")
SPEC_FIELDS = tuple(f.name for f in fields(JobSpec) if f.name != "source_file")
REQUIRED_FIELDS = ("name", "framework", "entry_point")
VERSION_FIELDS = (
    "transformers_version",
    "pytorch_version",
    "tensorflow_version",
    "framework_version",
    "py_version",
)


class _Collector:
    """Accumulates the shape findings of one document."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.findings: list[Finding] = []

    def add(self, code: str, path: str, message: str) -> None:
        where = f"{self.source}:{path}" if path else self.source
        self.findings.append(
            Finding(code=code, severity=Severity.ERROR, path=where, message=message)
        )

    def wrong_type(self, path: str, expected: str, value: object) -> None:
        hint = ""
        if expected == "a string" and isinstance(value, int | float) and path in VERSION_FIELDS:
            hint = " (YAML reads an unquoted version as a number, 2.10 as 2.1: quote it)"
        self.add(
            "SPEC004",
            path,
            f"expected {expected}, received {_describe(value)}{hint}",
        )


Parser = Callable[["_Collector", Any, str], Any]
"""Reads one value at a path, reporting problems; None when it could not."""


def _describe(value: object) -> str:
    if value is None:
        return "nothing (null)"
    kind = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(value))
    if kind is None:
        kind = "mapping" if isinstance(value, Mapping) else type(value).__name__
        if isinstance(value, list):
            kind = "list"
        return kind
    return f"{kind} {value!r}"


def _plain(value: Any) -> Any:
    """ruamel's comment-carrying containers -> dict/list."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _suggest(key: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"


def _check_keys(
    out: _Collector, data: Mapping[str, Any], known: tuple[str, ...], path: str
) -> None:
    for key in data:
        if not isinstance(key, str):
            out.add("SPEC004", path, f"keys must be strings, received {_describe(key)}")
        elif key not in known:
            out.add("SPEC003", _join(path, key), f"unknown key {key!r}{_suggest(key, known)}")


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _string(out: _Collector, value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return value
    out.wrong_type(path, "a string", value)
    return None


def _integer(out: _Collector, value: Any, path: str) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    out.wrong_type(path, "an integer", value)
    return None


def _boolean(out: _Collector, value: Any, path: str) -> bool | None:
    if isinstance(value, bool):
        return value
    out.wrong_type(path, "true or false", value)
    return None


def _choice(out: _Collector, value: Any, path: str, enum: type[EnumT]) -> EnumT | None:
    allowed = [m.value for m in enum]
    if isinstance(value, str) and value in allowed:
        return enum(value)
    out.add(
        "SPEC006",
        path,
        f"received {_describe(value)}; use one of: {', '.join(allowed)}",
    )
    return None


def _mapping(out: _Collector, value: Any, path: str) -> Mapping[str, Any] | None:
    if isinstance(value, Mapping):
        return value
    out.wrong_type(path, "a mapping", value)
    return None


def _string_list(out: _Collector, value: Any, path: str) -> tuple[str, ...] | None:
    if not isinstance(value, list):
        out.wrong_type(path, "a list of strings", value)
        return None
    items = [_string(out, item, _join(path, i)) for i, item in enumerate(value)]
    return tuple(i for i in items if i is not None)


def _string_map(out: _Collector, value: Any, path: str) -> Mapping[str, str] | None:
    data = _mapping(out, value, path)
    if data is None:
        return None
    result = {}
    for key, item in data.items():
        text = _string(out, item, _join(path, str(key)))
        if text is not None:
            result[str(key)] = text
    return frozen_mapping(result)


def _hyperparameters(out: _Collector, value: Any, path: str) -> Mapping[str, Any] | None:
    data = _mapping(out, value, path)
    if data is None:
        return None
    for key, item in data.items():
        if item is None:
            out.wrong_type(_join(path, str(key)), "a value", item)
    return frozen_mapping({str(k): v for k, v in data.items()})


def _compiler_config(out: _Collector, value: Any, path: str) -> CompilerConfig | None:
    data = _mapping(out, value, path)
    if data is None:
        return None
    _check_keys(out, data, ("enabled", "debug"), path)
    enabled = _boolean(out, data.get("enabled", True), _join(path, "enabled"))
    debug = _boolean(out, data.get("debug", False), _join(path, "debug"))
    return CompilerConfig(enabled=bool(enabled), debug=bool(debug))


CHANNEL_KEYS = ("s3_data", "distribution", "input_mode", "content_type", "compression")


def _channel(out: _Collector, name: str, value: Any, path: str) -> Channel | None:
    if isinstance(value, str):
        return Channel(name=name, s3_data=value)
    data = _mapping(out, value, path)
    if data is None:
        return None
    _check_keys(out, data, CHANNEL_KEYS, path)
    if "s3_data" not in data:
        out.add("SPEC005", _join(path, "s3_data"), "missing required key 's3_data' (an s3:// URI)")
        return None
    s3_data = _string(out, data["s3_data"], _join(path, "s3_data"))
    options: dict[str, Any] = {}
    if "distribution" in data:
        options["distribution"] = _choice(
            out, data["distribution"], _join(path, "distribution"), S3DataDistribution
        )
    if "input_mode" in data:
        options["input_mode"] = _choice(
            out, data["input_mode"], _join(path, "input_mode"), InputMode
        )
    if "content_type" in data:
        options["content_type"] = _string(out, data["content_type"], _join(path, "content_type"))
    if "compression" in data:
        options["compression"] = _choice(
            out, data["compression"], _join(path, "compression"), Compression
        )
    if s3_data is None or None in options.values():
        return None
    return Channel(name=name, s3_data=s3_data, **options)


def _inputs(out: _Collector, value: Any, path: str) -> tuple[Channel, ...] | None:
    data = _mapping(out, value, path)
    if data is None:
        return None
    channels = [_channel(out, str(k), v, _join(path, str(k))) for k, v in data.items()]
    return tuple(c for c in channels if c is not None)


def _records(
    out: _Collector, value: Any, path: str, what: str, fields: Mapping[str, Parser]
) -> list[dict[str, Any]] | None:
    """A list of mappings whose keys are all required; the items that parse cleanly."""
    if not isinstance(value, list):
        out.wrong_type(path, what, value)
        return None
    records = []
    for index, item in enumerate(value):
        item_path = _join(path, index)
        data = _mapping(out, item, item_path)
        if data is None:
            continue
        _check_keys(out, data, tuple(fields), item_path)
        missing = [key for key in fields if key not in data]
        for key in missing:
            out.add("SPEC005", _join(item_path, key), f"missing required key {key!r}")
        if missing:
            continue
        parsed = {
            key: parse(out, data[key], _join(item_path, key)) for key, parse in fields.items()
        }
        if None not in parsed.values():
            records.append(parsed)
    return records


def _instance_groups(out: _Collector, value: Any, path: str) -> tuple[InstanceGroup, ...] | None:
    fields: dict[str, Parser] = {
        "instance_group_name": _string,
        "instance_type": _string,
        "instance_count": _integer,
    }
    records = _records(out, value, path, "a list of instance groups", fields)
    return None if records is None else tuple(InstanceGroup(**r) for r in records)


def _metric_definitions(
    out: _Collector, value: Any, path: str
) -> tuple[MetricDefinition, ...] | None:
    fields: dict[str, Parser] = {"Name": _string, "Regex": _string}
    records = _records(out, value, path, "a list of {Name, Regex} mappings", fields)
    if records is None:
        return None
    return tuple(MetricDefinition(name=r["Name"], regex=r["Regex"]) for r in records)


def _distribution(out: _Collector, value: Any, path: str) -> Mapping[str, Any] | None:
    data = _mapping(out, value, path)
    return None if data is None else frozen_mapping(data)


def _framework(out: _Collector, value: Any, path: str) -> Framework | None:
    return _choice(out, value, path, Framework)


def _input_mode(out: _Collector, value: Any, path: str) -> InputMode | None:
    return _choice(out, value, path, InputMode)


PARSERS: dict[str, Parser] = {
    "framework": _framework,
    "compiler_config": _compiler_config,
    "instance_groups": _instance_groups,
    "hyperparameters": _hyperparameters,
    "environment": _string_map,
    "tags": _string_map,
    "distribution": _distribution,
    "inputs": _inputs,
    "input_mode": _input_mode,
    "subnets": _string_list,
    "security_group_ids": _string_list,
    "metric_definitions": _metric_definitions,
    **{
        key: _integer
        for key in (
            "instance_count",
            "volume_size",
            "keep_alive_period_in_seconds",
            "max_run",
            "max_wait",
            "max_retry_attempts",
            "max_concurrent_runs",
        )
    },
    **{
        key: _boolean
        for key in (
            "use_warm_pool_cache",
            "use_spot_instances",
            "enable_network_isolation",
            "encrypt_inter_container_traffic",
            "disable_profiler",
        )
    },
}
"""How each key is read; every other key of `JobSpec` is a string."""


def parse_job(data: Any, *, source: str, source_file: Path | None = None) -> JobSpec:
    """Build a `JobSpec` from one parsed document. Raises `SpecError` with every finding."""
    out = _Collector(source)
    document = _mapping(out, data, "")
    if document is None:
        raise SpecError(out.findings)
    document = _plain(document)
    _check_keys(out, document, SPEC_FIELDS, "")
    for key in REQUIRED_FIELDS:
        if key not in document or document[key] is None:
            out.add("SPEC005", key, f"missing required key {key!r}")
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key not in SPEC_FIELDS or value is None:
            continue  # unknown keys are reported above; null means "use the default"
        parsed = PARSERS.get(key, _string)(out, value, key)
        if parsed is not None:
            values[key] = parsed
    if out.findings:
        raise SpecError(out.findings)
    return JobSpec(**values, source_file=source_file)


def load_job_file(path: Path) -> JobSpec:
    """Read one YAML job file."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _file_error("SPEC001", source, f"cannot read the file: {error}") from None
    if not text.strip():
        raise _file_error("SPEC002", source, "the file is empty; a job file is one YAML mapping")
    try:
        documents = list(YAML(typ="safe", pure=True).load_all(text))
    except YAMLError as error:
        detail = " ".join(str(error).split())
        raise _file_error("SPEC001", source, f"invalid YAML: {detail}") from None
    documents = [d for d in documents if d is not None]
    if len(documents) != 1:
        raise _file_error(
            "SPEC002", source, f"expected exactly one YAML document, found {len(documents)}"
        )
    return parse_job(documents[0], source=source, source_file=path)


def _file_error(code: str, source: str, message: str) -> SpecError:
    return SpecError([Finding(code=code, severity=Severity.ERROR, path=source, message=message)])


def job_files(path: Path) -> Iterator[Path]:
    """The job files under `path` (itself, when it is a file), in a stable order."""
    if path.is_dir():
        yield from sorted(p for p in path.rglob("*") if p.suffix in JOB_FILE_SUFFIXES)
    else:
        yield path


def load_jobs(path: str | Path) -> list[JobSpec]:
    """Every job under a file or directory. Raises `SpecError` listing all problems."""
    root = Path(path)
    if not root.exists():
        raise _file_error("SPEC001", str(root), "no such file or directory")
    specs: list[JobSpec] = []
    findings: list[Finding] = []
    for file in job_files(root):
        try:
            specs.append(load_job_file(file))
        except SpecError as error:
            findings.extend(error.findings)
    if not specs and not findings:
        findings.append(
            Finding(
                code="SPEC008",
                severity=Severity.ERROR,
                path=str(root),
                message="no job files (*.yaml, *.yml) found",
            )
        )
    seen: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.name in seen:
            findings.append(
                Finding(
                    code="SPEC007",
                    severity=Severity.ERROR,
                    path=f"{spec.source_file}:name",
                    message=(
                        f"job name {spec.name!r} is already used by {seen[spec.name].source_file}; "
                        "job names must be unique"
                    ),
                )
            )
        seen[spec.name] = spec
    if findings:
        raise SpecError(findings)
    return specs
