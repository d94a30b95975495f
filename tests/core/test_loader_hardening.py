"""Hostile job files beyond the table in test_loader.py: special files, directories, size
and nesting limits, whole-value checks, and rules that must not crash."""

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
from cdk_sagemaker_training.core.policy import load_policy
from cdk_sagemaker_training.core.rules import check_job
from tests.core.test_loader import ALIAS_BOMB, VALID, write
from tests.factories import BASE, HUGGINGFACE


def codes(error: pytest.ExceptionInfo[SpecError]) -> list[str]:
    return [finding.code for finding in error.value.findings]


def test_yaml_1_2_directive_and_quoted_dates_are_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "%YAML 1.2\n---\n" + VALID + "hyperparameters: {start: '2024-01-01'}\n")
    assert load_job_file(path).hyperparameters["start"] == "2024-01-01"


def test_documents_within_the_limits_load(tmp_path: Path) -> None:
    nested = "[" * (parsing.MAX_DEPTH - 3) + "]" * (parsing.MAX_DEPTH - 3)
    text = VALID + f"hyperparameters: {{deep: {nested}, shared: &s [1, 2], again: *s}}\n"
    assert load_job_file(write(tmp_path, text)).hyperparameters["again"] == [1, 2]


@pytest.mark.parametrize("load", [load_job_file, load_policy], ids=["job", "policy"])
def test_job_and_policy_loaders_share_the_limits(
    tmp_path: Path, load: Callable[[Path], object]
) -> None:
    with pytest.raises(SpecError) as error:
        load(write(tmp_path, ALIAS_BOMB))
    assert codes(error) == ["SPEC010"]


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
