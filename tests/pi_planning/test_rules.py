"""The rules of PI planning against figures worked by hand (domain.md)."""

import datetime as dt
from decimal import Decimal as D

import pytest

from art import rules
from art.rules.capacity import MemberInput
from art.rules.dependencies import IterationRef, StoryRef


def team(*ftes, absences=None, delivering=None):
    absences = absences or [0] * len(ftes)
    delivering = delivering or [True] * len(ftes)
    return [MemberInput(D(str(f)), d, D(str(a))) for f, a, d in zip(ftes, absences, delivering, strict=True)]


# --- capacity --------------------------------------------------------------------------------


def test_capacity_domain_example_four_developers_and_a_half_time_tester():
    # 4 × 1.0 × 8 + 0.5 × 8 = 32 + 4 = 36
    assert rules.capacity.team_capacity(team(1, 1, 1, 1, 0.5), workdays=10) == D(36)


def test_capacity_one_developer_two_days_off():
    # 36 − 1.0 × 2 = 34
    assert rules.capacity.team_capacity(team(1, 1, 1, 1, 0.5, absences=[2, 0, 0, 0, 0]), workdays=10) == D(34)


def test_capacity_public_holiday_for_everyone():
    # 36 − 4 × 1 − 0.5 × 1 = 31.5
    assert rules.capacity.team_capacity(team(1, 1, 1, 1, 0.5, absences=[1] * 5), workdays=10) == D("31.5")


def test_capacity_scales_with_the_iterations_length():
    # a 3-week iteration: 8 × 15 / 10 = 12 per full-time person; 0.5 FTE with 1 day off: 0.5 × (12 − 1) = 5.5
    assert rules.capacity.member_capacity(D(1), 15) == D(12)
    assert rules.capacity.member_capacity(D("0.5"), 15, D(1)) == D("5.5")
    # a short iteration of 7 workdays: 8 × 7 / 10 = 5.6
    assert rules.capacity.member_capacity(D(1), 7) == D("5.6")


def test_capacity_never_below_zero_and_non_delivering_members_do_not_count():
    assert rules.capacity.member_capacity(D(1), 10, D(9)) == D(0)
    # product owner and scrum master not delivering: only the developer counts
    assert rules.capacity.team_capacity(team(1, 1, 1, delivering=[True, False, False]), 10) == D(8)


def test_public_holidays_count_on_workdays_inside_the_iteration_only():
    start, end = dt.date(2026, 5, 4), dt.date(2026, 5, 17)  # Mon 4 May to Sun 17 May
    holidays = [dt.date(2026, 5, 14), dt.date(2026, 5, 16), dt.date(2026, 5, 25)]  # Thu, Sat, outside
    assert rules.capacity.holiday_days(holidays, start, end) == 1


def test_measured_velocity_needs_three_finished_iterations_and_takes_the_last_three():
    assert rules.capacity.measured_velocity([30, 34]) is None
    # (34 + 29 + 36) / 3 = 33
    assert rules.capacity.measured_velocity([20, 34, 29, 36]) == D(33)


# --- load ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "capacity", "pct", "status"),
    [
        (29, D("31.5"), D("92.06"), "no_slack"),  # api.md example: 29 / 31.5 = 92.06 %
        (34, 40, D(85), "ok"),  # exactly 85 %: still slack
        (D("34.4"), 40, D(86), "no_slack"),
        (36, 36, D(100), "no_slack"),  # exactly 100 %: not yet overloaded
        (37, 36, D("102.78"), "overloaded"),
        (0, 36, D(0), "ok"),
    ],
)
def test_load_status_thresholds(load, capacity, pct, status):
    result = rules.capacity.load_status(load, capacity)
    assert (round(result.pct, 2), result.status) == (pct, status)


def test_load_without_capacity_is_overloaded_when_anything_is_placed():
    assert (
        rules.capacity.load_status(5, 0).status == "overloaded"
        and rules.capacity.load_status(5, 0).pct is None
    )
    assert rules.capacity.load_status(0, 0).status == "ok"


def test_round2_rounds_half_up_for_the_api():
    assert rules.stats.round2(D(29) * 100 / D("31.5")) == 92.06
    assert rules.stats.round2(D("2.345")) == 2.35


# --- WSJF ------------------------------------------------------------------------------------


def test_wsjf_domain_example():
    assert rules.backlog.wsjf(3, 5, 1, 3) == 3.0
    assert round(rules.backlog.wsjf(8, 2, 2, 5), 2) == 2.4
    assert rules.backlog.wsjf(1, 1, 8, 2) == 5.0


# --- dependency health -----------------------------------------------------------------------

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


# --- confidence vote -------------------------------------------------------------------------


def test_confidence_domain_example():
    c = rules.votes.confidence([5, 4, 3, 3, 2, 4])
    # 21 / 6 = 3.5 ≥ 3: accepted; one vote of 2: one concern
    assert (c.votes, c.average, c.result, c.concerns) == (6, 3.5, "accepted", 1)
    assert c.distribution == {1: 0, 2: 1, 3: 2, 4: 2, 5: 1}


def test_confidence_at_the_boundary():
    assert rules.votes.confidence([3, 3, 3]).result == "accepted"  # exactly 3.0
    assert rules.votes.confidence([4, 2]).result == "accepted"  # 3.0
    # 2.99..: (3 × 99 + 2) / 100 = 2.99 → rework, although the 2-decimal average shows 2.99
    assert rules.votes.confidence([3] * 99 + [2]).result == "rework"
    # 8 / 3 = 2.67
    c = rules.votes.confidence([1, 2, 5])
    assert (c.average, c.result, c.concerns) == (2.67, "rework", 2)


def test_confidence_without_votes():
    c = rules.votes.confidence([])
    assert (c.votes, c.average, c.result) == (0, None, None)


# --- ROAM ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "target"),
    [("unroamed", t) for t in ("resolved", "owned", "accepted", "mitigated")]
    + [
        (a, b)
        for a in ("owned", "accepted", "mitigated")
        for b in ("owned", "accepted", "mitigated")
        if a != b
    ]
    + [(a, "resolved") for a in ("owned", "accepted", "mitigated")],
)
def test_allowed_roam_moves(current, target):
    assert rules.risks.roam_refusal(current, target, owner="Ana", mitigation_plan="Pair with vendor") is None


@pytest.mark.parametrize(
    ("current", "target", "message"),
    [
        ("owned", "unroamed", "cannot go back"),
        ("resolved", "owned", "stays resolved"),
        ("resolved", "unroamed", "cannot go back"),
        ("unroamed", "owned", "Owned needs an owner"),
        ("accepted", "mitigated", "Mitigated needs an owner"),
        ("unroamed", "sideways", "roam must be one of"),
    ],
)
def test_refused_roam_moves(current, target, message):
    assert message in rules.risks.roam_refusal(current, target)


def test_mitigated_needs_a_plan_as_well_as_an_owner():
    assert rules.risks.roam_refusal("owned", "mitigated", owner="Ana") == "Mitigated needs a mitigation plan"
