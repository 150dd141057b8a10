"""art/rules/baselines.py: what changed since the committed plan, on plans written by hand.

Pure functions, no database."""

from art.rules.baselines import PlanChange, plan_changes

BASELINE = {
    "features": {
        "1": {"team": 10, "iteration": 100, "title": "Checkout"},
        "2": {"team": 10, "iteration": 101, "title": "Refunds"},
        "3": {"team": 11, "iteration": 100, "title": "Payouts"},
    },
    "stories": {"7": {"team": 10, "iteration": 100}},
}


def test_an_unchanged_plan_has_no_changes_even_when_other_fields_differ():
    renamed = {
        "features": {k: {**v, "title": v["title"].upper()} for k, v in BASELINE["features"].items()},
        "stories": BASELINE["stories"],
    }
    assert plan_changes(BASELINE, renamed) == []


def test_added_removed_and_moved_cards_in_id_order_features_first():
    current = {
        "features": {
            "1": {"team": 10, "iteration": 100},  # unchanged
            "2": {"team": 10, "iteration": 102},  # moved to another iteration
            "3": {"team": 12, "iteration": 100},  # moved to another team
            "10": {"team": 11, "iteration": 101},  # added; sorts after 3 as a number, not as text
        },
        "stories": {},  # story 7 removed
    }
    assert plan_changes(BASELINE, current) == [
        PlanChange("feature", 2, "moved", BASELINE["features"]["2"], current["features"]["2"]),
        PlanChange("feature", 3, "moved", BASELINE["features"]["3"], current["features"]["3"]),
        PlanChange("feature", 10, "added", None, current["features"]["10"]),
        PlanChange("story", 7, "removed", {"team": 10, "iteration": 100}, None),
    ]


def test_a_plan_missing_a_kind_counts_as_empty():
    added = plan_changes({}, {"stories": {"5": {"team": 1, "iteration": None}}})
    assert [(c.kind, c.id, c.change) for c in added] == [("story", 5, "added")]
    assert plan_changes({}, {}) == []
