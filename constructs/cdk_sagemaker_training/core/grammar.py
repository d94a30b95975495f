"""The job-file grammar: one declaration per key, read by the loader and the JSON Schema.

Each shape reads a value at a path (a `Parser`: problems become SPEC findings in a
`Collector`) and describes the values it reads as JSON Schema, so `core.loader` and
`cdk-sagemaker-training schema` cannot disagree on a key, its type, a closed set or what is
required. Descriptions and defaults come from the model's dataclass fields (`field_docs.doc`).
Bounds, patterns and names that a rule checks rather than the loader (`minimum`, `api`,
`pattern`, `names`) only go into the schema, from the constants and the botocore model the
rules read: an editor flags them early, `plan` reports them with the rule's code.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.distribution import DistributionKey
from cdk_sagemaker_training.core.field_docs import DOC
from cdk_sagemaker_training.core.findings import Severity
from cdk_sagemaker_training.core.model import (
    JOB_NAME_PATTERN,
    JOB_NAME_PREFIX_MAX_LENGTH,
    MAX_RUN_LIMIT,
    S3_URI_PATTERN,
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
    SPEC004,
    SPEC005,
    Collector,
    boolean,
    check_keys,
    choice,
    integer,
    join,
    mapping,
    positive_integer,
    scalar,
    string,
    string_list,
)
from cdk_sagemaker_training.core.sweep import Goal, Objective, OnTrialFailure, SweepSpec

SPEC013 = define(
    "SPEC013",
    Severity.ERROR,
    "Keys that exclude each other",
    "Keep one of the keys named",
)
Json = dict[str, Any]


def _api_bounds(path: tuple[str, ...]) -> tuple[int | None, int | None]:
    """The botocore model's bounds at a request path; botocore loads only for the schema
    (importing the loader must stay cheap)."""
    from cdk_sagemaker_training.core.service_model import bounds

    return bounds(*path) if path else (None, None)


def _api_values(path: tuple[str, ...]) -> list[str] | None:
    """The values the botocore model allows at a request path, when `path` is given."""
    from cdk_sagemaker_training.core.service_model import enum_values

    return list(enum_values(*path)) if path else None


class Shape(ABC):
    """How one value of a job file is read (`__call__`) and described (`schema`)."""

    @abstractmethod
    def __call__(self, out: Collector, value: Any, path: str) -> Any:
        """The value read at `path`, or None after recording what is wrong in `out`."""

    @abstractmethod
    def schema(self) -> Json:
        """The JSON Schema of the values this shape reads."""


def _given(schema: Json) -> Json:
    """`schema` without the keywords left unset (None)."""
    return {key: value for key, value in schema.items() if value is not None}


@dataclass(frozen=True)
class Text(Shape):
    """A string. Schema only: `pattern` (matched whole), `max_length`, and the values the
    botocore model allows at the request path `api`."""

    pattern: str | None = None
    max_length: int | None = None
    api: tuple[str, ...] = ()

    def __call__(self, out: Collector, value: Any, path: str) -> str | None:
        return string(out, value, path)

    def schema(self) -> Json:
        return _given(
            {
                "type": "string",
                "pattern": None if self.pattern is None else f"^(?:{self.pattern})$",
                "maxLength": self.max_length,
                "enum": _api_values(self.api),
            }
        )


@dataclass(frozen=True)
class Whole(Shape):
    """An integer. Schema only: `minimum`, `maximum` and the botocore bounds of `api`."""

    minimum: int | None = None
    maximum: int | None = None
    api: tuple[str, ...] = ()

    def __call__(self, out: Collector, value: Any, path: str) -> int | None:
        return integer(out, value, path)

    def schema(self) -> Json:
        low, high = _api_bounds(self.api)
        lows = [b for b in (self.minimum, low) if b is not None]
        highs = [b for b in (self.maximum, high) if b is not None]
        return _given(
            {
                "type": "integer",
                "minimum": max(lows) if lows else None,
                "maximum": min(highs) if highs else None,
            }
        )


@dataclass(frozen=True)
class Count(Shape):
    """An integer of at least 1, checked by the loader."""

    def __call__(self, out: Collector, value: Any, path: str) -> int | None:
        return positive_integer(out, value, path)

    def schema(self) -> Json:
        return {"type": "integer", "minimum": 1}


@dataclass(frozen=True)
class Scalar(Shape):
    """A string, number or boolean."""

    def __call__(self, out: Collector, value: Any, path: str) -> str | int | float | bool | None:
        return scalar(out, value, path)

    def schema(self) -> Json:
        return {"type": ["string", "number", "boolean"]}


@dataclass(frozen=True)
class Flag(Shape):
    """`true` or `false`."""

    def __call__(self, out: Collector, value: Any, path: str) -> bool | None:
        return boolean(out, value, path)

    def schema(self) -> Json:
        return {"type": "boolean"}


@dataclass(frozen=True)
class OneOf(Shape):
    """One value of a closed set (the literal API strings of a `StrEnum`)."""

    values: type[StrEnum]

    def __call__(self, out: Collector, value: Any, path: str) -> StrEnum | None:
        return choice(out, value, path, self.values)

    def schema(self) -> Json:
        return {"type": "string", "enum": [member.value for member in self.values]}


@dataclass(frozen=True)
class Texts(Shape):
    """A list of strings."""

    def __call__(self, out: Collector, value: Any, path: str) -> tuple[str, ...] | None:
        return string_list(out, value, path)

    def schema(self) -> Json:
        return {"type": "array", "items": {"type": "string"}}


@dataclass(frozen=True)
class Map(Shape):
    """A mapping of names to `values` (environment, tags), or, without `values`, to any
    value but null (hyperparameters)."""

    values: Shape | None = None

    def __call__(self, out: Collector, value: Any, path: str) -> Mapping[str, Any] | None:
        data = mapping(out, value, path)
        if data is None:
            return None
        result = {}
        for key, item in data.items():
            item_path = join(path, str(key))
            if self.values is not None:
                item = self.values(out, item, item_path)
            elif item is None:
                out.wrong_type(item_path, "a value", item)
            result[str(key)] = item
        return frozen_mapping(result)

    def schema(self) -> Json:
        values = self.values.schema() if self.values else {"not": {"type": "null"}}
        return {"type": "object", "additionalProperties": values}


@dataclass(frozen=True)
class Settings(Shape):
    """A mapping of string names to free-form settings. Schema only: the known `names`,
    each a mapping (a rule rejects other names and values)."""

    names: tuple[str, ...]

    def __call__(self, out: Collector, value: Any, path: str) -> Mapping[str, Any] | None:
        data = mapping(out, value, path)
        if data is None:
            return None
        for key in data:
            if not isinstance(key, str):
                out.add(SPEC004, join(path, str(key)), f"names are strings, received {key!r}")
        return frozen_mapping(data)

    def schema(self) -> Json:
        return {
            "type": "object",
            "properties": {name: {"type": "object"} for name in self.names},
            "additionalProperties": False,
        }


@dataclass(frozen=True)
class Record(Shape):
    """A mapping with fixed keys that builds the dataclass `model`.

    `keys`: file key -> shape; `fields`: file keys whose model field is named otherwise;
    `required`: keys that must be present; `one_of`: keys of which exactly one must be.
    With `nullable`, a null value means "use the default" (the top level of a job file).
    """

    model: type
    keys: Mapping[str, Shape]
    required: tuple[str, ...] = ()
    one_of: tuple[str, ...] = ()
    fields: Mapping[str, str] | None = None
    nullable: bool = False

    def field(self, key: str) -> str:
        """The model field that file key `key` sets."""
        return (self.fields or {}).get(key, key)

    def __call__(self, out: Collector, value: Any, path: str) -> Any:
        return self.build(out, value, path)

    def build(self, out: Collector, value: Any, path: str, **fixed: Any) -> Any:
        """The model value read at `path`, with `fixed` fields that are not file keys."""
        data = mapping(out, value, path)
        if data is None:
            return None
        check_keys(out, data, tuple(self.keys), path)
        given = {k: v for k, v in data.items() if not (self.nullable and v is None)}
        missing = [key for key in self.required if key not in given]
        for key in missing:
            out.add(SPEC005, join(path, key), f"missing required key {key!r}")
        chosen = [key for key in self.one_of if key in given]
        if self.one_of and not chosen:
            names = " or ".join(map(repr, self.one_of))
            missing.append(self.one_of[0])
            out.add(SPEC005, join(path, self.one_of[0]), f"missing {names}")
        elif len(chosen) > 1:
            missing.append(chosen[-1])
            names = " and ".join(map(repr, chosen))
            out.add(SPEC013, join(path, chosen[-1]), f"received {names}; use one of them")
        values = {
            self.field(key): self.keys[key](out, item, join(path, key))
            for key, item in given.items()
            if key in self.keys
        }
        if missing or None in values.values():
            return None
        return self.model(**values, **fixed)

    def schema(self) -> Json:
        docs = {f.name: f for f in fields(self.model)}
        properties = {}
        for key, shape in self.keys.items():
            model_field = docs[self.field(key)]
            default = model_field.default
            described = _given(
                {
                    "description": model_field.metadata[DOC],
                    "default": default if isinstance(default, str | int | bool) else None,
                }
            )
            schema = shape.schema()
            schema.pop("description", None)  # the key's description, not its record's
            if self.nullable and key not in self.required:
                schema = _or_null(schema)
            properties[key] = described | schema
        return _given(
            {
                "type": "object",
                "description": (self.model.__doc__ or "").strip().splitlines()[0],
                "properties": properties,
                "required": list(self.required) or None,
                "oneOf": [
                    {
                        "type": "object",
                        "required": [key],
                        "properties": {key: {"not": {"type": "null"}}},
                    }
                    for key in self.one_of
                ]
                or None,
                "additionalProperties": False,
            }
        )


def _or_null(schema: Json) -> Json:
    """`schema` that also accepts null."""
    result = schema | {"type": [schema["type"], "null"]}
    for options in ("enum", "oneOf"):
        if options in schema:
            result[options] = [*schema[options], None if options == "enum" else {"type": "null"}]
    return result


@dataclass(frozen=True)
class ListOf(Shape):
    """A list of `item`s; `what` names it in messages."""

    item: Shape
    what: str

    def __call__(self, out: Collector, value: Any, path: str) -> tuple[Any, ...] | None:
        if not isinstance(value, list):
            out.wrong_type(path, self.what, value)
            return None
        items = [self.item(out, item, join(path, index)) for index, item in enumerate(value)]
        return tuple(item for item in items if item is not None)

    def schema(self) -> Json:
        return {"type": "array", "items": self.item.schema()}


@dataclass(frozen=True)
class Channels(Shape):
    """Input channels: name -> a channel record, or its `s3_data` alone."""

    channel: Record

    def __call__(self, out: Collector, value: Any, path: str) -> tuple[Channel, ...] | None:
        data = mapping(out, value, path)
        if data is None:
            return None
        channels = [
            self.channel.build(
                out,
                {"s3_data": item} if isinstance(item, str) else item,
                join(path, str(name)),
                name=str(name),
            )
            for name, item in data.items()
        ]
        return tuple(channel for channel in channels if channel is not None)

    def schema(self) -> Json:
        return {
            "type": "object",
            "additionalProperties": {
                "anyOf": [self.channel.keys["s3_data"].schema(), self.channel.schema()]
            },
        }


S3_URI = Text(pattern=S3_URI_PATTERN.pattern)
INSTANCE_TYPE = Text(api=("ResourceConfig", "InstanceType"))
POSITIVE = Whole(minimum=1)

COMPILER_CONFIG = Record(CompilerConfig, {"enabled": Flag(), "debug": Flag()})
CHANNEL = Record(
    Channel,
    {
        "s3_data": S3_URI,
        "distribution": OneOf(S3DataDistribution),
        "input_mode": OneOf(InputMode),
        "content_type": Text(),
        "compression": OneOf(Compression),
    },
    required=("s3_data",),
)
INSTANCE_GROUP = Record(
    InstanceGroup,
    {"instance_group_name": Text(), "instance_type": INSTANCE_TYPE, "instance_count": POSITIVE},
    required=("instance_group_name", "instance_type", "instance_count"),
)
METRIC_DEFINITION = Record(
    MetricDefinition,
    {"Name": Text(), "Regex": Text()},
    required=("Name", "Regex"),
    fields={"Name": "name", "Regex": "regex"},
)
OBJECTIVE = Record(Objective, {"metric": Text(), "goal": OneOf(Goal)}, required=("metric",))
SWEEP = Record(
    SweepSpec,
    {
        "parameters": Map(ListOf(Scalar(), "a list of values")),
        "trials": ListOf(Map(Scalar()), "a list of hyperparameter mappings"),
        "lanes": Count(),
        "objective": OBJECTIVE,
        "max_trials": Count(),
        "on_trial_failure": OneOf(OnTrialFailure),
    },
    required=("objective",),
    one_of=("parameters", "trials"),
    fields={"trials": "explicit_trials"},
    nullable=True,
)

JOB_FILE = Record(
    JobSpec,
    {
        "name": Text(pattern=JOB_NAME_PATTERN.pattern, max_length=JOB_NAME_PREFIX_MAX_LENGTH),
        "framework": OneOf(Framework),
        "entry_point": Text(),
        "transformers_version": Text(),
        "pytorch_version": Text(),
        "tensorflow_version": Text(),
        "framework_version": Text(),
        "py_version": Text(),
        "image_uri": Text(),
        "compiler_config": COMPILER_CONFIG,
        "source_dir": Text(),
        "instance_type": INSTANCE_TYPE,
        "instance_count": POSITIVE,
        "volume_size": POSITIVE,
        "volume_kms_key": Text(),
        "instance_groups": ListOf(INSTANCE_GROUP, "a list of instance groups"),
        "keep_alive_period_in_seconds": Whole(api=("ResourceConfig", "KeepAlivePeriodInSeconds")),
        "warm_pool_group": Text(),
        "use_warm_pool_cache": Flag(),
        "hyperparameters": Map(),
        "environment": Map(Text()),
        "tags": Map(Text()),
        "distribution": Settings(tuple(DistributionKey)),
        "inputs": Channels(CHANNEL),
        "input_mode": OneOf(InputMode),
        "output_path": S3_URI,
        "output_kms_key": Text(),
        "max_run": Whole(maximum=MAX_RUN_LIMIT, api=("StoppingCondition", "MaxRuntimeInSeconds")),
        "use_spot_instances": Flag(),
        "max_wait": Whole(api=("StoppingCondition", "MaxWaitTimeInSeconds")),
        "checkpoint_s3_uri": S3_URI,
        "checkpoint_local_path": Text(),
        "max_retry_attempts": Whole(api=("RetryStrategy", "MaximumRetryAttempts")),
        "subnets": Texts(),
        "security_group_ids": Texts(),
        "enable_network_isolation": Flag(),
        "encrypt_inter_container_traffic": Flag(),
        "disable_profiler": Flag(),
        "metric_definitions": ListOf(METRIC_DEFINITION, "a list of {Name, Regex} mappings"),
        "role": Text(),
        "max_concurrent_runs": POSITIVE,
        "sweep": SWEEP,
        "stack": Text(),
    },
    required=("name", "framework", "entry_point"),
    nullable=True,
)
"""A job file: every key a `JobSpec` field of the same name."""
