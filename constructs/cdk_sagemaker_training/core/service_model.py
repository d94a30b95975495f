"""Facts read from the installed botocore SageMaker model (bounds, enums, validation).

The model file is read directly (`botocore/data/sagemaker/<newest API version>/service-2.json.gz`,
the file `botocore.session` would load). The rules read its shapes through `ModelShape`,
the part of `botocore.model.Shape` they use (type, metadata, members), so synthesis and
`plan` import neither `botocore.session` (client, waiter and docs machinery) nor
`botocore.model` (which pulls in botocore's HTTP stack). `validation_errors` runs
botocore's own `ParamValidator` on `botocore.model.ServiceModel` of the same file.
tests/core/test_service_model.py checks that every shape reads the same both ways.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import OperationModel

SERVICE_NAME = "sagemaker"
CREATE_TRAINING_JOB = "CreateTrainingJob"
MODEL_FILE = "service-2.json"


def model_file() -> Path:
    """The installed SageMaker model: the newest API version, gzipped or not."""
    spec = importlib.util.find_spec("botocore")  # a top-level name: nothing is executed
    assert spec is not None and spec.submodule_search_locations  # botocore is a dependency
    service = Path(next(iter(spec.submodule_search_locations))) / "data" / SERVICE_NAME
    candidates = [*service.glob(f"*/{MODEL_FILE}.gz"), *service.glob(f"*/{MODEL_FILE}")]
    return max(candidates, key=lambda path: (path.parent.name, path.suffix == ".json"))


METADATA_KEYS = (
    "required",
    "min",
    "max",
    "pattern",
    "sensitive",
    "enum",
    "idempotencyToken",
    "error",
    "exception",
    "endpointdiscoveryid",
    "retryable",
    "document",
    "union",
    "contextParam",
    "clientContextParams",
    "requiresLength",
)
"""The shape keys botocore reports as a shape's `metadata` (`Shape.METADATA_ATTRS`)."""


@functools.cache
def service_definition() -> dict[str, Any]:
    """The installed SageMaker model, as its JSON."""
    path = model_file()
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    definition: dict[str, Any] = json.loads(raw)
    return definition


class ModelShape:
    """One shape of the model, read the way `botocore.model.Shape` reads it."""

    def __init__(self, name: str, model: Mapping[str, Any]) -> None:
        self.name = name
        self._model = model
        self.type_name: str = model["type"]
        self.metadata: dict[str, Any] = {k: model[k] for k in METADATA_KEYS if k in model}

    def _ref(self, key: str) -> ModelShape:
        return _shape(self._model[key]["shape"])

    @functools.cached_property
    def members(self) -> dict[str, ModelShape]:
        """A structure's members, in model order."""
        refs = self._model.get("members", {})
        return {member: _shape(ref["shape"]) for member, ref in refs.items()}

    @property
    def member(self) -> ModelShape:
        """A list's item shape."""
        return self._ref("member")

    @property
    def key(self) -> ModelShape:
        """A map's key shape."""
        return self._ref("key")

    @property
    def value(self) -> ModelShape:
        """A map's value shape."""
        return self._ref("value")

    @property
    def enum(self) -> list[str]:
        """The values of an enum string (empty for other shapes)."""
        values: list[str] = self.metadata.get("enum", [])
        return values


@functools.cache
def _shape(name: str) -> ModelShape:
    return ModelShape(name, service_definition()["shapes"][name])


@functools.cache
def create_training_job_model() -> OperationModel:
    """The `CreateTrainingJob` operation as botocore models it (for `ParamValidator`)."""
    from botocore.model import ServiceModel

    model = ServiceModel(service_definition(), service_name=SERVICE_NAME)
    return model.operation_model(CREATE_TRAINING_JOB)


def input_shape() -> ModelShape:
    """The `CreateTrainingJob` input structure."""
    return _shape(service_definition()["operations"][CREATE_TRAINING_JOB]["input"]["shape"])


def request_shape(*path: str) -> ModelShape:
    """The shape at `path` under the `CreateTrainingJob` input (e.g. `ResourceConfig`)."""
    shape = input_shape()
    for name in path:
        shape = shape.members[name]
    return shape


def bounds(*path: str) -> tuple[int | None, int | None]:
    """The `(min, max)` the model declares for a numeric field."""
    metadata = request_shape(*path).metadata
    return metadata.get("min"), metadata.get("max")


def enum_values(*path: str) -> tuple[str, ...]:
    """The values the model allows for an enum field."""
    return tuple(request_shape(*path).enum)


def job_name_pattern() -> str:
    """The `TrainingJobName` pattern of the model."""
    pattern: str = request_shape("TrainingJobName").metadata["pattern"]
    return pattern


def validation_errors(request: dict[str, Any]) -> str | None:
    """botocore's parameter validation report for a request, or None when it passes."""
    from botocore.validate import ParamValidator

    input_model = create_training_job_model().input_shape
    assert input_model is not None  # CreateTrainingJob always has input
    report = ParamValidator().validate(request, input_model)
    return report.generate_report() if report.has_errors() else None
