"""Options of the `TrainingJob` construct that contradict its job definition.

The construct takes the definition (`job=`) and its own options apart, so no key shadows
an option; where both say something about the same thing, these findings fail synthesis.
"""

from __future__ import annotations

from cdk_sagemaker_training.core.codes import define
from cdk_sagemaker_training.core.findings import Finding, Severity
from cdk_sagemaker_training.core.model import JobSpec

CDK001 = define(
    "CDK001",
    Severity.ERROR,
    "Execution role given twice",
    "Pass either role= (an IRole) or the job's role key (an ARN), not both",
)
CDK002 = define(
    "CDK002",
    Severity.ERROR,
    "Warm-pool group given twice, with different names",
    "Make the job's warm_pool_group key name the WarmPoolGroup passed as warm_pool_group=, "
    "or drop the key",
)
CDK003 = define(
    "CDK003",
    Severity.ERROR,
    "Output location given twice",
    "Pass either output_bucket= or the job's output_path key, not both",
)
CDK004 = define(
    "CDK004",
    Severity.ERROR,
    "Own execution role in a warm-pool group",
    "Drop role=: jobs of a warm-pool group share the group's role (a different RoleArn "
    "silently prevents pool reuse)",
)


def option_conflicts(
    spec: JobSpec, *, where: str, role: bool, group: str | None, output_bucket: bool
) -> list[Finding]:
    """Construct options that contradict the job definition (or each other).

    `role`/`output_bucket`: whether the option was given; `group`: the name of the
    `WarmPoolGroup` given, if any. `where`: the construct path, for the findings.
    """
    findings = []
    if role and spec.role is not None:
        findings.append(CDK001.finding(f"{where}:role", f"received role= and role {spec.role!r}"))
    if group is not None and spec.warm_pool_group not in (None, group):
        findings.append(
            CDK002.finding(
                f"{where}:warm_pool_group",
                f"received warm_pool_group {spec.warm_pool_group!r} and a WarmPoolGroup "
                f"named {group!r}",
            )
        )
    if output_bucket and spec.output_path is not None:
        findings.append(
            CDK003.finding(
                f"{where}:output_path",
                f"received output_bucket= and output_path {spec.output_path!r}",
            )
        )
    if group is not None and (role or spec.role is not None):
        findings.append(
            CDK004.finding(f"{where}:role", f"received a role for a job of group {group!r}")
        )
    return findings
