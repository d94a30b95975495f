"""`plan --changed-since REF`: the job files at a git ref, read without a checkout.

`git ls-tree` lists the files under the job path at the ref and `git cat-file --batch`
reads them in one call; they are written to a temporary folder with the same layout and
read by the ordinary loader, so the ref's jobs are what `plan` would have read there.
"""

from __future__ import annotations

import dataclasses
import subprocess
import tempfile
from pathlib import Path

from cdk_sagemaker_training.core.changes import JobChange, compare
from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Severity, SpecError
from cdk_sagemaker_training.core.loader import job_files, load_job_file
from cdk_sagemaker_training.core.model import JobSpec

DIFF001 = define(
    "DIFF001",
    Severity.ERROR,
    "Cannot read the job files at a git ref",
    "Run inside the repository and name a ref it has (in GitHub Actions: "
    "actions/checkout with fetch-depth: 0, then origin/<base branch>)",
)
BLOB_MODES = ("100644", "100755")
"""Regular files in a git tree (links and submodules are not job files)."""


def _git(*args: str, stdin: bytes | None = None) -> bytes:
    """Output of `git args`; a failure is a DIFF001 `SpecError`."""
    try:
        result = subprocess.run(["git", *args], input=stdin, capture_output=True, check=False)
    except OSError as error:
        raise DIFF001.error("git", f"cannot run git: {error}") from None
    if result.returncode != 0:
        detail = " ".join(result.stderr.decode(errors="replace").split()) or "no message"
        raise DIFF001.error("git", f"git {' '.join(args[2:4])} failed: {detail}")
    return result.stdout


def _blobs(ref: str, top: Path, inside: Path) -> dict[str, bytes]:
    """Repository path -> content of each regular file under `inside` at `ref`."""
    _git("-C", str(top), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    listing = _git("-C", str(top), "ls-tree", "-r", "-z", "--full-name", ref, "--", str(inside))
    entries = []
    for line in listing.decode().split("\0"):
        if line:
            info, name = line.split("\t", 1)
            mode, kind, sha = info.split()
            if kind == "blob" and mode in BLOB_MODES:
                entries.append((name, sha))
    batch = _git(
        "-C", str(top), "cat-file", "--batch", stdin="".join(f"{s}\n" for _, s in entries).encode()
    )
    contents: dict[str, bytes] = {}
    offset = 0
    for name, _ in entries:  # each: "<sha> blob <size>\n<content>\n"
        header_end = batch.index(b"\n", offset)
        size = int(batch[offset:header_end].split()[2])
        contents[name] = batch[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1
    return contents


def jobs_at(ref: str, path: Path) -> list[JobSpec]:
    """The jobs under `path` (file or folder) at git `ref`, named as `plan path` names the
    working tree's. A file that does not load at the ref is left out (its job then shows
    as added): a broken base must not block the pull request that fixes it.
    Raises `SpecError` (DIFF001) when git cannot read the ref or `path` is outside the
    repository."""
    anchor = path if path.is_dir() else path.parent
    top = Path(_git("-C", str(anchor.resolve()), "rev-parse", "--show-toplevel").decode().strip())
    try:
        inside = path.resolve().relative_to(top.resolve())
    except ValueError:
        raise DIFF001.error(str(path), f"is not inside the git repository {top}") from None
    contents = _blobs(ref, top, inside)
    with tempfile.TemporaryDirectory(prefix="changed-since-") as folder:
        root = Path(folder)
        for name, data in contents.items():
            target = root / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        base = root / inside
        files, _ = job_files(base) if base.exists() else ([], [])
        specs = []
        for file in files:
            try:
                spec = load_job_file(file)
            except SpecError:
                continue
            named = path / file.relative_to(base) if file != base else path
            specs.append(dataclasses.replace(spec, source_file=named))
        return specs


def changes_since(ref: str, path: Path, current: list[JobSpec]) -> list[JobChange]:
    """What changed in the jobs under `path` since git `ref` (see `core.changes`)."""
    return compare(jobs_at(ref, path), current)
