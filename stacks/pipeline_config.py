"""The delivery pipeline's config file (`gitops/pipeline.yaml`): source, environments.

Read with the job loader's discipline: every problem is a finding with the field path and
what was received (shape: SPEC003-006; values: PIPE001-003), never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from cdk_sagemaker_training import Severity, SpecError
from cdk_sagemaker_training.core.codes import define  # the app's own codes
from cdk_sagemaker_training.core.loader import DEFAULT_JOBS_PATH
from cdk_sagemaker_training.core.parsing import (
    SPEC005,
    Collector,
    Parser,
    boolean,
    check_keys,
    join,
    mapping,
    read_document,
    string,
)

PIPE001 = define(
    "PIPE001",
    Severity.ERROR,
    "Invalid pipeline config value",
    "Use the format named in the message (account: 12 digits, region: us-east-1, "
    "repository: owner/name, connection_arn: a CodeConnections connection ARN)",
    owner="app",
)
PIPE002 = define(
    "PIPE002",
    Severity.ERROR,
    "Pipeline stage names are not unique",
    "Give every stage its own name (it names the stage's stacks)",
    owner="app",
)
PIPE003 = define(
    "PIPE003",
    Severity.ERROR,
    "Pipeline config has no stage",
    "List at least one target environment under stages",
    owner="app",
)
DEFAULT_NAME = "training-jobs"
MAX_PIPELINE_NAME = 24
MAX_STAGE_NAME = 24
"""Short enough that `<name>-quota-gate-<stage>` fits IAM's 64-character role names."""
GATE_ROLE_SUFFIX = "-quota-gate-"
"""A stage's quota-gate role is `<name>-quota-gate-<stage>` (IAM role names: 64 chars)."""
READER_ROLE_SUFFIX = "-quota-reader"
"""The role the gate assumes in each target account: `<name>-quota-reader`."""
_ACCOUNT = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
_REPOSITORY = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+")
_CONNECTION = re.compile(
    r"arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection/[\w-]+"
)


@dataclass(frozen=True, kw_only=True)
class SourceConfig:
    """The repository the pipeline watches, through a CodeConnections (CodeStar) connection."""

    connection_arn: str
    repository: str
    """`owner/name`."""
    branch: str = "main"


@dataclass(frozen=True, kw_only=True)
class StageConfig:
    """One target environment: the training-job stacks of `jobs` deployed there."""

    name: str
    account: str
    region: str
    jobs: str = str(DEFAULT_JOBS_PATH)
    """Job file or folder, relative to the repository root. Default: `jobs`."""
    protected: bool = False
    """A manual approval precedes the deploy."""
    run_after_deploy: bool = False
    """Start each launcher whose definition changed (or is new) once the deploy is done."""


@dataclass(frozen=True, kw_only=True)
class PipelineConfig:
    """The pipeline (in the tooling `account`/`region`), its source and its stages."""

    account: str
    region: str
    source: SourceConfig
    stages: tuple[StageConfig, ...]
    name: str = DEFAULT_NAME
    """Prefix of the pipeline's name and of its fixed-name IAM roles."""

    def gate_role_name(self, stage: StageConfig) -> str:
        """The name of `stage`'s quota-gate role (in the pipeline account)."""
        return f"{self.name}{GATE_ROLE_SUFFIX}{stage.name}"

    @property
    def reader_role_name(self) -> str:
        """The name of the quota-reader role in each target account."""
        return f"{self.name}{READER_ROLE_SUFFIX}"


def _pattern(pattern: re.Pattern[str], what: str) -> Parser:
    def parse(out: Collector, value: Any, path: str) -> str | None:
        text = string(out, value, path)
        if text is not None and not pattern.fullmatch(text):
            out.add(PIPE001, path, f"received {text!r}; expected {what}")
            return None
        return text

    return parse


def _name(longest: int) -> Parser:
    return _pattern(
        re.compile(rf"[A-Za-z][A-Za-z0-9-]{{0,{longest - 1}}}"),
        f"a letter, then letters, digits or hyphens ({longest} characters at most)",
    )


_account = _pattern(_ACCOUNT, "a 12-digit account id, quoted")
_region = _pattern(_REGION, "a region such as us-east-1")
_SOURCE: dict[str, Parser] = {
    "connection_arn": _pattern(_CONNECTION, "arn:aws:codeconnections:REGION:ACCOUNT:connection/ID"),
    "repository": _pattern(_REPOSITORY, "owner/name"),
    "branch": string,
}
_STAGE: dict[str, Parser] = {
    "name": _name(MAX_STAGE_NAME),
    "account": _account,
    "region": _region,
    "jobs": string,
    "protected": boolean,
    "run_after_deploy": boolean,
}
_PIPELINE: dict[str, Parser] = {
    "name": _name(MAX_PIPELINE_NAME),
    "account": _account,
    "region": _region,
}


def _record(
    out: Collector, value: Any, path: str, cls: type, parsers: Mapping[str, Parser]
) -> dict[str, Any] | None:
    """The fields of `cls` that mapping `value` sets, each read by its parser (a nested
    field such as `source` is left to the caller); None when any is missing or bad."""
    data = mapping(out, value, path)
    if data is None:
        return None
    before = len(out.findings)
    check_keys(out, data, tuple(f.name for f in fields(cls)), path)
    for field in fields(cls):
        if field.name not in data and field.default is MISSING:
            out.add(SPEC005, join(path, field.name), f"missing required key {field.name!r}")
    values = {key: parsers[key](out, data[key], join(path, key)) for key in parsers if key in data}
    return values if len(out.findings) == before else None


def _stages(out: Collector, value: Any, path: str) -> tuple[StageConfig, ...]:
    if not isinstance(value, list):
        out.wrong_type(path, "a list of stages", value)
        return ()
    if not value:
        out.add(PIPE003, path, "received an empty list; list at least one environment")
    stages = []
    for index, item in enumerate(value):
        record = _record(out, item, join(path, index), StageConfig, _STAGE)
        if record is not None:
            stages.append(StageConfig(**record))
    seen: set[str] = set()
    for index, stage in enumerate(stages):
        if stage.name.lower() in seen:  # stack names are case-insensitive
            out.add(PIPE002, join(join(path, index), "name"), f"stage {stage.name!r} repeats")
        seen.add(stage.name.lower())
    return tuple(stages)


def parse_pipeline_config(data: Any, *, source: str) -> PipelineConfig:
    """A `PipelineConfig` from one parsed YAML document; raises `SpecError` with every
    finding."""
    out = Collector(source)
    pipeline = _record(out, data, "", PipelineConfig, _PIPELINE)
    document = data if isinstance(data, Mapping) else {}
    repo = (
        _record(out, document["source"], "source", SourceConfig, _SOURCE)
        if "source" in document
        else None
    )
    stages = _stages(out, document["stages"], "stages") if "stages" in document else ()
    if out.findings or pipeline is None or repo is None:
        raise SpecError(out.findings)
    return PipelineConfig(**pipeline, source=SourceConfig(**repo), stages=stages)


def load_pipeline_config(path: str | Path) -> PipelineConfig:
    """Read a pipeline config file (one YAML 1.2 mapping)."""
    return parse_pipeline_config(read_document(Path(path), "a pipeline config"), source=str(path))
