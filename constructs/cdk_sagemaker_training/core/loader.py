"""Job definition files (YAML 1.2) -> `JobSpec` values.

Only shapes are checked here (keys, types, closed sets of values); what a valid shape
means for SageMaker is checked by `core.rules`. Every problem in a file is reported at
once, as findings with a stable code, never as a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from cdk_sagemaker_training.core.codes import define
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
from cdk_sagemaker_training.core.parsing import (
    SPEC001,
    SPEC004,
    SPEC005,
    Collector,
    Parser,
    boolean,
    check_keys,
    choice,
    integer,
    join,
    mapping,
    plain,
    positive_integer,
    read_document,
    record_list,
    scalar,
    string,
    string_list,
)
from cdk_sagemaker_training.core.sweep import Goal, Objective, OnTrialFailure, SweepSpec

SPEC007 = define(
    "SPEC007", Severity.ERROR, "Two job files share a name", "Give each job a unique name"
)
SPEC008 = define(
    "SPEC008",
    Severity.ERROR,
    "No job files in the directory",
    "Add *.yaml files or point at another path",
)
SPEC013 = define(
    "SPEC013",
    Severity.ERROR,
    "Keys that exclude each other",
    "Keep one of the keys named",
)
JOB_FILE_SUFFIXES = (".yaml", ".yml")
DEFAULT_JOBS_PATH = Path("jobs")
"""Where the CLI and the reference app look for job files when given none."""
SPEC_FIELDS = tuple(f.name for f in fields(JobSpec) if f.name != "source_file")
REQUIRED_FIELDS = ("name", "framework", "entry_point")


def _string_map(out: Collector, value: Any, path: str) -> Mapping[str, str] | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    result = {}
    for key, item in data.items():
        text = string(out, item, join(path, str(key)))
        if text is not None:
            result[str(key)] = text
    return frozen_mapping(result)


def _hyperparameters(out: Collector, value: Any, path: str) -> Mapping[str, Any] | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    for key, item in data.items():
        if item is None:
            out.wrong_type(join(path, str(key)), "a value", item)
    return frozen_mapping({str(k): v for k, v in data.items()})


def _compiler_config(out: Collector, value: Any, path: str) -> CompilerConfig | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    check_keys(out, data, ("enabled", "debug"), path)
    enabled = boolean(out, data.get("enabled", True), join(path, "enabled"))
    debug = boolean(out, data.get("debug", False), join(path, "debug"))
    return CompilerConfig(enabled=bool(enabled), debug=bool(debug))


CHANNEL_KEYS = ("s3_data", "distribution", "input_mode", "content_type", "compression")


def _channel(out: Collector, name: str, value: Any, path: str) -> Channel | None:
    if isinstance(value, str):
        return Channel(name=name, s3_data=value)
    data = mapping(out, value, path)
    if data is None:
        return None
    check_keys(out, data, CHANNEL_KEYS, path)
    if "s3_data" not in data:
        out.add(SPEC005, join(path, "s3_data"), "missing required key 's3_data' (an s3:// URI)")
        return None
    s3_data = string(out, data["s3_data"], join(path, "s3_data"))
    options: dict[str, Any] = {}
    if "distribution" in data:
        options["distribution"] = choice(
            out, data["distribution"], join(path, "distribution"), S3DataDistribution
        )
    if "input_mode" in data:
        options["input_mode"] = choice(out, data["input_mode"], join(path, "input_mode"), InputMode)
    if "content_type" in data:
        options["content_type"] = string(out, data["content_type"], join(path, "content_type"))
    if "compression" in data:
        options["compression"] = choice(
            out, data["compression"], join(path, "compression"), Compression
        )
    if s3_data is None or None in options.values():
        return None
    return Channel(name=name, s3_data=s3_data, **options)


def _inputs(out: Collector, value: Any, path: str) -> tuple[Channel, ...] | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    channels = [_channel(out, str(k), v, join(path, str(k))) for k, v in data.items()]
    return tuple(c for c in channels if c is not None)


def _instance_groups(out: Collector, value: Any, path: str) -> tuple[InstanceGroup, ...] | None:
    fields: dict[str, Parser] = {
        "instance_group_name": string,
        "instance_type": string,
        "instance_count": integer,
    }
    records = record_list(out, value, path, "a list of instance groups", fields)
    return None if records is None else tuple(InstanceGroup(**r) for r in records)


def _metric_definitions(
    out: Collector, value: Any, path: str
) -> tuple[MetricDefinition, ...] | None:
    fields: dict[str, Parser] = {"Name": string, "Regex": string}
    records = record_list(out, value, path, "a list of {Name, Regex} mappings", fields)
    if records is None:
        return None
    return tuple(MetricDefinition(name=r["Name"], regex=r["Regex"]) for r in records)


def _distribution(out: Collector, value: Any, path: str) -> Mapping[str, Any] | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    for key in data:
        if not isinstance(key, str):
            out.add(
                SPEC004, join(path, str(key)), f"distribution names are strings, received {key!r}"
            )
    return frozen_mapping(data)


def _framework(out: Collector, value: Any, path: str) -> Framework | None:
    return choice(out, value, path, Framework)


def _input_mode(out: Collector, value: Any, path: str) -> InputMode | None:
    return choice(out, value, path, InputMode)


def _objective(out: Collector, value: Any, path: str) -> Objective | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    check_keys(out, data, ("metric", "goal"), path)
    if data.get("metric") is None:
        out.add(SPEC005, join(path, "metric"), "missing required key 'metric' (a metric name)")
        return None
    metric = string(out, data["metric"], join(path, "metric"))
    goal = choice(out, data.get("goal", Goal.MINIMIZE.value), join(path, "goal"), Goal)
    if metric is None or goal is None:
        return None
    return Objective(metric=metric, goal=goal)


def _grid(out: Collector, value: Any, path: str) -> Mapping[str, tuple[Any, ...]] | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    grid: dict[str, tuple[Any, ...]] = {}
    for key, values in data.items():
        key_path = join(path, str(key))
        if isinstance(values, list):
            grid[str(key)] = tuple(scalar(out, v, join(key_path, i)) for i, v in enumerate(values))
        else:
            out.wrong_type(key_path, "a list of values", values)
    return frozen_mapping(grid)


def _trials(out: Collector, value: Any, path: str) -> tuple[Mapping[str, Any], ...] | None:
    if not isinstance(value, list):
        out.wrong_type(path, "a list of hyperparameter mappings", value)
        return None
    trials = []
    for index, item in enumerate(value):
        trial_path = join(path, index)
        trial = mapping(out, item, trial_path)
        if trial is not None:
            trials.append(
                frozen_mapping(
                    {str(k): scalar(out, v, join(trial_path, str(k))) for k, v in trial.items()}
                )
            )
    return tuple(trials)


def _on_trial_failure(out: Collector, value: Any, path: str) -> OnTrialFailure | None:
    return choice(out, value, path, OnTrialFailure)


SWEEP_PARSERS: dict[str, Parser] = {
    "parameters": _grid,
    "trials": _trials,
    "lanes": positive_integer,
    "objective": _objective,
    "max_trials": positive_integer,
    "on_trial_failure": _on_trial_failure,
}
"""How each key of `sweep` is read."""
SWEEP_FIELDS = {"trials": "explicit_trials"}
"""`SweepSpec` field names that differ from the job-file key."""


def _sweep(out: Collector, value: Any, path: str) -> SweepSpec | None:
    data = mapping(out, value, path)
    if data is None:
        return None
    check_keys(out, data, tuple(SWEEP_PARSERS), path)
    given = [key for key in ("parameters", "trials") if data.get(key) is not None]
    if len(given) == 2:
        out.add(
            SPEC013,
            join(path, "trials"),
            "received both 'parameters' (a grid) and 'trials' (a list); a sweep uses one",
        )
    elif not given:
        out.add(
            SPEC005,
            join(path, "parameters"),
            "missing 'parameters' (hyperparameter -> list of values) or 'trials' (a list of "
            "hyperparameter mappings)",
        )
    if data.get("objective") is None:
        out.add(
            SPEC005, join(path, "objective"), "missing required key 'objective' ({metric, goal})"
        )
    values = {
        SWEEP_FIELDS.get(key, key): parse(out, data[key], join(path, key))
        for key, parse in SWEEP_PARSERS.items()
        if data.get(key) is not None
    }
    if None in values.values() or "objective" not in values:
        return None
    return SweepSpec(**values)


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
    "subnets": string_list,
    "security_group_ids": string_list,
    "metric_definitions": _metric_definitions,
    "sweep": _sweep,
    **{
        key: integer
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
        key: boolean
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
    out = Collector(source)
    document = mapping(out, data, "")
    if document is None:
        raise SpecError(out.findings)
    document = plain(document)
    check_keys(out, document, SPEC_FIELDS, "")
    for key in REQUIRED_FIELDS:
        if key not in document or document[key] is None:
            out.add(SPEC005, key, f"missing required key {key!r}")
    values: dict[str, Any] = {}
    for key, value in document.items():
        if key not in SPEC_FIELDS or value is None:
            continue  # unknown keys are reported above; null means "use the default"
        parsed = PARSERS.get(key, string)(out, value, key)
        if parsed is not None:
            values[key] = parsed
    if out.findings:
        raise SpecError(out.findings)
    return JobSpec(**values, source_file=source_file)


def load_job_file(path: Path) -> JobSpec:
    """Read one YAML job file."""
    return parse_job(read_document(path, "a job file"), source=str(path), source_file=path)


def job_files(path: Path) -> tuple[list[Path], list[Finding]]:
    """The job files under `path` (itself, when it is not a directory), in a stable order,
    and a SPEC001 finding for each directory that cannot be listed.

    Symbolic links are followed, to files and to directories; a directory reached again
    through a link (a loop, or two links to one folder) is read once.
    """
    if not path.is_dir():
        return [path], []
    files: list[Path] = []
    findings: list[Finding] = []

    def unreadable(error: OSError) -> None:
        findings.append(
            SPEC001.finding(
                str(error.filename or path),
                f"cannot list the directory ({error.strerror}); its jobs would be left out",
            )
        )

    seen: set[tuple[int, int]] = set()
    for folder, subfolders, names in os.walk(path, onerror=unreadable, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:
            subfolders.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        files += (Path(folder) / n for n in names if Path(n).suffix in JOB_FILE_SUFFIXES)
    return sorted(files), findings


def load_jobs(path: str | Path) -> list[JobSpec]:
    """Every job under a file or directory. Raises `SpecError` listing all problems."""
    root = Path(path)
    if not root.exists():
        raise SPEC001.error(str(root), "no such file or directory")
    specs: list[JobSpec] = []
    files, findings = job_files(root)
    for file in files:
        try:
            specs.append(load_job_file(file))
        except SpecError as error:
            findings.extend(error.findings)
    if not specs and not findings:
        findings.append(SPEC008.finding(str(root), "no job files (*.yaml, *.yml) found"))
    seen: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.name in seen:
            findings.append(
                SPEC007.finding(
                    f"{spec.source_file}:name",
                    f"job name {spec.name!r} is already used by {seen[spec.name].source_file}; "
                    "job names must be unique",
                )
            )
        seen[spec.name] = spec
    if findings:
        raise SpecError(findings)
    return specs
