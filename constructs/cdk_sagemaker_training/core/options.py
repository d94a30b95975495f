"""Options of the `TrainingJob` construct that contradict its job definition.

The construct takes the definition (`job=`) and its own options apart, so no key shadows
an option; where both say something about the same thing, these findings fail synthesis.
"""

from __future__ import annotations

from collections.abc import Callable

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
CDK005 = define(
    "CDK005",
    Severity.ERROR,
    "VPC given twice, or incompletely",
    "Pass vpc= and security_groups= together, or the job's subnets and security_group_ids "
    "keys, not both",
)
CDK006 = define(
    "CDK006",
    Severity.ERROR,
    "KMS key given twice",
    "Pass volume_key= / output_key= (an IKey) or the job's volume_kms_key / output_kms_key "
    "key, not both",
)
CDK004 = define(
    "CDK004",
    Severity.ERROR,
    "Own execution role in a warm-pool group",
    "Drop role=: jobs of a warm-pool group share the group's role (a different RoleArn "
    "silently prevents pool reuse)",
)


def option_conflicts(
    spec: JobSpec,
    *,
    where: Callable[[], str],
    role: bool,
    group: str | None,
    output_bucket: bool,
    vpc: bool = False,
    security_groups: bool = False,
    volume_key: bool = False,
    output_key: bool = False,
) -> list[Finding]:
    """Construct options that contradict the job definition (or each other).

    The booleans say whether each option was given (Default: not); `group` is the name of
    the `WarmPoolGroup` given, if any. `where`: returns the construct path, for the
    findings (asked only when there is one).
    """
    findings: list[Finding] = []

    def at(key: str) -> str:
        return f"{where()}:{key}"

    if (vpc or security_groups) and spec.uses_vpc:
        findings.append(
            CDK005.finding(at("subnets"), "received vpc=/security_groups= and subnets keys")
        )
    elif vpc != security_groups:
        one, other = ("vpc=", "security_groups=") if vpc else ("security_groups=", "vpc=")
        findings.append(CDK005.finding(at(other), f"received {one} without {other}"))
    for given, key in ((volume_key, "volume_kms_key"), (output_key, "output_kms_key")):
        if given and getattr(spec, key) is not None:
            findings.append(CDK006.finding(at(key), f"received an IKey option and {key}"))
    if role and spec.role is not None:
        findings.append(CDK001.finding(at("role"), f"received role= and role {spec.role!r}"))
    if group is not None and spec.warm_pool_group not in (None, group):
        findings.append(
            CDK002.finding(
                at("warm_pool_group"),
                f"received warm_pool_group {spec.warm_pool_group!r} and a WarmPoolGroup "
                f"named {group!r}",
            )
        )
    if output_bucket and spec.output_path is not None:
        findings.append(
            CDK003.finding(
                at("output_path"),
                f"received output_bucket= and output_path {spec.output_path!r}",
            )
        )
    if group is not None and (role or spec.role is not None):
        findings.append(CDK004.finding(at("role"), f"received a role for a job of group {group!r}"))
    return findings
