"""Reproducible `sourcedir.tar.gz`: same content, same bytes, whatever the mtimes."""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

from cdk_sagemaker_training.cdk.source_bundle import FIXED_MTIME, write_tarball


def make_source(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "train.py").write_text("print('hi')\n")
    (root / "pkg" / "util.py").write_text("X = 1\n")
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "train.cpython-311.pyc").write_bytes(b"\0")
    return root


def test_same_content_gives_the_same_bytes(tmp_path: Path) -> None:
    source = make_source(tmp_path / "src")
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    write_tarball(source, first)
    os.utime(source / "train.py", (1, 1))
    write_tarball(source, second)
    assert first.read_bytes() == second.read_bytes()


def test_content_change_changes_the_bytes(tmp_path: Path) -> None:
    source = make_source(tmp_path / "src")
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    write_tarball(source, first)
    (source / "train.py").write_text("print('changed')\n")
    write_tarball(source, second)
    assert first.read_bytes() != second.read_bytes()


def test_entries_are_sorted_normalized_and_exclude_caches(tmp_path: Path) -> None:
    source = make_source(tmp_path / "src")
    archive = tmp_path / "sourcedir.tar.gz"
    write_tarball(source, archive)
    with tarfile.open(archive, "r:gz") as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == ["pkg", "pkg/util.py", "train.py"]
    assert {(m.mtime, m.uid, m.gid, m.uname, m.gname) for m in members} == {
        (FIXED_MTIME, 0, 0, "", "")
    }
