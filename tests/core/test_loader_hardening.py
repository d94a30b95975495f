"""Hostile job files: every one ends with a coded finding, never a traceback or a hang."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cdk_sagemaker_training.core import parsing
from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.images import resolve_image
from cdk_sagemaker_training.core.loader import load_job_file, load_jobs
from cdk_sagemaker_training.core.rules import check_job
from tests.factories import BASE, HUGGINGFACE

VALID = """\
name: demo
framework: pytorch
framework_version: "1.13.1"
entry_point: train.py
instance_type: ml.p3.2xlarge
"""
# 306 bytes that expand to 9**9 (387 million) values
ALIAS_BOMB = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8)
)


def codes(error: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [finding.code for finding in error.value.findings]


def load_text(tmp_path: Path, text: str) -> SpecError:
    path = tmp_path / "job.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with pytest.raises(SpecError) as error:
        load_job_file(path)
    return error.value


# (id, file text, expected code, text of the finding's path or message)
HOSTILE = [
    ("alias-bomb", ALIAS_BOMB, "SPEC010", "more than 100000 values"),
    ("recursive-list-alias", VALID + "hyperparameters: &a {x: [*a]}\n", "SPEC010", "recursive"),
    ("recursive-mapping-alias", "a: &a {b: *a}\n", "SPEC010", "recursive"),
    ("deep-flow-nesting", "x: " + "[" * 1000 + "]" * 1000 + "\n", "SPEC010", "nested"),
    ("nesting-past-the-limit", "x: " + "[" * 70 + "]" * 70 + "\n", "SPEC010", "nested more than"),
    ("yaml-1.3", "%YAML 1.3\n---\n" + VALID, "SPEC011", "'1.3'"),
    ("yaml-1.1", "%YAML 1.1\n---\n" + VALID, "SPEC011", "YAML 1.2 only"),
    ("date", VALID + "hyperparameters: {start: 2024-01-01}\n", "SPEC011", "hyperparameters.start"),
    ("timestamp", VALID + "tags: {at: 2001-12-14t21:59:43.10-05:00}\n", "SPEC011", "datetime"),
    ("binary", VALID + "hyperparameters: {b: !!binary aGVsbG8=}\n", "SPEC011", "bytes"),
    ("set", VALID + "hyperparameters: {s: !!set {a, b}}\n", "SPEC011", "set"),
    ("pairs", VALID + "hyperparameters: {p: !!pairs [a: 1]}\n", "SPEC011", "tuple"),
    ("complex-key", VALID + "? [a, b]\n: 1\n", "SPEC011", "tuple"),
    ("json-surrogate", VALID.replace("demo", '"demo\\ud800"'), "SPEC011", "not valid Unicode"),
    ("huge-integer", VALID + "max_run: " + "9" * 5000 + "\n", "SPEC011", "4300 digits"),
    ("key-collision", VALID + '1: a\n"1": b\n', "SPEC012", "both read as '1'"),
    ("hyperparameter-key-collision", VALID + "hyperparameters: {1: a, '1': b}\n", "SPEC012", "1"),
    ("integer-distribution-key", VALID + "distribution: {1: {enabled: true}}\n", "SPEC004", "1"),
    ("unknown-tag", VALID + "tags: {a: !foo 1}\n", "SPEC001", "!foo"),
    ("not-utf-8", "name: \udcff\n", "SPEC001", "UTF-8"),
]


@pytest.mark.parametrize(
    ("text", "code", "detail"), [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE]
)
def test_hostile_documents_get_a_coded_finding(
    tmp_path: Path, text: str, code: str, detail: str
) -> None:
    error = load_text(tmp_path, text)
    assert code in [f.code for f in error.findings]
    assert any(detail in f"{f.path} {f.message}" for f in error.findings), error.findings


def test_yaml_1_2_directive_and_quoted_dates_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "job.yaml"
    path.write_text("%YAML 1.2\n---\n" + VALID + "hyperparameters: {start: '2024-01-01'}\n")
    assert load_job_file(path).hyperparameters["start"] == "2024-01-01"


def test_documents_within_the_limits_load(tmp_path: Path) -> None:
    nested = "[" * (parsing.MAX_DEPTH - 3) + "]" * (parsing.MAX_DEPTH - 3)
    text = VALID + f"hyperparameters: {{deep: {nested}, shared: &s [1, 2], again: *s}}\n"
    path = tmp_path / "job.yaml"
    path.write_text(text)
    assert load_job_file(path).hyperparameters["again"] == [1, 2]


def finishes(call: Callable[[], Any], seconds: float = 30) -> Any:
    """`call()` in a thread; fails (instead of hanging the suite) when it does not end."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:
            outcome.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"did not finish within {seconds} s"
    return outcome[0]


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    error = finishes(lambda: load_job_file(fifo))
    assert isinstance(error, SpecError) and error.findings[0].code == "SPEC001"
    assert "FIFO" in error.findings[0].message


