"""What a change to the job files does to the deployed launchers (pure).

`compare` matches jobs by name between two sets of specs (e.g. a git ref and the working
tree) and flags the changes whose blast radius a reviewer should see: a launcher's
construct id is its job's name and its log group is named after the job, so renaming a
job replaces its launcher; a launcher lives in the stack `core.placement` assigns, so a
job that lands in another stack is deleted in one and created in the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Finding, Severity
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.core.placement import stack_of_each

DIFF101 = define(
    "DIFF101",
    Severity.WARNING,
    "A change replaces a launcher",
    "Expect a new state machine and log group: runs in flight on the old launcher are "
    "stopped when it is deleted; keep the name to update the launcher in place",
)
DIFF102 = define(
    "DIFF102",
    Severity.WARNING,
    "A job moves to another stack",
    "Deploy the old stack first (the retained log group keeps the job's name: delete it "
    "before the move), or pin the job with `stack:` so adding files never moves it",
)


class ChangeKind(StrEnum):
    """How a job differs between the two sets."""

    ADDED = "added"
    CHANGED = "changed"
    RENAMED = "renamed"
    """The same file defines a job of another name (its launcher is replaced)."""
    REMOVED = "removed"


@dataclass(frozen=True, kw_only=True)
class JobChange:
    """One job that was added, changed, renamed or removed."""

    kind: ChangeKind
    job: str
    file: str | None
    """Where the job is defined now; None when removed."""
    stack: str | None
    """The stack it deploys in now; None when removed."""
    previous_job: str | None = None
    """The name before (renamed, changed or removed jobs). Default: none (added)."""
    previous_file: str | None = None
    previous_stack: str | None = None

    @property
    def moves_stack(self) -> bool:
        """Whether the launcher leaves one stack for another."""
        return None not in (self.stack, self.previous_stack) and self.stack != self.previous_stack

    @property
    def replaces_launcher(self) -> bool:
        """Whether deploying deletes the launcher and creates a new one."""
        return self.kind is ChangeKind.RENAMED or self.moves_stack

    def findings(self, pinned: bool) -> list[Finding]:
        """DIFF101 / DIFF102 for this change; `pinned`: the job has a `stack:` key (the
        finding points at it)."""
        where = self.file or self.previous_file or self.job
        found = []
        if self.kind is ChangeKind.RENAMED:
            found.append(
                DIFF101.finding(
                    f"{where}:name",
                    f"job {self.previous_job!r} is renamed {self.job!r}: launcher "
                    f"{self.previous_job!r} is deleted and {self.job!r} created",
                    file=self.file,
                )
            )
        if self.moves_stack:
            found.append(
                DIFF102.finding(
                    f"{where}:stack" if pinned else where,
                    f"job {self.job!r} moves from stack {self.previous_stack} to {self.stack}: "
                    "its launcher is deleted there and created here",
                    file=self.file,
                )
            )
        return found

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "kind": self.kind.value,
            "job": self.job,
            "file": self.file,
            "stack": self.stack,
            "previous_job": self.previous_job,
            "previous_file": self.previous_file,
            "previous_stack": self.previous_stack,
            "replaces_launcher": self.replaces_launcher,
            "moves_stack": self.moves_stack,
        }


def _file(spec: JobSpec) -> str | None:
    return str(spec.source_file) if spec.source_file is not None else None


def compare(previous: Sequence[JobSpec], current: Sequence[JobSpec]) -> list[JobChange]:
    """The jobs added, changed, renamed and removed from `previous` to `current`, in
    `current`'s order then the removed ones. A job is matched by name, or (renamed) by
    file when its name is new and the file's old job is gone; formatting and comments
    are no change."""
    before = {spec.name: spec for spec in previous}
    after = {spec.name: spec for spec in current}
    stacks_before, stacks_now = stack_of_each(previous), stack_of_each(current)
    gone = {_file(s): s for name, s in before.items() if name not in after and _file(s)}
    changes: list[JobChange] = []
    for spec in current:
        old = before.get(spec.name) or gone.pop(_file(spec), None)
        if old is None:
            kind = ChangeKind.ADDED
        elif old.name != spec.name:
            kind = ChangeKind.RENAMED
        elif old != spec or stacks_before[old.name] != stacks_now[spec.name]:
            kind = ChangeKind.CHANGED
        else:
            continue
        changes.append(
            JobChange(
                kind=kind,
                job=spec.name,
                file=_file(spec),
                stack=stacks_now[spec.name],
                previous_job=old.name if old else None,
                previous_file=_file(old) if old else None,
                previous_stack=stacks_before[old.name] if old else None,
            )
        )
    renamed = {c.previous_job for c in changes if c.kind is ChangeKind.RENAMED}
    for name, old in before.items():
        if name not in after and name not in renamed:
            changes.append(
                JobChange(
                    kind=ChangeKind.REMOVED,
                    job=name,
                    file=None,
                    stack=None,
                    previous_job=name,
                    previous_file=_file(old),
                    previous_stack=stacks_before[name],
                )
            )
    return changes


def change_findings(changes: Sequence[JobChange], current: Sequence[JobSpec]) -> list[Finding]:
    """The DIFF findings of `changes` (launcher replacements and stack moves)."""
    pinned = {spec.name for spec in current if spec.stack is not None}
    return [f for change in changes for f in change.findings(change.job in pinned)]
