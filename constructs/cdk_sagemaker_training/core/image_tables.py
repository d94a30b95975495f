"""The SageMaker SDK's image tables and botocore's partition table, read as data files.

`sagemaker-core` ships the Deep Learning Container tables as JSON
(`sagemaker/core/image_uri_config/<framework>.json`), botocore the partitions
(`botocore/data/partitions.json`). Both are found with `importlib.util.find_spec` of the
top-level package, which locates a package without running it: importing
`sagemaker.core` takes about 2.5 s, reading one table a few milliseconds.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

TABLES_FOLDER = ("core", "image_uri_config")
"""Where the tables sit inside the `sagemaker` package of `sagemaker-core`."""
DEFAULT_PARTITION = "aws"


def _package_folders(package: str) -> list[Path]:
    spec = importlib.util.find_spec(package)  # a top-level name: nothing is executed
    locations = spec.submodule_search_locations if spec is not None else None
    return [Path(location) for location in locations or ()]


@functools.cache
def tables_folder() -> Path:
    """The folder of the installed `sagemaker-core`'s image tables."""
    for folder in _package_folders("sagemaker"):
        candidate = folder.joinpath(*TABLES_FOLDER)
        if candidate.is_dir():
            return candidate
    raise ModuleNotFoundError(
        "sagemaker-core's image tables (sagemaker/core/image_uri_config) are not installed; "
        "install the `sagemaker-core` package"
    )


@functools.cache
def image_table(name: str) -> Mapping[str, Any]:
    """One SDK image table (`pytorch`, `huggingface-training-compiler`, ...)."""
    path = tables_folder() / f"{name}.json"
    table: Mapping[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return table


@functools.cache
def _partitions() -> list[Mapping[str, Any]]:
    (folder,) = _package_folders("botocore")
    document = json.loads((folder / "data" / "partitions.json").read_text(encoding="utf-8"))
    partitions: list[Mapping[str, Any]] = document["partitions"]
    return partitions


@functools.cache
def dns_suffix(region: str) -> str:
    """The DNS suffix of `region`'s partition (`amazonaws.com.cn`, `c2s.ic.gov`, ...).

    As botocore resolves it: a partition that lists the region, else one whose region
    pattern matches, else the `aws` partition."""
    partitions = _partitions()
    chosen = (
        next((p for p in partitions if region in p["regions"]), None)
        or next((p for p in partitions if re.match(p["regionRegex"], region)), None)
        or next(p for p in partitions if p["id"] == DEFAULT_PARTITION)
    )
    suffix: str = chosen["outputs"]["dnsSuffix"]
    return suffix
