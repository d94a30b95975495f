"""Findings from job files carry the 1-based line and column of the offending key."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from cdk_sagemaker_training.core.findings import Finding, SpecError
from cdk_sagemaker_training.core.loader import load_job_file, load_jobs
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.positions import locate, mark_of
from cdk_sagemaker_training.core.rules import check_jobs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jobs"
HEADER = "# yaml-language-server: $schema=../schema.json\n# a second comment line\n"
VALID = HEADER + (FIXTURES / "minimal.yaml").read_text()
APPENDED = VALID.count("\n")
"""Lines in `VALID`: a key appended to it is on line `APPENDED + 1`."""
DOCUMENT = """\
# yaml-language-server: $schema=schema.json
name: demo
inputs:
  train:
    s3_data: s3://b/train
  test: s3://b/test
instance_groups:
  - instance_group_name: a
  - {instance_group_name: b, instance_type: 7}
hyperparameters:
  lr: 1
  lr.decay: 0.1
"""


@pytest.mark.parametrize(
    ("field", "line", "column"),
    [
        ("", 2, 1),  # the document: its first key, after the comment
        ("name", 2, 1),
        ("inputs.train.s3_data", 5, 5),
        ("inputs.test.s3_data", 6, 3),  # a shorthand channel has no key: its parent's
        ("instance_groups[0]", 8, 5),
        ("instance_groups[1].instance_type", 9, 30),
        ("instance_groups[5].instance_type", 7, 1),  # no such item: the list's key
        ("hyperparameters.lr", 11, 3),
        ("hyperparameters.lr.decay", 12, 3),  # keys may hold dots: the longest wins
        ("missing_key", 2, 1),
    ],
    ids=lambda value: str(value),
)
def test_mark_of_walks_the_path_or_falls_back_to_the_nearest_parent(
    field: str, line: int, column: int
) -> None:
    root = YAML(typ="safe", pure=True).compose(DOCUMENT)
    mark = mark_of(root, field)
    assert (mark.line + 1, mark.column + 1) == (line, column)


def loader_findings(path: Path) -> list[Finding]:
    with pytest.raises(SpecError) as raised:
        load_jobs(path)
    return locate(raised.value.findings)


@pytest.mark.parametrize(
    ("extra", "code", "field", "line", "column"),
    [
        ("bogus: 1\n", "SPEC003", "bogus", APPENDED + 1, 1),
        ("inputs:\n  train:\n    s3_data: 5\n", "SPEC004", "inputs.train.s3_data", APPENDED + 3, 5),
        ("tags: {team: [a]}\n", "SPEC004", "tags.team", APPENDED + 1, 8),
        ("input_mode: Stream\n", "SPEC006", "input_mode", APPENDED + 1, 1),
    ],
    ids=["unknown-key", "nested-type", "flow-mapping", "closed-set"],
)
def test_loader_findings_point_at_the_key_below_comment_lines(
    tmp_path: Path, extra: str, code: str, field: str, line: int, column: int
) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(VALID + extra)
    [finding] = loader_findings(path)
    assert (finding.code, finding.file, finding.field) == (code, str(path), field)
    assert (finding.line, finding.column) == (line, column)
    assert finding.as_dict()["line"] == line


def test_missing_required_key_points_at_the_document(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(HEADER + "framework: pytorch\nentry_point: train.py\n")
    [finding] = loader_findings(path)
    assert (finding.code, finding.field, finding.line, finding.column) == ("SPEC005", "name", 3, 1)


def test_invalid_yaml_carries_the_parser_position_without_composing(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(HEADER + "name: a\nframework: [pytorch\n")
    with pytest.raises(SpecError) as raised:
        load_jobs(path)
    [finding] = raised.value.findings
    assert finding.code == "SPEC001" and finding.file == str(path)
    assert finding.line == 5  # the parser's mark, set before `locate`
    assert locate([finding]) == [finding]


def test_rule_findings_on_a_spec_from_a_file_get_positions(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text(VALID + "keep_alive_period_in_seconds: 7200\n")
    spec = load_job_file(path)
    located = locate(check_jobs([spec]))
    [finding] = [f for f in located if f.code == "WPOOL101"]
    assert (finding.file, finding.field) == (str(path), "keep_alive_period_in_seconds")
    assert (finding.line, finding.column) == (APPENDED + 1, 1)


def test_values_built_in_python_have_no_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as raised:
        JobSpec.from_keys(name="x", framework="pytorch", entry_point="t.py", bogus=1)
    [finding] = raised.value.findings
    assert finding.file is None and locate([finding]) == [finding]
    gone = Finding(**{**vars(finding), "file": str(tmp_path / "deleted.yaml")})
    assert locate([gone])[0].line is None
