"""The stateful stack: the output bucket and the launcher-logs key, shared by job stacks.

Kept apart so that moving a job between job stacks never touches stored artifacts.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from cdk_sagemaker_training.launcher_logs import LauncherLogsKey
from cdk_sagemaker_training.output_bucket import OutputBucket


class TrainingDataStack(Stack):
    """Output bucket (with access logs) and the KMS key of the launchers' log groups."""

    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.output = OutputBucket(self, "Output")
        self.logs_key = LauncherLogsKey(self, "LauncherLogsKey").key
