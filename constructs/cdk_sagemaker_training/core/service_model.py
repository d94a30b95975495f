"""Facts read from the installed botocore SageMaker model (bounds, enums, validation).

The model file is read directly (`botocore/data/sagemaker/<newest API version>/service-2.json.gz`,
the file `botocore.session` would load) into `botocore.model.ServiceModel`: importing
`botocore.session` pulls in the client, waiter and docs machinery, which `plan` never needs.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
from pathlib import Path
from typing import Any

from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

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


@functools.cache
def create_training_job_model() -> OperationModel:
    """The `CreateTrainingJob` operation of the installed botocore model."""
    path = model_file()
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    model = ServiceModel(json.loads(raw), service_name=SERVICE_NAME)
    return model.operation_model(CREATE_TRAINING_JOB)


def input_shape() -> Shape:
    """The `CreateTrainingJob` input structure."""
    shape = create_training_job_model().input_shape
    assert shape is not None  # CreateTrainingJob always has input
    return shape


def request_shape(*path: str) -> Shape:
    """The shape at `path` under the `CreateTrainingJob` input (e.g. `ResourceConfig`)."""
    shape = input_shape()
    for name in path:
        shape = shape.members[name]  # type: ignore[attr-defined]
    return shape


def bounds(*path: str) -> tuple[int | None, int | None]:
    """The `(min, max)` the model declares for a numeric field."""
    metadata = request_shape(*path).metadata
    return metadata.get("min"), metadata.get("max")


def enum_values(*path: str) -> tuple[str, ...]:
    """The values the model allows for an enum field."""
    return tuple(request_shape(*path).enum)  # type: ignore[attr-defined]


def job_name_pattern() -> str:
    """The `TrainingJobName` pattern of the model."""
    pattern: str = request_shape("TrainingJobName").metadata["pattern"]
    return pattern


def validation_errors(request: dict[str, Any]) -> str | None:
    """botocore's parameter validation report for a request, or None when it passes."""
    report = ParamValidator().validate(request, input_shape())
    return report.generate_report() if report.has_errors() else None
