"""cdk-sagemaker-training: SageMaker training jobs as CDK constructs.

The public API is what `__all__` lists, importable from the package root; everything in
the layer packages (`core`, `launcher`, `cdk`, `aws`, `cli`) is internal and may change in
any release. `cdk_sagemaker_training.testing` holds public helpers for assertion tests.

Importing the package is cheap: each name loads its module on first use, so
`import cdk_sagemaker_training` loads neither aws_cdk, boto3 nor sagemaker-core.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cdk_sagemaker_training.cdk.execution_role import TrainingExecutionRole
    from cdk_sagemaker_training.cdk.launcher_logs import LauncherLogsKey
    from cdk_sagemaker_training.cdk.output_bucket import OutputBucket
    from cdk_sagemaker_training.cdk.policy_aspect import TrainingJobPolicy
    from cdk_sagemaker_training.cdk.quota_guard import GuardMode, QuotaGuard
    from cdk_sagemaker_training.cdk.training_job import TrainingJob
    from cdk_sagemaker_training.cdk.training_sweep import TrainingSweep
    from cdk_sagemaker_training.cdk.warm_pool_group import WarmPoolGroup
    from cdk_sagemaker_training.core.codes import Code
    from cdk_sagemaker_training.core.findings import Finding, Severity, SpecError
    from cdk_sagemaker_training.core.loader import load_jobs
    from cdk_sagemaker_training.core.model import JobSpec
    from cdk_sagemaker_training.core.policy import PlatformPolicy, load_policy
    from cdk_sagemaker_training.core.rules import check_jobs
    from cdk_sagemaker_training.core.sweep import Goal, Objective, OnTrialFailure, SweepSpec
    from cdk_sagemaker_training.launcher.definition import Integration

__version__ = "0.1.0"

_HOMES = {
    "TrainingJob": "cdk.training_job",
    "TrainingSweep": "cdk.training_sweep",
    "WarmPoolGroup": "cdk.warm_pool_group",
    "QuotaGuard": "cdk.quota_guard",
    "GuardMode": "cdk.quota_guard",
    "TrainingJobPolicy": "cdk.policy_aspect",
    "TrainingExecutionRole": "cdk.execution_role",
    "OutputBucket": "cdk.output_bucket",
    "LauncherLogsKey": "cdk.launcher_logs",
    "Integration": "launcher.definition",
    "JobSpec": "core.model",
    "SweepSpec": "core.sweep",
    "Objective": "core.sweep",
    "Goal": "core.sweep",
    "OnTrialFailure": "core.sweep",
    "load_jobs": "core.loader",
    "PlatformPolicy": "core.policy",
    "load_policy": "core.policy",
    "check_jobs": "core.rules",
    "Finding": "core.findings",
    "Severity": "core.findings",
    "SpecError": "core.findings",
    "Code": "core.codes",
}
"""Public name -> the internal module that defines it (loaded on first access)."""

__all__ = [
    "Code",
    "Finding",
    "Goal",
    "GuardMode",
    "Integration",
    "JobSpec",
    "LauncherLogsKey",
    "Objective",
    "OnTrialFailure",
    "OutputBucket",
    "PlatformPolicy",
    "QuotaGuard",
    "Severity",
    "SpecError",
    "SweepSpec",
    "TrainingExecutionRole",
    "TrainingJob",
    "TrainingJobPolicy",
    "TrainingSweep",
    "WarmPoolGroup",
    "check_jobs",
    "load_jobs",
    "load_policy",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # later accesses skip this function
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__", "testing"])
