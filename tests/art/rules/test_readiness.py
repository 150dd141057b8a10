"""PI-planning readiness (art/rules/readiness.py), worked by hand: the five items that tick
themselves from the train's data, the four the RTE ticks, and the summary."""

from __future__ import annotations

from decimal import Decimal

from art.rules.readiness import (
    DONE,
    MANUAL_KEYS,
    NOT_APPLICABLE,
    TODO,
    ReadinessInputs,
    computed_items,
    manual_items,
    readiness_summary,
)

#: A train ready on every computed item: 6 features, all scored, 130 points for a capacity of
#: 2 teams × 4 iterations × 15.5 = 124; both teams have capacity in every iteration; a business
#: owner; two milestones; the 3 items of PI 1's I&A all targeted.
READY = ReadinessInputs(
    features=6,
    unscored=0,
    feature_points=130,
    capacity=Decimal("124.0"),
    teams=2,
    dev_iterations=4,
    missing_capacity=(),
    business_owners=1,
    milestones=2,
    previous_pi="PI 1",
    previous_items=3,
    previous_untargeted=0,
)


def states(inputs):
    return {item.key: (item.state, item.detail) for item in computed_items(inputs)}


def with_(**changes):
    return ReadinessInputs(**{**READY.__dict__, **changes})


def test_every_computed_item_ticks_itself_when_the_data_is_there():
    assert states(READY) == {
        "backlog": (DONE, "6 features, all scored: 130 points for a capacity of 124"),
        "capacity": (DONE, "2 teams × 4 iterations, all with capacity"),
        "business_owners": (DONE, "1 business owner"),
        "milestones": (DONE, "2 milestones"),
        "improvements": (DONE, "all 3 items from PI 1 targeted or closed"),
    }
    assert [item.key for item in computed_items(READY)] == [
        "backlog",
        "capacity",
        "business_owners",
        "milestones",
        "improvements",
    ]


def test_the_backlog_needs_features_all_scored_and_enough_points():
    assert states(with_(features=0, feature_points=0))["backlog"] == (
        TODO,
        "no features are planned into this PI yet",
    )
    assert states(with_(unscored=1))["backlog"] == (TODO, "1 feature of 6 without a WSJF score")
    # 120 points < 124 capacity: not enough (exactly the capacity is enough).
    assert states(with_(feature_points=120))["backlog"] == (
        TODO,
        "120 points ranked for a capacity of 124: 6 features are not enough",
    )
    assert states(with_(feature_points=124))["backlog"][0] == DONE
    assert states(with_(capacity=Decimal("31.5"), feature_points=31))["backlog"][1] == (
        "31 points ranked for a capacity of 31.5: 6 features are not enough"
    )


def test_capacity_names_the_team_iterations_without_any():
    assert states(with_(missing_capacity=("Alpha · Iteration 2",)))["capacity"] == (
        TODO,
        "no capacity for Alpha · Iteration 2",
    )
    many = tuple(f"Team {n} · Iteration 1" for n in range(1, 7))
    assert states(with_(missing_capacity=many))["capacity"] == (
        TODO,
        "no capacity for Team 1 · Iteration 1, Team 2 · Iteration 1, Team 3 · Iteration 1, "
        "Team 4 · Iteration 1 and 2 more",
    )
    assert states(with_(teams=0))["capacity"] == (TODO, "the PI has no teams yet")
    assert states(with_(dev_iterations=0))["capacity"] == (TODO, "the PI has no development iterations yet")


def test_business_owners_and_milestones():
    assert states(with_(business_owners=0))["business_owners"] == (
        TODO,
        "nobody has the business-owner role in the train",
    )
    assert states(with_(business_owners=3))["business_owners"] == (DONE, "3 business owners")
    assert states(with_(milestones=0))["milestones"] == (TODO, "the PI has no milestones")
    assert states(with_(milestones=1))["milestones"] == (DONE, "1 milestone")


def test_last_pis_improvement_items():
    assert states(with_(previous_untargeted=2))["improvements"] == (
        TODO,
        "2 open items of 3 from PI 1 without a target PI",
    )
    assert states(with_(previous_items=0))["improvements"] == (
        TODO,
        "PI 1's Inspect & Adapt wrote no improvement items",
    )
    assert states(with_(previous_pi=""))["improvements"] == (NOT_APPLICABLE, "no PI before this one")


def test_the_rte_ticks_the_manual_items():
    items = manual_items({"room": True, "logistics": False}, {"room": "Hall B, 12 tables"})
    assert [item.key for item in items] == list(MANUAL_KEYS)
    assert [item.state for item in items] == [TODO, TODO, DONE, TODO]
    assert items[2].detail == "Hall B, 12 tables" and items[2].manual


def test_the_summary_counts_the_items_that_apply():
    # READY: 5 computed done; manual: room ticked → 6 of 9 done, 66.67 %.
    items = computed_items(READY) + manual_items({"room": True})
    summary = readiness_summary(items)
    assert (summary.done, summary.total, summary.percent, summary.ready) == (6, 9, 66.67, False)
    # No previous PI: its item is n/a and counts neither way → 4 + 4 of 8.
    items = computed_items(with_(previous_pi="")) + manual_items(dict.fromkeys(MANUAL_KEYS, True))
    summary = readiness_summary(items)
    assert (summary.done, summary.total, summary.percent, summary.ready) == (8, 8, 100.0, True)
    assert readiness_summary([]).percent is None
