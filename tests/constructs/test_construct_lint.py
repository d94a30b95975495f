"""cfn-lint and cdk-nag (AwsSolutions) on the construct test apps."""

from __future__ import annotations

import pytest

from tests.constructs.conftest import Synthesized
from tests.synth_helpers import cfn_lint, nag_violations, template_files


@pytest.mark.parametrize("app", ["agnostic", "pinned"])
def test_cfn_lint_is_clean(app: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(app)
    result = cfn_lint(template_files(synth.outdir))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("app", ["agnostic", "pinned"])
def test_cdk_nag_has_no_unacknowledged_findings(app: str, request: pytest.FixtureRequest) -> None:
    synth: Synthesized = request.getfixturevalue(app)
    assert nag_violations(synth.outdir) == []
