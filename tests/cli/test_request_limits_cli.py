"""`plan` and `render` report the API model's limits with a code and the job-file key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdk_sagemaker_training.cli import main

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = ROOT / "tests" / "fixtures" / "jobs" / "minimal.yaml"
RENDER = ["--region", "us-east-1", "--role-arn", "arn:aws:iam::111122223333:role/r"]


def with_tags(tmp_path: Path, count: int) -> Path:
    tags = "".join(f"  t{i}: v\n" for i in range(count))
    path = tmp_path / "tagged.yaml"
    path.write_text(MINIMAL.read_text() + f"tags:\n{tags}")
    return path


@pytest.mark.parametrize(("count", "exit_code"), [(51, 1), (50, 0)], ids=["51-tags", "50-tags"])
def test_plan_reports_model_limits(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, count: int, exit_code: int
) -> None:
    assert main(["plan", str(with_tags(tmp_path, count)), "--json"]) == exit_code
    findings = json.loads(capsys.readouterr().out)["jobs"][0]["findings"]
    api = [f for f in findings if f["code"] == "API001"]
    assert [f["path"].rsplit(":", 1)[1] for f in api] == (["tags"] if count > 50 else [])


def test_render_reports_model_limits_of_the_job_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = ["render", str(with_tags(tmp_path, 51)), *RENDER, "--job-name", "r-1"]
    assert main([*argv, "--output-path", "s3://b/o"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "API001" in err and ":tags" in err


@pytest.mark.parametrize(
    ("output_path", "exit_code"), [("s3:///o", 1), ("s3://b/o", 0)], ids=["no-bucket", "ok"]
)
def test_render_checks_the_values_given_on_the_command_line(
    capsys: pytest.CaptureFixture[str], output_path: str, exit_code: int
) -> None:
    argv = ["render", str(MINIMAL), *RENDER, "--job-name", "r-1", "--output-path", output_path]
    assert main(argv) == exit_code
    err = capsys.readouterr().err
    assert ("API001" in err and ":output_path" in err) is (exit_code == 1)
