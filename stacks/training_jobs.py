"""A stack of launchers: one `TrainingJob` per job and the jobs' warm-pool groups.

Each stack holds its own output bucket (retained: a job moving to another stack never
deletes artifacts) and the KMS key of its launchers' log groups.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from cdk_sagemaker_training import (
    Finding,
    Integration,
    JobSpec,
    LauncherLogsKey,
    OutputBucket,
    Severity,
    SpecError,
    TrainingJob,
    TrainingSweep,
    WarmPoolGroup,
)
from cdk_sagemaker_training.core.codes import define  # the app's own codes

OUTPUT_ID = "Output"
LOGS_KEY_ID = "LauncherLogsKey"
QUOTA_GUARD_ID = "QuotaGuard"
"""Ids of the stacks' own constructs, which no job or group may take."""
APP003 = define(
    "APP003",
    Severity.ERROR,
    "A job or warm-pool group name gives no construct id, or one already taken",
    "Rename it: names become PascalCase ids of their letters and digits, so dup-job and "
    "dupJob collide, and a name needs at least one letter or digit",
    owner="app",
)


def construct_id(name: str) -> str:
    """A job or group name as a construct id (PascalCase, letters and digits)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))


def check_construct_ids(jobs: Sequence[JobSpec]) -> None:
    """Raise `SpecError` (APP003) when a job or group name of `jobs` gives an empty
    construct id or one that another name, or the stack itself, already uses."""
    owners = {ident: f"the stack's {ident}" for ident in (OUTPUT_ID, LOGS_KEY_ID, QUOTA_GUARD_ID)}
    findings: list[Finding] = []

    def claim(ident: str, owner: str, path: str) -> bool:
        taken = owners.setdefault(ident, owner)
        if taken != owner:
            findings.append(
                APP003.finding(path, f"{owner} gives construct id {ident!r}, as {taken} does")
            )
        return taken == owner

    for spec in jobs:
        where = str(spec.source_file or spec.name)
        job_id = construct_id(spec.name)
        if not job_id:
            findings.append(
                APP003.finding(f"{where}:name", f"job name {spec.name!r} has no letter or digit")
            )
            continue
        if claim(job_id, f"job {spec.name!r}", f"{where}:name"):  # one finding per clash
            claim(f"{job_id}StateMachineArn", f"the output of job {spec.name!r}", f"{where}:name")
        if spec.warm_pool_group is not None:
            group = spec.warm_pool_group
            claim(
                f"WarmPool{construct_id(group)}",
                f"warm-pool group {group!r}",
                f"{where}:warm_pool_group",
            )
    if findings:
        raise SpecError(findings)


class TrainingJobsStack(Stack):
    """Launchers for `jobs` (a `TrainingSweep` for a job with a `sweep`), with an output
    bucket and a logs key.

    Jobs with the same `warm_pool_group` share one `WarmPoolGroup` (and execution role).
    Each launcher's state machine ARN is a stack output named after the job.
    """

    def __init__(
        self,
        scope: Construct,
        stack_id: str,
        *,
        jobs: Sequence[JobSpec],
        integration: Integration = Integration.SDK_POLL,
        start_on_deploy: bool = False,
        **kwargs: Any,
    ) -> None:
        """Default: `SDK_POLL` launchers, no start on deploy. Raises `SpecError` (APP003)
        when names give clashing construct ids."""
        check_construct_ids(jobs)
        super().__init__(scope, stack_id, **kwargs)
        self.output = OutputBucket(self, OUTPUT_ID)
        self.logs_key = LauncherLogsKey(self, LOGS_KEY_ID).key
        logs_key = self.logs_key
        groups: dict[str, WarmPoolGroup] = {}
        self.jobs: list[TrainingJob] = []
        for spec in jobs:
            group = None
            if spec.warm_pool_group is not None:
                group = groups.get(spec.warm_pool_group) or WarmPoolGroup(
                    self, f"WarmPool{construct_id(spec.warm_pool_group)}", name=spec.warm_pool_group
                )
                groups[spec.warm_pool_group] = group
            launcher = TrainingSweep if spec.sweep is not None else TrainingJob
            job = launcher(
                self,
                construct_id(spec.name),
                job=spec,
                integration=integration,
                warm_pool_group=group,
                output_bucket=self.output.bucket,
                logs_key=logs_key,
                start_on_deploy=start_on_deploy,
            )
            self.jobs.append(job)
            if job.valid:
                CfnOutput(
                    self,
                    f"{construct_id(spec.name)}StateMachineArn",
                    value=job.state_machine_arn,
                    description=f"Start a run of {spec.name}: aws stepfunctions start-execution",
                )
