"""The job-file JSON Schema: shipped as generated, valid for every example, and in agreement
with the loader (and, for bounds the loader leaves to rules, with the rules)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import fields
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from ruamel.yaml import YAML

from cdk_sagemaker_training.core.findings import Severity, SpecError
from cdk_sagemaker_training.core.loader import parse_job
from cdk_sagemaker_training.core.model import (
    Channel,
    CompilerConfig,
    InstanceGroup,
    JobSpec,
    MetricDefinition,
)
from cdk_sagemaker_training.core.parsing import read_document
from cdk_sagemaker_training.core.rules import check_job
from cdk_sagemaker_training.core.schema import (
    DIALECT,
    SHIPPED_FILE,
    job_schema,
    schema_text,
)
from cdk_sagemaker_training.core.sweep import Objective, SweepSpec
from tests.core.test_loader import BAD
from tests.core.test_sweep import BAD_SWEEPS
from tests.core.test_sweep import VALID as SWEEP_BASE

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = job_schema()
VALIDATOR = Draft202012Validator(SCHEMA)
DRAFT_7 = Draft7Validator(SCHEMA)
"""The YAML language server (VS Code's YAML extension) implements draft-07: the schema keeps
to keywords that mean the same in both drafts, so both validators must agree."""
SHIPPED = ROOT / "constructs" / "cdk_sagemaker_training" / "job.schema.json"
EXAMPLES = sorted((ROOT / "jobs").glob("*.yaml")) + sorted(
    (ROOT / "tests" / "fixtures" / "jobs").glob("*.yaml")
)
GOLDEN_INPUTS = sorted((ROOT / "tests" / "fixtures" / "shapes").glob("*.yaml"))
EDITOR_HINT = re.compile(r"# yaml-language-server: \$schema=(\S+)\n")
STRUCTURAL = {"SPEC003", "SPEC004", "SPEC005", "SPEC006", "SPEC013"}
"""Loader codes for a document's shape: unknown key, wrong type, missing key, closed set,
keys that exclude each other."""
BAD_CASES = [(c[0], c[1], c[2]) for c in BAD] + [
    (f"sweep-{c[0]}", SWEEP_BASE + c[1], c[2]) for c in BAD_SWEEPS
]
"""The loader's bad-input tables (job files, and the `sweep` key's)."""
UNKNOWN = "no_such_key"


def test_shipped_schema_is_the_generated_one() -> None:
    shipped = resources.files("cdk_sagemaker_training").joinpath(SHIPPED_FILE)
    assert shipped.read_text() == schema_text(), "run `make schema`"
    assert SHIPPED.read_text() == schema_text()


def test_schema_is_a_draft_2020_12_schema_and_a_draft_7_one() -> None:
    Draft202012Validator.check_schema(SCHEMA)
    Draft7Validator.check_schema(SCHEMA)
    assert (SCHEMA["$schema"], SCHEMA["title"]) == (DIALECT, "cdk-sagemaker-training job file")
    assert SCHEMA["$id"]


def objects(schema: Any) -> Iterator[dict[str, Any]]:
    """Every record (object schema with properties) inside `schema`; a `oneOf` of records
    only says which of their keys must be there."""
    if isinstance(schema, dict):
        if "properties" in schema:
            yield schema
        for key, value in schema.items():
            if key != "oneOf":
                yield from objects(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from objects(value)


def test_every_record_is_closed_and_every_key_described() -> None:
    records = list(objects(SCHEMA))
    assert len(records) >= 5
    for record in records:
        assert record["additionalProperties"] is False
        for key, value in record["properties"].items():
            if record is not SCHEMA["properties"]["distribution"]:
                assert value.get("description"), key


@pytest.mark.parametrize("path", EXAMPLES + GOLDEN_INPUTS, ids=lambda p: p.name)
def test_examples_and_golden_inputs_validate(path: Path) -> None:
    VALIDATOR.validate(read_document(path, "a job file"))
    DRAFT_7.validate(read_document(path, "a job file"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_point_editors_at_the_shipped_schema(path: Path) -> None:
    hint = EDITOR_HINT.match(path.read_text())
    assert hint, "the first line is the yaml-language-server $schema comment"
    assert (path.parent / hint[1]).resolve() == SHIPPED


@pytest.mark.parametrize(
    ("text", "code"),
    [(c[1], c[2]) for c in BAD_CASES if c[2] in STRUCTURAL],
    ids=[c[0] for c in BAD_CASES if c[2] in STRUCTURAL],
)
def test_structural_bad_cases_of_the_loader_fail_the_schema(text: str, code: str) -> None:
    """The loader's own table; its other cases (SPEC001/2/9-12) are files the YAML reader
    refuses before there is a document to validate."""
    document = YAML(typ="safe", pure=True).load(text)
    assert not VALIDATOR.is_valid(document), code
    assert not DRAFT_7.is_valid(document), code


# Agreement, key by key: the expected keys come from the model's dataclasses, not from the
# grammar that builds both the loader and the schema.
MODEL_RECORDS: dict[str, tuple[type, Callable[[str], str]]] = {
    "": (JobSpec, str),
    "compiler_config": (CompilerConfig, str),
    "inputs.*": (Channel, str),
    "instance_groups[]": (InstanceGroup, str),
    "metric_definitions[]": (MetricDefinition, str.capitalize),
    "sweep": (SweepSpec, lambda name: {"explicit_trials": "trials"}.get(name, name)),
    "sweep.objective": (Objective, str),
}
NOT_FILE_KEYS = {"source_file", "name"}
"""`JobSpec.source_file` is where a spec was read from; `Channel.name` is its key in
`inputs` (`JobSpec.name` is a key)."""


def record_at(location: str) -> dict[str, Any]:
    schema = SCHEMA
    for part in filter(None, re.split(r"\.|(?=\[)", location)):
        if part == "*":
            schema = next(s for s in schema["additionalProperties"]["anyOf"] if "properties" in s)
        elif part == "[]":
            schema = schema["items"]
        else:
            schema = schema["properties"][part]
    return schema


def model_keys() -> Iterator[Any]:
    for location, (model, spell) in MODEL_RECORDS.items():
        for field in fields(model):
            if field.name in NOT_FILE_KEYS and not (model is JobSpec and field.name == "name"):
                continue
            name = spell(field.name)
            yield pytest.param(location, name, id=f"{location}:{name}")


@pytest.mark.parametrize(("location", "key"), list(model_keys()))
def test_every_model_field_is_a_key_of_the_schema(location: str, key: str) -> None:
    assert key in record_at(location)["properties"]


def test_the_schema_has_no_key_without_a_model_field() -> None:
    for location, (model, spell) in MODEL_RECORDS.items():
        names = {spell(f.name) for f in fields(model)}
        assert set(record_at(location)["properties"]) <= names, location


def sample(schema: dict[str, Any]) -> Any:
    """A value `schema` accepts."""
    if "anyOf" in schema:
        return sample(schema["anyOf"][0])
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema["type"][0] if isinstance(schema["type"], list) else schema["type"]
    if kind == "object":
        properties = schema.get("properties", {})
        chosen = [a["required"][0] for a in schema.get("oneOf", [])[:1]]
        return {key: sample(properties[key]) for key in [*schema.get("required", []), *chosen]}
    if kind == "array":
        return [sample(schema["items"])]
    if kind == "string":
        return "s3://bucket/key" if "s3" in schema.get("pattern", "") else "demo"
    return {"integer": schema.get("minimum", 1), "boolean": True}[kind]


Build = Callable[[Any], Any]


def slots(schema: dict[str, Any], build: Build, path: str) -> Iterator[tuple[str, Build]]:
    """Every place a value can go: its path and a function that puts a value there in an
    otherwise valid document. An unknown key is a slot of each record too."""
    for alternative in schema.get("anyOf", []):
        yield from slots(alternative, build, path)
    if "properties" in schema:
        base = sample(schema)
        for key in [*schema["properties"], UNKNOWN]:

            def put(value: Any, key: str = key) -> Any:
                return build({**base, key: value})

            child = f"{path}.{key}" if path else key
            yield child, put
            if key != UNKNOWN:
                yield from slots(schema["properties"][key], put, child)
    elif isinstance(schema.get("additionalProperties"), dict):
        yield from slots(schema["additionalProperties"], lambda v: build({"k": v}), f"{path}.k")
    if "items" in schema:
        yield f"{path}[0]", lambda v: build([v])
        yield from slots(schema["items"], lambda v: build([v]), f"{path}[0]")


PROBES = [None, True, 0, 1, -1, 2.5, "demo", "s3://b/k", "File", [], ["x"], [1], {}, {"x": 1}]
SLOTS = dict(slots(SCHEMA, lambda v: v, ""))


def test_the_probes_start_from_a_valid_document() -> None:
    assert VALIDATOR.is_valid(sample(SCHEMA))
    parse_job(sample(SCHEMA), source="probe")


def plain_path(path: str) -> str:
    """`path` after the document's location, without list indexes."""
    return re.sub(r"\[\d+\]", "", path.rsplit(":", 1)[-1])


