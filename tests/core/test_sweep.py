"""Trial expansion of a sweep: grid order, explicit lists, round-robin lanes."""

from __future__ import annotations

from cdk_sagemaker_training.core.sweep import Objective, SweepSpec

LOSS = Objective(metric="eval:loss")


def test_grid_is_the_cross_product_in_file_order() -> None:
    sweep = SweepSpec(objective=LOSS, parameters={"lr": (1, 2), "w": (0, 1)})
    assert [dict(t) for t in sweep.trials] == [
        {"lr": 1, "w": 0},
        {"lr": 1, "w": 1},
        {"lr": 2, "w": 0},
        {"lr": 2, "w": 1},
    ]


def test_explicit_trials_are_kept_as_written() -> None:
    trials = ({"lr": 3}, {"lr": 1, "w": 2})
    assert SweepSpec(objective=LOSS, explicit_trials=trials).trials == trials


def test_lanes_deal_trials_round_robin_and_drop_empty_lanes() -> None:
    sweep = SweepSpec(objective=LOSS, parameters={"lr": (1, 2, 3)}, lanes=2)
    assert [[t["lr"] for t in lane] for lane in sweep.lane_trials] == [[1, 3], [2]]
    assert len(SweepSpec(objective=LOSS, parameters={"lr": (1,)}, lanes=3).lane_trials) == 1


def test_no_parameters_means_no_trials() -> None:
    assert SweepSpec(objective=LOSS).trials == ()
