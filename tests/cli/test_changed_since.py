"""`plan --changed-since REF` in a temporary git repository: what changed, and the blast
radius (launchers replaced, jobs moving stack), in every format."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from cdk_sagemaker_training.cli import main

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "jobs"
MINIMAL = "".join(  # without its own modeline: `job()` writes one
    line
    for line in (FIXTURES / "minimal.yaml").read_text().splitlines(keepends=True)
    if not line.startswith("# yaml-language-server:")
)


def job(name: str, extra: str = "") -> str:
    return (
        "# yaml-language-server: $schema=../schema.json\n"
        + MINIMAL.replace("name: minimal", f"name: {name}").replace("minimal/", f"{name}/")
        + extra
    )


def git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with five jobs committed on `main`, then edited in the working tree:
    `keep` unchanged, `tuned` changed, `old-name` renamed, `gone` removed, `pinned`
    moved to a pinned stack, `fresh` added (in a subfolder), plus a comment-only edit."""
    monkeypatch.chdir(tmp_path)
    jobs = Path("jobs")
    (jobs / "team").mkdir(parents=True)
    files = {
        "keep": job("keep"),
        "tuned": job("tuned"),
        "renamed": job("old-name"),
        "gone": job("gone"),
        "pinned": job("pinned"),
        "comment": job("comment"),
    }
    for stem, text in files.items():
        (jobs / f"{stem}.yaml").write_text(text)
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "base")
    (jobs / "tuned.yaml").write_text(job("tuned", "volume_size: 60\n"))
    (jobs / "renamed.yaml").write_text(job("new-name"))
    (jobs / "gone.yaml").unlink()
    (jobs / "pinned.yaml").write_text(job("pinned", "stack: team\n"))
    (jobs / "comment.yaml").write_text("# reviewed\n" + files["comment"])
    (jobs / "team" / "fresh.yaml").write_text(job("fresh"))
    return jobs


def plan(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["plan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_lists_changes_and_flags_replacements(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    code, out, _ = plan(capsys, str(repo), "--changed-since", "main", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["changed_since"] == "main"
    changes = {c["job"]: c for c in data["changes"]}
    assert {name: c["kind"] for name, c in changes.items()} == {
        "fresh": "added",
        "new-name": "renamed",
        "pinned": "changed",
        "tuned": "changed",
        "gone": "removed",
    }
    assert changes["new-name"]["previous_job"] == "old-name"
    assert changes["new-name"]["replaces_launcher"] and not changes["tuned"]["replaces_launcher"]
    assert (changes["pinned"]["previous_stack"], changes["pinned"]["stack"]) == (
        "TrainingJobs1",
        "TrainingJobs-team",
    )
    assert changes["gone"]["previous_file"] == "jobs/gone.yaml"
    assert changes["fresh"]["file"] == "jobs/team/fresh.yaml"
    flagged = {(f["code"], f["file"], f["line"]) for f in data["findings"]}
    assert flagged == {("DIFF101", "jobs/renamed.yaml", 2), ("DIFF102", "jobs/pinned.yaml", 10)}


def test_github_annotates_replacements_and_notes_each_change(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    code, out, _ = plan(capsys, str(repo), "--changed-since", "main", "--format", "github")
    lines = out.splitlines()
    assert code == 0
    assert "::warning file=jobs/pinned.yaml,line=10,col=1,title=DIFF102::stack: job 'pinned'" in out
    assert any(line.startswith("::warning file=jobs/renamed.yaml,line=2,") for line in lines)
    notices = [line for line in lines if line.startswith("::notice")]
    assert len(notices) == 5
    assert "::notice title=removed%3A gone::job gone removed since main" not in out  # has a file
    assert any(
        line.startswith("::notice file=jobs/gone.yaml,title=removed%3A gone::") for line in notices
    )


def test_github_writes_the_changes_to_the_step_summary(
    capsys: pytest.CaptureFixture[str],
    repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    plan(capsys, str(repo), "--changed-since", "main", "--format", "github")
    lines = summary.read_text().splitlines()
    assert lines[:3] == ["earlier step", "### Training jobs changed since `main`", ""]
    assert lines[3] == "| change | job | file | stack | launcher |"
    assert (
        "| renamed | old-name -> new-name | jobs/renamed.yaml | TrainingJobs1 | replaced |" in lines
    )
    assert len(lines) == 3 + 2 + 5


def test_table_and_sarif_carry_the_changes(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    _, table, _ = plan(capsys, str(repo), "--changed-since", "main")
    assert "Changes since main:" in table
    assert "renamed  old-name -> new-name" in table and "replaced" in table
    assert "TrainingJobs1 -> TrainingJobs-team" in table
    _, out, _ = plan(capsys, str(repo), "--changed-since", "main", "--format", "sarif")
    [run] = json.loads(out)["runs"]
    assert run["properties"]["changedSince"] == "main"
    assert len(run["properties"]["changes"]) == 5
    assert {"DIFF101", "DIFF102"} <= {r["ruleId"] for r in run["results"]}


def test_no_change_lists_nothing(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "edit")
    code, out, _ = plan(capsys, str(repo), "--changed-since", "HEAD", "--format", "json")
    data = json.loads(out)
    assert (code, data["changes"], data["findings"]) == (0, [], [])


def test_a_job_file_that_was_broken_at_the_ref_shows_as_added(
    capsys: pytest.CaptureFixture[str], repo: Path
) -> None:
    (repo / "keep.yaml").write_text("name: [\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "break")
    (repo / "keep.yaml").write_text(job("keep"))
    code, out, _ = plan(capsys, str(repo), "--changed-since", "HEAD", "--format", "json")
    assert code == 0
    assert {"job": "keep", "kind": "added"}.items() <= json.loads(out)["changes"][0].items()


@pytest.mark.parametrize("output", ["table", "json"])
def test_unknown_ref_is_diff001_exit_2(
    capsys: pytest.CaptureFixture[str], repo: Path, output: str
) -> None:
    code, out, err = plan(capsys, str(repo), "--changed-since", "no-such-ref", "--format", output)
    assert code == 2 and "Traceback" not in err
    shown = err if output == "table" else json.loads(out)["findings"][0]["code"]
    assert "DIFF001" in shown


def test_one_file_given_by_absolute_path(capsys: pytest.CaptureFixture[str], repo: Path) -> None:
    path = (repo / "tuned.yaml").resolve()
    code, out, _ = plan(capsys, str(path), "--changed-since", "main", "--format", "json")
    [change] = json.loads(out)["changes"]
    assert (code, change["kind"], change["file"], change["previous_file"]) == (
        0,
        "changed",
        str(path),
        str(path),
    )
