"""`TrainingSweep`: a job's `sweep` in a stack, as a launcher that runs every trial per
execution, lane by lane, each trial on the warm pool its predecessor left.

Everything but the state machine's definition is `TrainingJob`'s: the execution role, the
code, the guardrails on the launcher's role, the quota Fail, the logs and the stopper
that stops the running trials of an aborted, timed-out or failed execution.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_kms as kms
from aws_cdk import aws_stepfunctions as sfn

from cdk_sagemaker_training.cdk._private import pseudo
from cdk_sagemaker_training.cdk.execution_role import s3_location
from cdk_sagemaker_training.cdk.training_job import TrainingJob, quota_cause
from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Severity
from cdk_sagemaker_training.core.model import JobSpec
from cdk_sagemaker_training.launcher.definition import Integration, job_states
from cdk_sagemaker_training.launcher.grants import Grant
from cdk_sagemaker_training.launcher.sweep_definition import (
    MAX_POOL_POLLS,
    POOL_POLL_SECONDS,
    TRIALS_FILE,
    MetricNameError,
    sweep_definition,
)

SWEEP090 = define(
    "SWEEP090",
    Severity.ERROR,
    "A TrainingSweep needs a job with a sweep",
    "Add a `sweep` key to the job, or use TrainingJob for a single run",
)
SWEEP091 = define(
    "SWEEP091",
    Severity.ERROR,
    "A sweep runs with the SDK_POLL integration only",
    "Drop `integration` (a sweep polls its trials and their warm pools itself)",
)
SWEEP093 = define(
    "SWEEP093",
    Severity.ERROR,
    "The objective's metric name cannot be matched in the launcher",
    "Rename the metric: use single or double quotes in it, not both, and no backslash",
)
SWEEP190 = define(
    "SWEEP190",
    Severity.WARNING,
    "A lane may notice a finished trial after its warm pool has expired",
    "Raise keep_alive_period_in_seconds above the poll interval plus the pool wait, or "
    "lower max_run or the trial count (the poll interval grows with both)",
)


class TrainingSweep(TrainingJob):
    """A job's `sweep` (`JobSpec.sweep`): one execution runs every trial, up to `lanes` at
    a time; within a lane each trial starts once its predecessor's warm pool is
    `Available` (or gone). Takes `TrainingJob`'s options (`integration`: SDK_POLL only).

    The execution's output, also written to `<output path>/<execution name>/trials.json`,
    names the objective, the best trial and every trial's job name, hyperparameters,
    objective value, status, creation and `Training` times and warm-pool reuse
    (`cdk-sagemaker-training sweep report` prints it).
    """

    def _definition(
        self, request: Mapping[str, Any], spec: JobSpec, min_poll_seconds: int
    ) -> dict[str, Any]:
        if spec.sweep is None:
            raise SWEEP090.error(f"{self.node.path}:job", f"job {spec.name} has no `sweep` key")
        if self.integration is not Integration.SDK_POLL:
            raise SWEEP091.error(
                f"{self.node.path}:integration", f"received {self.integration.value}"
            )
        bucket, prefix = self._trials_location(spec)
        try:
            definition = sweep_definition(
                request,
                spec,
                quota_cause=quota_cause(spec),
                output_bucket=bucket,
                output_prefix=prefix,
                min_poll_seconds=min_poll_seconds,
            )
        except MetricNameError as error:
            raise SWEEP093.error(
                f"{spec.source_file or spec.name}:sweep.objective.metric", str(error)
            ) from None
        interval = job_states(definition)["WaitForJob"]["Seconds"]
        late = interval + MAX_POOL_POLLS * POOL_POLL_SECONDS
        if late > (spec.keep_alive_period_in_seconds or 0):
            self.findings.append(
                SWEEP190.finding(
                    f"{spec.source_file or spec.name}:keep_alive_period_in_seconds",
                    f"lanes poll every {interval} s and wait up to "
                    f"{MAX_POOL_POLLS * POOL_POLL_SECONDS} s for a pool, {late} s in all; "
                    f"the pool stays {spec.keep_alive_period_in_seconds} s",
                )
            )
        return definition

    def _trials_location(self, spec: JobSpec) -> tuple[str, str]:
        """(bucket, key prefix) of the output path, the bucket a placeholder if a token."""
        if self._output_bucket is not None:
            name = self._cache.bucket_name_and_arn(self._output_bucket)[0]
            return self._deploy_time.text("OutputBucket", name), spec.name
        assert spec.output_path is not None  # no bucket: the job names its output path
        bucket, prefix = s3_location(spec.output_path)
        return bucket, prefix.rstrip("/")

    def _launcher_grants(self, spec: JobSpec, role_arn: str) -> list[Grant]:
        return [
            *super()._launcher_grants(spec, role_arn),
            Grant(["s3:PutObject"], [self._trials_arn(spec)]),
        ]

    def _trials_arn(self, spec: JobSpec) -> str:
        """Every sweep execution's trial table: `<output path>/<execution name>/trials.json`."""
        if self._output_bucket is not None:
            bucket_arn = self._cache.bucket_name_and_arn(self._output_bucket)[1]
            return f"{bucket_arn}/{spec.name}/*/{TRIALS_FILE}"
        bucket, prefix = self._trials_location(spec)
        return f"arn:{pseudo.partition()}:s3:::{bucket}/{prefix}/*/{TRIALS_FILE}"

    def _create_state_machine(
        self,
        request: dict[str, Any],
        role_arn: str,
        logs_key: kms.IKey | None,
        poll_interval: Duration | None,
    ) -> sfn.StateMachine:
        state_machine = super()._create_state_machine(request, role_arn, logs_key, poll_interval)
        self._cache.wildcards.add(  # on this sweep, as the launcher role's other wildcards
            self,
            [self._trials_arn(self.effective_spec)],
            "Each sweep execution writes its trial table under its own execution name.",
        )
        return state_machine
