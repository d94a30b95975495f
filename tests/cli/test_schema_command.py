"""`schema`: the JSON Schema of a job file on stdout, usable by a validator as printed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from cdk_sagemaker_training.cli import main
from cdk_sagemaker_training.core.parsing import read_document

ROOT = Path(__file__).resolve().parents[2]


def test_schema_prints_a_2020_12_schema_that_checks_job_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    validator = Draft202012Validator(schema)
    job = read_document(ROOT / "jobs" / "tensorflow-vpc.yaml", "a job file")
    assert validator.is_valid(job)
    errors = list(validator.iter_errors({**job, "instance_count": "2", "colour": "blue"}))
    assert sorted(e.validator for e in errors) == ["additionalProperties", "type"]


def test_check_jsonschema_validates_job_files_with_the_shipped_schema(tmp_path: Path) -> None:
    """The README's command, with the validator a CI job would run."""
    command = [
        str(Path(sys.executable).parent / "check-jsonschema"),
        "--schemafile",
        str(ROOT / "constructs" / "cdk_sagemaker_training" / "job.schema.json"),
    ]
    examples = sorted(str(p) for p in (ROOT / "jobs").glob("*.yaml"))
    good = subprocess.run([*command, *examples], capture_output=True, text=True)
    assert good.returncode == 0, good.stdout + good.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "jobs" / "tensorflow-vpc.yaml").read_text() + "instance_count: 0\n")
    refused = subprocess.run([*command, str(bad)], capture_output=True, text=True)
    assert refused.returncode == 1 and "instance_count" in refused.stdout, refused.stdout
