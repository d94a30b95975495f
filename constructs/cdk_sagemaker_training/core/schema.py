"""The JSON Schema (draft 2020-12) of a job file, generated from `core.grammar`.

`cdk-sagemaker-training schema` prints it; the package ships it as `job.schema.json`
(regenerated with `make schema`; a test keeps the shipped file equal to this one).
"""

from __future__ import annotations

import json
from typing import Any

from cdk_sagemaker_training.core.grammar import JOB_FILE

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:cdk-sagemaker-training:job-file"
TITLE = "cdk-sagemaker-training job file"
SHIPPED_FILE = "job.schema.json"
"""The schema's file name in the package (`cdk_sagemaker_training/job.schema.json`)."""


def job_schema() -> dict[str, Any]:
    """The JSON Schema of one job file."""
    return {"$schema": DIALECT, "$id": SCHEMA_ID, "title": TITLE, **JOB_FILE.schema()}


def schema_text() -> str:
    """`job_schema()` as the shipped file spells it (indented JSON, newline at the end)."""
    return json.dumps(job_schema(), indent=2, ensure_ascii=False) + "\n"