def test_device_behind_a_symlink_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    error = finishes(lambda: load_job_file(link))
    assert isinstance(error, SpecError) and error.findings[0].code == "SPEC001"


def test_file_over_the_size_cap_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(VALID + "#" * parsing.MAX_FILE_BYTES + "\n")
    with pytest.raises(SpecError) as error:
        load_job_file(path)
    assert codes(error) == ["SPEC009"]


def test_file_at_the_size_cap_loads(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(VALID + "#" * (parsing.MAX_FILE_BYTES - len(VALID) - 1) + "\n")
    assert load_job_file(path).name == "demo"


def job_tree(tmp_path: Path) -> Path:
    root = tmp_path / "jobs"
    (root / "team").mkdir(parents=True)
    (root / "a.yaml").write_text(VALID.replace("demo", "job-a"))
    (root / "team" / "b.yaml").write_text(VALID.replace("demo", "job-b"))
    return root


def test_unreadable_subdirectory_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = job_tree(tmp_path)
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:  # root reads any directory; simulate a failing listing
        if Path(path) == root / "team":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(SpecError) as error:
        load_jobs(root)
    (finding,) = error.value.findings
    assert finding.code == "SPEC001" and finding.path == str(root / "team")
    assert "would be left out" in finding.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root can list a directory without permissions")
def test_unreadable_subdirectory_on_disk(tmp_path: Path) -> None:
    root = job_tree(tmp_path)
    (root / "team").chmod(0)
    try:
        with pytest.raises(SpecError) as error:
            load_jobs(root)
    finally:
        (root / "team").chmod(0o755)
    assert codes(error) == ["SPEC001"]


def test_symlinked_subdirectory_is_followed_once_even_in_a_loop(tmp_path: Path) -> None:
    root = job_tree(tmp_path)
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "c.yaml").write_text(VALID.replace("demo", "job-c"))
    (root / "shared").symlink_to(shared)
    (root / "team" / "loop").symlink_to(root)  # a loop back to the top
    (root / "again").symlink_to(shared)  # a second link to one folder
    names = finishes(lambda: sorted(spec.name for spec in load_jobs(root)))
    assert names == ["job-a", "job-b", "job-c"]


def test_directory_named_like_a_job_file_is_not_read(tmp_path: Path) -> None:
    root = job_tree(tmp_path)
    (root / "folder.yaml").mkdir()
    assert len(load_jobs(root)) == 2


# (id, field, value that only a trailing newline makes invalid, expected code)
TRAILING_NEWLINE = [
    ("name", "name", "base-job\n", "JOB001"),
    ("stack", "stack", "Blue\n", "JOB013"),
    ("role", "role", "arn:aws:iam::123456789012:role/training\n", "JOB008"),
    ("subnet", "subnets", ("subnet-0123456789abcdef0\n",), "NET001"),
    ("security-group", "security_group_ids", ("sg-0123456789abcdef0\n",), "NET001"),
    ("output-path", "output_path", "s3://out-bucket/base\n", "JOB005"),
    ("s3-source", "source_dir", "s3://code-bucket/sourcedir.tar.gz\n", "JOB005"),
]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [case[1:] for case in TRAILING_NEWLINE],
    ids=[case[0] for case in TRAILING_NEWLINE],
)
def test_a_trailing_newline_fails_the_check(field: str, value: Any, code: str) -> None:
    vpc: dict[str, Any] = {
        "subnets": ("subnet-0123456789abcdef0",),
        "security_group_ids": ("sg-0123456789abcdef0",),
    }
    stripped = value.strip() if isinstance(value, str) else tuple(v.strip() for v in value)
    valid = replace(BASE, **{**vpc, field: stripped})
    assert code not in [f.code for f in check_job(valid)]
    assert code in [f.code for f in check_job(replace(valid, **{field: value}))]


def test_hugging_face_compiler_job_without_pytorch_version_is_a_finding() -> None:
    spec = replace(HUGGINGFACE, pytorch_version=None)
    with pytest.raises(SpecError) as error:
        resolve_image(spec)
    assert codes(error) == ["IMAGE001"]
    found = [f.code for f in check_job(spec)]
    assert "JOB002" in found and "RULE001" not in found


def test_long_entry_point_is_a_job009_finding_not_a_crash(tmp_path: Path) -> None:
    spec = replace(BASE, source_dir=str(tmp_path), entry_point="a" * 5000 + ".py")
    found = {f.code: f.message for f in check_job(spec)}
    assert "RULE001" not in found
    assert "File name too long" in found["JOB009"]
