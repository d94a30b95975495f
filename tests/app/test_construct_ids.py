"""Job and warm-pool group names become construct ids; clashes are APP003 findings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cdk_sagemaker_training.core.findings import SpecError
from cdk_sagemaker_training.core.model import JobSpec
from stacks.training_jobs import check_construct_ids, construct_id
from tests.app.test_reference_app import run_app
from tests.factories import BASE
from tests.synth_helpers import ROOT


def jobs(*names: str, group: str | None = None) -> list[JobSpec]:
    return [replace(BASE, name=name, warm_pool_group=group) for name in names]


# (id, jobs, text the finding's path and message must contain)
CLASHES = [
    ("case-and-hyphen", jobs("dup-job", "dupJob"), "construct id 'DupJob'"),
    ("no-letter-or-digit", jobs("-"), "no letter or digit"),
    ("stack-construct", jobs("output"), "the stack's Output"),
    ("quota-guard", jobs("quota-guard"), "the stack's QuotaGuard"),
    ("stack-output", jobs("x", "x-state-machine-arn"), "XStateMachineArn"),
    ("groups", [*jobs("a", group="bert-pool"), *jobs("b", group="bertPool")], "WarmPoolBertPool"),
    ("group-and-job", [*jobs("a", group="x"), *jobs("warm-pool-x")], "WarmPoolX"),
]


@pytest.mark.parametrize(("specs", "detail"), [c[1:] for c in CLASHES], ids=[c[0] for c in CLASHES])
def test_clashing_names_are_app003_findings(specs: list[JobSpec], detail: str) -> None:
    with pytest.raises(SpecError) as error:
        check_construct_ids(specs)
    assert [f.code for f in error.value.findings] == ["APP003"]
    assert detail in str(error.value)


def test_distinct_names_and_a_shared_group_pass() -> None:
    check_construct_ids([*jobs("dup-job", "other-job", group="pool"), *jobs("solo")])
    assert construct_id("hf-bert-compiler") == "HfBertCompiler"


def test_app_reports_a_clash_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    job = (ROOT / "jobs" / "pytorch-xla-multinode.yaml").read_text()
    for index, name in enumerate(("dup-job", "dupJob")):
        (tmp_path / f"{index}.yaml").write_text(job.replace("pytorch-xla-multinode", name))
    result = run_app(tmp_path, {"jobs": str(tmp_path), "quota_guard": "off"})
    assert result.returncode == 2
    assert "APP003" in result.stderr and "dupJob" in result.stderr
    assert "Traceback" not in result.stderr
