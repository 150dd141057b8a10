"""art/rules/capacity.py: capacity of a team per iteration (FTE, workdays, absences, public
holidays), measured velocity and load against capacity, on figures worked by hand
(docs/domain.md).

Pure functions, no database."""

import datetime as dt
from decimal import Decimal as D

import pytest

from art import rules
from art.rules.capacity import MemberInput


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
