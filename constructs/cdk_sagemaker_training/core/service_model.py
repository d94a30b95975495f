"""Facts read from the installed botocore SageMaker model (bounds, enums, validation)."""

from __future__ import annotations

import functools
from typing import Any

import botocore.session
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

CREATE_TRAINING_JOB = "CreateTrainingJob"


@functools.cache
def create_training_job_model() -> OperationModel:
    """The `CreateTrainingJob` operation of the installed botocore model."""
    model = botocore.session.get_session().get_service_model("sagemaker")
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
