"""Which quotas a set of jobs needs (pure derivation, no AWS)."""

from __future__ import annotations

import pytest

from cdk_sagemaker_training.core.model import InstanceGroup, JobSpec
from cdk_sagemaker_training.core.quota_requirements import (
    INSTANCES_ACROSS_JOBS,
    MAX_INSTANCES_PER_JOB,
    QuotaKind,
    QuotaRequirement,
    derive_requirements,
    quota_name,
)
from cdk_sagemaker_training.core.sweep import Objective, SweepSpec
from tests.aws.conftest import job

P3 = "ml.p3.2xlarge"
G5 = "ml.g5.xlarge"


def sweep(trials: int, lanes: int) -> SweepSpec:
    """A grid sweep of `trials` trials over `lanes` lanes."""
    grid = {"lr": tuple(range(trials))}
    return SweepSpec(objective=Objective(metric="loss"), parameters=grid, lanes=lanes)


def needs(specs: list[JobSpec]) -> dict[str, int]:
    return {r.quota_name: r.needed for r in derive_requirements(specs)}


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        pytest.param(
            [job(instance_count=2)],
            {
                f"{P3} for training job usage": 2,
                MAX_INSTANCES_PER_JOB: 2,
                INSTANCES_ACROSS_JOBS: 2,
            },
            id="on-demand-no-pool",
        ),
        pytest.param(
            [job(keep_alive_period_in_seconds=600, instance_count=2)],
            {
                f"{P3} for training job usage": 4,
                f"{P3} for training warm pool usage": 2,
                MAX_INSTANCES_PER_JOB: 2,
                INSTANCES_ACROSS_JOBS: 4,
            },
            id="warm-pool-counts-toward-training-usage",
        ),
        pytest.param(
            [
                job("a", keep_alive_period_in_seconds=600, warm_pool_group="g"),
                job("b", keep_alive_period_in_seconds=600, warm_pool_group="g", instance_count=2),
            ],
            {
                f"{P3} for training job usage": 5,
                f"{P3} for training warm pool usage": 2,
                MAX_INSTANCES_PER_JOB: 2,
                INSTANCES_ACROSS_JOBS: 5,
            },
            id="one-pool-per-group-sized-by-largest",
        ),
        pytest.param(
            [
                job("a", keep_alive_period_in_seconds=600),
                job("b", keep_alive_period_in_seconds=600),
            ],
            {
                f"{P3} for training job usage": 4,
                f"{P3} for training warm pool usage": 2,
                MAX_INSTANCES_PER_JOB: 1,
                INSTANCES_ACROSS_JOBS: 4,
            },
            id="one-pool-per-ungrouped-job",
        ),
        pytest.param(
            [job(instance_count=2, max_concurrent_runs=3)],
            {
                f"{P3} for training job usage": 6,
                MAX_INSTANCES_PER_JOB: 2,
                INSTANCES_ACROSS_JOBS: 6,
            },
            id="concurrency-multiplies",
        ),
        pytest.param(
            [job(keep_alive_period_in_seconds=600, instance_count=2, max_concurrent_runs=3)],
            {
                f"{P3} for training job usage": 12,
                f"{P3} for training warm pool usage": 6,
                MAX_INSTANCES_PER_JOB: 2,
                INSTANCES_ACROSS_JOBS: 12,
            },
            id="each-concurrent-run-may-retain-its-own-pool",
        ),
        pytest.param(
            [job(use_spot_instances=True, keep_alive_period_in_seconds=600)],
            {
                f"{P3} for spot training job usage": 1,
                MAX_INSTANCES_PER_JOB: 1,
                INSTANCES_ACROSS_JOBS: 1,
            },
            id="spot-uses-spot-quota-and-keeps-no-pool",
        ),
        pytest.param(
            [
                job(
                    instance_type=None,
                    instance_groups=(
                        InstanceGroup(instance_group_name="a", instance_type=P3, instance_count=2),
                        InstanceGroup(instance_group_name="b", instance_type=G5, instance_count=1),
                    ),
                )
            ],
            {
                f"{G5} for training job usage": 1,
                f"{P3} for training job usage": 2,
                MAX_INSTANCES_PER_JOB: 3,
                INSTANCES_ACROSS_JOBS: 3,
            },
            id="heterogeneous-cluster",
        ),
        pytest.param(
            [job(keep_alive_period_in_seconds=600, instance_count=2, sweep=sweep(3, lanes=2))],
            {
                f"{P3} for training job usage": 8,
                f"{P3} for training warm pool usage": 4,
                MAX_INSTANCES_PER_JOB: 2,
                INSTANCES_ACROSS_JOBS: 8,
            },
            id="sweep-runs-and-keeps-a-pool-per-lane",
        ),
        pytest.param(
            [job(keep_alive_period_in_seconds=600, max_concurrent_runs=3, sweep=sweep(2, lanes=4))],
            {
                f"{P3} for training job usage": 12,
                f"{P3} for training warm pool usage": 6,
                MAX_INSTANCES_PER_JOB: 1,
                INSTANCES_ACROSS_JOBS: 12,
            },
            id="sweep-lanes-without-trials-idle-and-concurrent-runs-multiply",
        ),
        pytest.param(
            [
                job("a", keep_alive_period_in_seconds=600, warm_pool_group="g"),
                job("b", keep_alive_period_in_seconds=600, warm_pool_group="g", sweep=sweep(2, 2)),
            ],
            {
                f"{P3} for training job usage": 5,
                f"{P3} for training warm pool usage": 2,
                MAX_INSTANCES_PER_JOB: 1,
                INSTANCES_ACROSS_JOBS: 5,
            },
            id="sweep-in-a-group-sizes-the-group-pool",
        ),
        pytest.param([], {}, id="no-jobs"),
    ],
)
def test_derive_requirements(specs: list[JobSpec], expected: dict[str, int]) -> None:
    assert needs(specs) == expected


def test_order_is_per_type_then_account_wide() -> None:
    names = [
        r.quota_name
        for r in derive_requirements(
            [
                job("b", instance_type=P3, keep_alive_period_in_seconds=60),
                job("a", instance_type=G5),
            ]
        )
    ]
    assert names == [
        f"{G5} for training job usage",
        f"{P3} for training job usage",
        f"{P3} for training warm pool usage",
        MAX_INSTANCES_PER_JOB,
        INSTANCES_ACROSS_JOBS,
    ]


def test_requirements_name_their_jobs() -> None:
    requirements = derive_requirements(
        [job("big", instance_count=4), job("small"), job("other", instance_type=G5)]
    )
    by_name = {r.quota_name: r for r in requirements}
    assert by_name[f"{P3} for training job usage"].jobs == ("big", "small")
    assert by_name[MAX_INSTANCES_PER_JOB].jobs == ("big",)


def test_round_trip_accepts_cloudformation_strings() -> None:
    requirement = QuotaRequirement(
        kind=QuotaKind.WARM_POOL, needed=2, instance_type=P3, jobs=("a",), reason="r"
    )
    wire = {**requirement.as_dict(), "needed": "2"}
    assert QuotaRequirement.from_dict(wire) == requirement


def test_per_type_quota_needs_an_instance_type() -> None:
    with pytest.raises(ValueError, match="instance type"):
        quota_name(QuotaKind.TRAINING)
