"""art/rules/dependencies.py: dependency age and aging, and a dependency's health (provider
planned before, in or after the iteration it is needed by), on dates worked by hand.

Pure functions, no database."""

import datetime as dt

import pytest

from art import rules
from art.rules.dependencies import DependencyDates, IterationRef, StoryRef
from tests.art.rules.helpers import at

# ------------------------------------------------------------------------------------------
# Dependency age
# ------------------------------------------------------------------------------------------

NOW = at(20, 12)  # 20 May 12:00 UTC


def test_dependency_age_open_and_resolved():
    # Open since 1 May 12:00: 19 days.
    assert rules.dependencies.dependency_age_days(DependencyDates(at(1, 12)), NOW) == 19
    # Resolved keeps its age: 1 April 12:00 → 30 April 12:00 = 29 days, whatever now is.
    resolved = DependencyDates(at(1, 12, month=4), at(30, 12, month=4))
    assert rules.dependencies.dependency_age_days(resolved, NOW) == 29
    # Whole days, rounded down: 5 May 13:00 → 20 May 12:00 = 14 days 23 h → 14.
    assert rules.dependencies.dependency_age_days(DependencyDates(at(5, 13)), NOW) == 14
    # Created after now (clock skew): 0.
    assert rules.dependencies.dependency_age_days(DependencyDates(at(21)), NOW) == 0


def test_dependency_aging_boundary():
    assert not rules.dependencies.is_aging(DependencyDates(at(6, 12)), NOW)  # exactly 14 days: not aging
    assert rules.dependencies.is_aging(DependencyDates(at(5, 12)), NOW)  # 15 days: aging
    assert not rules.dependencies.is_aging(DependencyDates(at(5, 13)), NOW)  # 14 days 23 h → 14: not aging
    assert not rules.dependencies.is_aging(
        DependencyDates(at(1, 12, month=4), at(30, 12, month=4)), NOW
    )  # resolved
    assert not rules.dependencies.is_aging(DependencyDates(at(5, 12)), NOW, aging_after_days=15)


def test_dependency_age_summary():
    deps = [
        DependencyDates(at(1, 12)),  # open, 19, aging
        DependencyDates(at(6, 12)),  # open, 14
        DependencyDates(at(5, 12)),  # open, 15, aging
        DependencyDates(at(5, 13)),  # open, 14
        DependencyDates(at(1, 12, month=4), at(30, 12, month=4)),  # resolved, 29
    ]
    # All: (19 + 14 + 15 + 14 + 29) / 5 = 91 / 5 = 18.2, max 29. Open: 62 / 4 = 15.5, max 19.
    assert rules.dependencies.dependency_age_summary(deps, NOW) == rules.dependencies.DependencyAgeSummary(
        open=4, resolved=1, mean_age=18.2, max_age=29, aging=2, open_mean_age=15.5, open_max_age=19
    )
    assert rules.dependencies.dependency_age_summary(deps, NOW, aging_after_days=18).aging == 1  # only the 19
    assert rules.dependencies.dependency_age_summary([], NOW) == rules.dependencies.DependencyAgeSummary(
        0, 0, None, None, 0, None, None
    )


# ------------------------------------------------------------------------------------------
# Dependency health
# ------------------------------------------------------------------------------------------

PI, OTHER_PI = 1, 2


def it(number, *, pi=PI, ip=False):
    start = dt.date(2026, 1, 5) + dt.timedelta(weeks=2 * (number - 1)) + dt.timedelta(weeks=10 * (pi - 1))
    return IterationRef(
        id=pi * 100 + number,
        pi_id=pi,
        number=number,
        name="IP" if ip else f"Iteration {number}",
        is_ip=ip,
        start_date=start,
        pi_name=f"PI {pi}",
    )


def health(**kwargs):
    kwargs.setdefault("state", "committed")
    kwargs.setdefault("committed", None)
    kwargs.setdefault("provider_name", "Bravo")
    return rules.dependencies.dependency_health(**kwargs)


def test_provider_earlier_than_needed_is_healthy():
    h = health(needed_by=it(3), committed=it(2))
    assert (h.code, h.label, h.icon) == ("green", "Healthy", "✓")
    assert "Iteration 2" in h.reason


def test_provider_in_the_needed_iteration_is_at_risk():
    assert health(needed_by=it(3), committed=it(3)).code == "amber"


def test_provider_later_than_needed_is_a_conflict():
    h = health(needed_by=it(2), committed=it(3))
    assert h.code == "red" and "after it is needed" in h.reason


def test_without_commitment_the_provider_features_delivery_iteration_counts():
    assert health(needed_by=it(3), provider_feature_iteration=it(2)).code == "green"
    # an explicit commitment wins over the feature's iteration
    assert health(needed_by=it(3), committed=it(4), provider_feature_iteration=it(1)).code == "red"


def test_not_planned_is_a_conflict_with_the_reason():
    h = health(needed_by=it(3))
    assert h.code == "red" and "not planned" in h.reason


def test_planned_in_the_ip_iteration_is_a_conflict():
    h = health(needed_by=it(5, ip=True), committed=it(5, ip=True))
    assert h.code == "red" and "IP iteration" in h.reason


def test_planned_in_another_pi_is_a_conflict_even_when_earlier():
    h = health(needed_by=it(2, pi=OTHER_PI), committed=it(1, pi=PI))
    assert h.code == "red" and "another PI" in h.reason and "PI 1" in h.reason


def test_hidden_conflict_story_of_the_provider_placed_after_the_needed_iteration():
    # looks green (feature committed in 2, needed by 3) but story B-7 is in iteration 4
    stories = [StoryRef("B-5", "API", it(2)), StoryRef("B-7", "Contract tests", it(4))]
    h = health(needed_by=it(3), committed=it(2), provider_stories=stories)
    assert h.code == "red" and h.hidden_conflict and h.late_stories == ("B-7",)
    assert "B-7 in Iteration 4" in h.reason and "Hidden conflict" in h.reason


def test_hidden_conflict_also_turns_amber_red_but_a_story_in_the_needed_iteration_does_not():
    stories = [StoryRef("B-5", "API", it(3))]
    assert health(needed_by=it(3), committed=it(3), provider_stories=stories).code == "amber"
    late = [StoryRef("B-9", "Docs", it(1, pi=OTHER_PI))]  # in a later PI
    assert health(needed_by=it(3), committed=it(3), provider_stories=late).code == "red"


@pytest.mark.parametrize("state", ["delivered", "cancelled"])
def test_delivered_and_cancelled_are_done(state):
    assert health(state=state, needed_by=it(3), committed=it(5)).code == "done"
