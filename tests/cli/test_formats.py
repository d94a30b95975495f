"""`plan --format`: table, json (and its `--json` alias), github annotations and SARIF."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.cli import main
from cdk_sagemaker_training.cli.github import command, escape_data, escape_property
from cdk_sagemaker_training.cli.rules import codes

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "jobs"
MULTITOOL = ROOT / "node_modules" / ".bin" / "sarif-multitool"
HEADER = "# yaml-language-server: $schema=../schema.json\n"
GOOD = HEADER + (FIXTURES / "minimal.yaml").read_text()
END = GOOD.count("\n")
"""Lines in `GOOD`: a key appended to it is on line `END + 1`."""
BAD_KEY = GOOD + "instance_count: 1\nbogus_key: 1\n"  # SPEC003 at END + 2, column 1
RULE_ERROR = GOOD + "volume_size: 0\n"  # an API bound at END + 1, column 1


def plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository-like folder (`.git` marks its root) with `jobs/`, as the current folder."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "jobs").mkdir()
    monkeypatch.chdir(tmp_path)
    return Path("jobs")


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("50% done", "50%25 done"),
        ("two\nlines\r", "two%0Alines%0D"),
        ("a:b,c", "a:b,c"),
    ],
)
def test_escape_data(text: str, escaped: str) -> None:
    assert escape_data(text) == escaped


def test_escape_property_also_escapes_colon_and_comma() -> None:
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    assert command("error", "m", {"file": "x,y.yaml", "line": None}) == "::error file=x%2Cy.yaml::m"
    assert command("notice", "m", {}) == "::notice::m"


def test_github_annotates_a_bad_file_at_its_line_and_exits_2(
    capsys: pytest.CaptureFixture[str], jobs: Path
) -> None:
    (jobs / "bad.yaml").write_text(BAD_KEY)
    code, out, _ = plan(capsys, str(jobs), "--format", "github")
    assert code == 2
    assert out.startswith(
        f"::error file=jobs/bad.yaml,line={END + 2},col=1,title=SPEC003::bogus_key: unknown key"
    )


def test_github_rule_errors_exit_1_and_warnings_are_warnings(
    capsys: pytest.CaptureFixture[str], jobs: Path
) -> None:
    (jobs / "a.yaml").write_text(RULE_ERROR)
    code, out, _ = plan(capsys, str(jobs), "--format", "github")
    lines = out.splitlines()
    assert code == 1
    assert any(
        line.startswith(f"::error file=jobs/a.yaml,line={END + 1},col=1,title=")
        and "volume_size" in line
        for line in lines
    ), out
    assert any(line.startswith("::warning file=jobs/a.yaml,") for line in lines)  # TRCOMP1xx
    assert lines[-1].startswith("1 job(s), ")


def test_json_alias_and_positions(capsys: pytest.CaptureFixture[str], jobs: Path) -> None:
    (jobs / "a.yaml").write_text(RULE_ERROR)
    _, alias, _ = plan(capsys, str(jobs), "--json")
    code, out, _ = plan(capsys, str(jobs), "--format", "json")
    assert code == 1 and alias == out
    data = json.loads(out)
    findings = data["jobs"][0]["findings"]
    assert {(f["file"], f["line"]) for f in findings if f["path"].endswith("volume_size")} == {
        ("jobs/a.yaml", END + 1)
    }
    assert data["findings"] == [] and "changes" not in data


def test_json_reports_input_errors_on_stdout(
    capsys: pytest.CaptureFixture[str], jobs: Path
) -> None:
    (jobs / "bad.yaml").write_text(BAD_KEY)
    code, out, err = plan(capsys, str(jobs), "--format", "json")
    data = json.loads(out)
    assert (code, err, data["ok"], data["jobs"]) == (2, "", False, [])
    assert [(f["code"], f["line"], f["column"]) for f in data["findings"]] == [
        ("SPEC003", END + 2, 1)
    ]


def test_table_keeps_input_errors_on_stderr(capsys: pytest.CaptureFixture[str], jobs: Path) -> None:
    (jobs / "bad.yaml").write_text(BAD_KEY)
    code, out, err = plan(capsys, str(jobs))
    assert (code, out) == (2, "") and "SPEC003" in err


def sarif_of(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = plan(capsys, *argv, "--format", "sarif")
    return code, json.loads(out)


def test_sarif_results_rules_and_locations(capsys: pytest.CaptureFixture[str], jobs: Path) -> None:
    (jobs / "a.yaml").write_text(RULE_ERROR)
    code, log = sarif_of(capsys, str(jobs))
    [run] = log["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert code == 1 and log["version"] == "2.1.0"
    assert [r["id"] for r in rules] == [c.code for c in codes()]  # the whole registry
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    [error] = [r for r in run["results"] if r["level"] == "error"]
    location = error["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "jobs/a.yaml", "uriBaseId": "SRCROOT"}
    assert location["region"] == {"startLine": END + 1, "startColumn": 1}
    assert run["originalUriBaseIds"]["SRCROOT"]["uri"] == Path.cwd().as_uri() + "/"
    sourced = next(c for c in codes() if c.source is not None)
    assert rules[[r["id"] for r in rules].index(sourced.code)]["helpUri"] == sourced.source


def validate(logs: list[Path], out: Path) -> set[tuple[str, str]]:
    """Microsoft's SARIF Multitool `validate`: (rule, level) of each of its results."""
    if shutil.which("node") is None or not MULTITOOL.exists():
        pytest.fail("run `make install`: the SARIF Multitool comes from package.json")
    subprocess.run(
        [str(MULTITOOL), "validate", *map(str, logs), "--output", str(out)],
        capture_output=True,
        check=True,
        timeout=300,
    )
    [run] = json.loads(out.read_text())["runs"]
    assert run["invocations"][0]["executionSuccessful"] is True
    return {(r["ruleId"], r.get("level", "warning")) for r in run["results"]}  # SARIF's default


