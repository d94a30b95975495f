"""`TrainingJobPolicy`: a platform team's limits, enforced on every `TrainingJob` in scope.

    Aspects.of(app).add(TrainingJobPolicy(PlatformPolicy(max_keep_alive_period_in_seconds=1800)))

The limits are the spec layer's POLICY rules; this aspect only reports their findings at
the job's construct path (errors fail synthesis).
"""

from __future__ import annotations

import jsii
from aws_cdk import IAspect
from constructs import IConstruct

from cdk_sagemaker_training.cdk._private.validation import report_findings
from cdk_sagemaker_training.cdk.training_job import TrainingJob
from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.policy import PlatformPolicy
from cdk_sagemaker_training.core.rules import check_policy


@jsii.implements(IAspect)
class TrainingJobPolicy:
    """Applies one `PlatformPolicy` to every `TrainingJob` it visits."""

    def __init__(self, policy: PlatformPolicy) -> None:
        self.policy = policy

    def visit(self, node: IConstruct) -> None:
        """Report the policy findings of a training job."""
        if not isinstance(node, TrainingJob):
            return
        try:
            spec = node.effective_spec
        except SpecError:
            return  # the job's own findings already fail synthesis
        report_findings(node, check_policy(spec, self.policy))
