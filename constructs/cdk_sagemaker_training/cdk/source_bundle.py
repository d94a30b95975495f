"""A local `source_dir` as a reproducible `sourcedir.tar.gz` asset (local bundling, no Docker)."""

from __future__ import annotations

import fnmatch
import gzip
import io
import os
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import jsii
from aws_cdk import (
    AssetHashType,
    BundlingOptions,
    BundlingOutput,
    DockerImage,
    ILocalBundling,
)
from aws_cdk import (
    aws_s3_assets as s3_assets,
)
from constructs import Construct

ARCHIVE_NAME = "sourcedir.tar.gz"
"""The name the SageMaker training toolkit expects (it un-tars; a zip does not work)."""
DEFAULT_EXCLUDES = ("__pycache__", "*.pyc", ".git", ".DS_Store", ".ipynb_checkpoints")
FIXED_MTIME = 315532800
"""1980-01-01T00:00:00Z: every entry gets this mtime, so the bytes depend on content only."""
_EXECUTABLE = 0o755
_REGULAR = 0o644


def _entries(root: Path, excludes: Sequence[str]) -> list[Path]:
    """Files and folders under `root`, sorted by archive path, without excluded names."""
    found: list[Path] = []
    for current, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not _excluded(d, excludes)]
        base = Path(current)
        found.extend(base / name for name in dirs)
        found.extend(base / name for name in files if not _excluded(name, excludes))
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


def _excluded(name: str, excludes: Sequence[str]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in excludes)


def _normalized(info: tarfile.TarInfo, path: Path) -> tarfile.TarInfo:
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    executable = info.isdir() or os.access(path, os.X_OK)
    info.mode = _EXECUTABLE if executable else _REGULAR
    return info


def write_tarball(
    source_dir: Path, target: Path, excludes: Sequence[str] = DEFAULT_EXCLUDES
) -> None:
    """Write `source_dir`'s content as a byte-for-byte reproducible gzip'd tarball."""
    buffer = io.BytesIO()
    # dereference: a symlink is archived as what it points to, as `pip`/the SDK would see it.
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT, dereference=True) as tar:
        for path in _entries(source_dir, excludes):
            arcname = path.relative_to(source_dir).as_posix()
            info = _normalized(tar.gettarinfo(str(path), arcname), path)
            if info.isfile():
                with path.open("rb") as content:
                    tar.addfile(info, content)
            else:
                tar.addfile(info)
    with (
        target.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz,
    ):
        gz.write(buffer.getvalue())


@jsii.implements(ILocalBundling)
class _TarballBundling:
    """CDK local bundling that writes the tarball in-process (Docker is never used)."""

    def __init__(self, source_dir: Path, excludes: Sequence[str]) -> None:
        self._source_dir = source_dir
        self._excludes = tuple(excludes)

    def try_bundle(self, output_dir: str, _options: BundlingOptions) -> bool:
        write_tarball(self._source_dir, Path(output_dir) / ARCHIVE_NAME, self._excludes)
        return True


class SourceBundle(Construct):
    """The training code of a job: a local folder packaged as `sourcedir.tar.gz` in S3.

    The asset hash is the hash of the archive bytes, so unchanged code keeps its S3 key
    (and an unchanged stack) however often it is synthesized.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        source_dir: str | Path,
        excludes: Sequence[str] = DEFAULT_EXCLUDES,
    ) -> None:
        """Package `source_dir`. Default `excludes`: caches and VCS folders (`DEFAULT_EXCLUDES`)."""
        super().__init__(scope, construct_id)
        folder = Path(source_dir).resolve()
        if not folder.is_dir():
            raise ValueError(f"{self.node.path}: source_dir {str(source_dir)!r} is not a folder")
        self.asset = s3_assets.Asset(
            self,
            "Asset",
            path=str(folder),
            asset_hash_type=AssetHashType.OUTPUT,
            bundling=BundlingOptions(
                # Never pulled: local bundling always succeeds. CDK requires an image.
                image=DockerImage.from_registry("local-bundling-only"),
                # jsii calls try_bundle(output_dir, options) positionally; mypy reads
                # the keyword-only Python signature, hence the cast.
                local=cast(ILocalBundling, _TarballBundling(folder, excludes)),
                output_type=BundlingOutput.SINGLE_FILE,
            ),
        )

    @property
    def s3_uri(self) -> str:
        """`s3://bucket/key` of the archive (a token until deploy)."""
        return self.asset.s3_object_url

    @property
    def archive_name(self) -> str:
        """The archive's object name (`<hash>.gz`), the file name it gets in a channel."""
        return self.asset.s3_object_key.rsplit("/", 1)[-1]

    @property
    def object_arn(self) -> str:
        """ARN of the archive object, for exact-object read grants."""
        return self.asset.bucket.arn_for_objects(self.asset.s3_object_key)