def test_sarif_multitool_validates_every_kind_of_log(
    capsys: pytest.CaptureFixture[str], jobs: Path, tmp_path: Path
) -> None:
    """Examples (warnings only), an unreadable file (input error), rule errors, and a log
    from a file outside the repository (absolute URI): no validation errors."""
    logs = []
    for name, text in (("bad", BAD_KEY), ("rule", RULE_ERROR)):
        (jobs / f"{name}.yaml").write_text(text)
        _, log = sarif_of(capsys, str(jobs / f"{name}.yaml"))
        logs.append(log)
    _, examples = sarif_of(capsys, str(ROOT / "jobs"))
    logs.append(examples)
    paths = []
    for index, log in enumerate(logs):
        paths.append(tmp_path / f"log{index}.sarif")
        paths[-1].write_text(json.dumps(log))
    # The only remark: no `informationUri` (the package has no public home page).
    assert validate(paths, tmp_path / "validation.sarif") <= {("SARIF2005", "warning")}


def test_sarif_multitool_catches_a_broken_log(tmp_path: Path) -> None:
    """The check can fail: a relative URI that starts with a slash (SARIF1004)."""
    log = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x", "rules": [{"id": "X001"}]}},
                "originalUriBaseIds": {"SRCROOT": {"uri": "file:///repo/"}},
                "results": [
                    {
                        "ruleId": "X001",
                        "message": {"text": "m."},
                        "locations": [
                            {
                                "physicalLocation": {
                                    "artifactLocation": {"uri": "/abs.yaml", "uriBaseId": "SRCROOT"}
                                }
                            }
                        ],
                    }
                ],
            }
        ],
    }
    path = tmp_path / "broken.sarif"
    path.write_text(json.dumps(log))
    assert ("SARIF1004", "error") in validate([path], tmp_path / "validation.sarif")