def rule_refuses(spec: JobSpec, path: str) -> bool:
    """Whether a rule reports an error at `path`, inside it, or at a key of that name."""
    key = plain_path(path)
    for finding in check_job(spec):
        found = plain_path(finding.path)
        if finding.severity is Severity.ERROR and (
            found == key
            or found.startswith(f"{key}.")
            or found.endswith(f".{key}")
            or key.endswith(f".{found}")
        ):
            return True
    return False


@pytest.mark.parametrize("path", sorted(SLOTS))
def test_loader_and_schema_agree_at_every_key(path: str) -> None:
    """What the loader refuses the schema refuses; what only the schema refuses (bounds,
    patterns, names) a rule refuses at the same key."""
    for probe in PROBES:
        document = SLOTS[path](probe)
        schema_ok = VALIDATOR.is_valid(document)
        assert DRAFT_7.is_valid(document) == schema_ok, (probe, path)
        try:
            spec = parse_job(document, source="probe")
        except SpecError as error:
            codes = {f.code for f in error.findings}
            assert codes <= STRUCTURAL, (probe, error.findings)
            assert not schema_ok, f"the schema accepts {probe!r} at {path}; the loader: {codes}"
            continue
        if not schema_ok:
            assert rule_refuses(spec, path), f"only the schema refuses {probe!r} at {path}"
