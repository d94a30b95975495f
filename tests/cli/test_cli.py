"""CLI exit codes and output: 0 ok, 1 findings, 2 bad input; never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cdk_sagemaker_training.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "jobs"
RENDER = [
    "--region",
    "us-east-1",
    "--role-arn",
    "arn:aws:iam::111122223333:role/r",
    "--job-name",
    "run-1",
]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_render_prints_the_request(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "render", str(FIXTURES / "minimal.yaml"), *RENDER, "--output-path", "s3://b/o"
    )
    request = json.loads(out)
    assert code == 0
    assert request["TrainingJobName"] == "run-1"
    assert request["HyperParameters"]["sagemaker_job_name"] == '"run-1"'
    assert "TRCOMP101" in err  # warnings go to stderr, the JSON stays clean


def test_render_rule_failure_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((FIXTURES / "minimal.yaml").read_text().replace("ml.p3.2xlarge", "ml.m5.xlarge"))
    code, out, err = run(capsys, "render", str(bad), *RENDER, "--output-path", "s3://b/o")
    assert (code, out) == (1, "")
    assert "ERROR TRCOMP001" in err


@pytest.mark.parametrize(
    ("job", "extra", "fragment"),
    [
        (ROOT / "jobs" / "tensorflow-vpc.yaml", ["--output-path", "s3://b/o"], "--source-uri"),
        (FIXTURES / "minimal.yaml", [], "--output-path"),
    ],
    ids=["local-source-needs-uri", "no-output-path"],
)
def test_render_missing_deploy_values_exits_2(
    capsys: pytest.CaptureFixture[str], job: Path, extra: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, "render", str(job), *RENDER, *extra)
    assert (code, out) == (2, "")
    assert fragment in err


def test_render_bad_job_name_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["render", str(FIXTURES / "minimal.yaml"), *RENDER, "--output-path", "s3://b/o"]
    argv[argv.index("run-1")] = "bad_name"
    code, _, err = run(capsys, *argv)
    assert code == 2 and "--job-name" in err


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "SPEC002"),
        ("name: [\n", "SPEC001"),
        ("- a\n", "SPEC004"),
        ("name: a\ncolour: x\n", "SPEC003"),
    ],
    ids=["empty", "invalid-yaml", "not-a-mapping", "unknown-key"],
)
def test_unreadable_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, code: str
) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(text)
    for argv in (["plan", str(path)], ["render", str(path), *RENDER]):
        exit_code, out, err = run(capsys, *argv)
        assert (exit_code, out) == (2, "")
        assert code in err


def test_plan_table_for_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(ROOT / "jobs"), "--region", "us-east-1")
    assert code == 0, out
    for name in ("hf-bert-compiler", "pytorch-xla-multinode", "tensorflow-vpc"):
        assert name in out
    assert "1800s" in out and "bert-finetune" in out and "0 error(s)" in out


def test_plan_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "plan", str(FIXTURES), "--json")
    data = json.loads(out)
    assert code == 0 and data["ok"] is True
    jobs = {j["job"]: j for j in data["jobs"]}
    assert jobs["hf-tensorflow-isolated"]["keep_alive_period_in_seconds"] == 600
    assert {f["code"] for f in jobs["hf-tensorflow-isolated"]["findings"]} >= {
        "TRCOMP102",
        "WPOOL102",
    }


def test_plan_with_error_findings_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name, volume in (("a", 30), ("b", 60)):
        (tmp_path / f"{name}.yaml").write_text(
            (FIXTURES / "minimal.yaml").read_text().replace("minimal", name)
            + f"volume_size: {volume}\nkeep_alive_period_in_seconds: 60\nwarm_pool_group: g\n"
        )
    code, out, _ = run(capsys, "plan", str(tmp_path), "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert "WPOOL004" in {f["code"] for j in data["jobs"] for f in j["findings"]}


def test_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        main(["render"])
    assert raised.value.code == 2


def test_module_entry_point_never_shows_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_bytes(b"\xff\xfe")
    result = subprocess.run(
        [sys.executable, "-m", "cdk_sagemaker_training", "plan", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "SPEC001" in result.stderr


def test_plan_with_policy(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("max_keep_alive_period_in_seconds: 900\n")
    code, out, _ = run(capsys, "plan", str(ROOT / "jobs"), "--policy", str(policy))
    assert code == 1
    # both jobs of the bert-finetune group and the sweep keep 1800 s
    assert out.count("ERROR POLICY002") == 3
