"""`TrainingJobPolicy`: a platform team's limits, enforced on every `TrainingJob` in scope.

    Aspects.of(app).add(TrainingJobPolicy(PlatformPolicy(max_keep_alive_period_in_seconds=1800)))

The limits are the spec layer's POLICY rules; this aspect only reports their findings at
the job's construct path (errors fail synthesis).
"""

from __future__ import annotations

import jsii
from aws_cdk import IAspect
from constructs import IConstruct

from .spec.policy import PlatformPolicy
from .spec.rules import check_policy
from .training_job import TrainingJob
from .validation import report_findings


@jsii.implements(IAspect)
class TrainingJobPolicy:
    """Applies one `PlatformPolicy` to every `TrainingJob` it visits."""

    def __init__(self, policy: PlatformPolicy) -> None:
        self.policy = policy

    def visit(self, node: IConstruct) -> None:
        """Report the policy findings of a training job."""
        if isinstance(node, TrainingJob):
            report_findings(node, check_policy(node.spec, self.policy))
