"""Job definition files (YAML 1.2) -> `JobSpec` values.

Only shapes are checked here (keys, types, closed sets of values); what a valid shape
means for SageMaker is checked by `core.rules`. Every problem in a file is reported at
once, as findings with a stable code, never as a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
from cdk_sagemaker_training.core.grammar import JOB_FILE
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.parsing import SPEC001, Collector, plain, read_document

SPEC007 = define(
    "SPEC007", Severity.ERROR, "Two job files share a name", "Give each job a unique name"
)
SPEC008 = define(
    "SPEC008",
    Severity.ERROR,
    "No job files in the directory",
    "Add *.yaml files or point at another path",
)
JOB_FILE_SUFFIXES = (".yaml", ".yml")
DEFAULT_JOBS_PATH = Path("jobs")
"""Where the CLI and the reference app look for job files when given none."""
SPEC_FIELDS = tuple(JOB_FILE.keys)
"""The keys of a job file (`core.grammar`)."""


def parse_job(data: Any, *, source: str, source_file: Path | None = None) -> JobSpec:
    """Build a `JobSpec` from one parsed document. Raises `SpecError` with every finding."""
    out = Collector(source, str(source_file) if source_file is not None else None)
    spec: JobSpec | None = JOB_FILE.build(out, plain(data), "", source_file=source_file)
    if spec is None or out.findings:
        raise SpecError(out.findings)
    return spec


def load_job_file(path: Path) -> JobSpec:
    """Read one YAML job file."""
    return parse_job(read_document(path, "a job file"), source=str(path), source_file=path)


def job_files(path: Path) -> tuple[list[Path], list[Finding]]:
    """The job files under `path` (itself, when it is not a directory), in a stable order,
    and a SPEC001 finding for each directory that cannot be listed.

    Symbolic links are followed, to files and to directories; a directory reached again
    through a link (a loop, or two links to one folder) is read once.
    """
    if not path.is_dir():
        return [path], []
    files: list[Path] = []
    findings: list[Finding] = []

    def unreadable(error: OSError) -> None:
        findings.append(
            SPEC001.finding(
                str(error.filename or path),
                f"cannot list the directory ({error.strerror}); its jobs would be left out",
            )
        )

    seen: set[tuple[int, int]] = set()
    for folder, subfolders, names in os.walk(path, onerror=unreadable, followlinks=True):
        info = os.stat(folder)
        if (info.st_dev, info.st_ino) in seen:
            subfolders.clear()
            continue
        seen.add((info.st_dev, info.st_ino))
        files += (Path(folder) / n for n in names if Path(n).suffix in JOB_FILE_SUFFIXES)
    return sorted(files), findings


def load_jobs(path: str | Path) -> list[JobSpec]:
    """Every job under a file or directory. Raises `SpecError` listing all problems."""
    root = Path(path)
    if not root.exists():
        raise SPEC001.error(str(root), "no such file or directory")
    specs: list[JobSpec] = []
    files, findings = job_files(root)
    for file in files:
        try:
            specs.append(load_job_file(file))
        except SpecError as error:
            findings.extend(error.findings)
    if not specs and not findings:
        findings.append(SPEC008.finding(str(root), "no job files (*.yaml, *.yml) found"))
    seen: dict[str, JobSpec] = {}
    for spec in specs:
        if spec.name in seen:
            findings.append(
                SPEC007.finding(
                    f"{spec.source_file}:name",
                    f"job name {spec.name!r} is already used by {seen[spec.name].source_file}; "
                    "job names must be unique",
                    file=str(spec.source_file),
                )
            )
        seen[spec.name] = spec
    if findings:
        raise SpecError(findings)
    return specs
