"""Capacity and load through the selector, with figures worked by hand (domain.md, "Capacity").

The world's PI starts on Monday 5 January 2026: iterations 1–4 of two weeks (10 workdays each)
and the IP iteration. Alpha: four developers at 1.0, a tester at 0.5 and a product owner who
does not deliver: 4 × 8 + 0.5 × 8 = 36 points in a full iteration."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from art.models import Absence, Iteration, ProgramIncrement, Story, TeamMember
from pi_planning.models import Holiday
from pi_planning.selectors.capacity import pi_capacity, team_capacity_table, velocity_histories
from tests.art.factories import PIFactory
from tests.pi_planning.helpers import BEFORE_PI, story

pytestmark = pytest.mark.django_db


@pytest.fixture
def alpha(world):
    people = {
        name: TeamMember.objects.create(team=world.team, name=name, fte=Decimal(fte), delivering=delivering)
        for name, fte, delivering in [
            ("Dev 1", "1.00", True),
            ("Dev 2", "1.00", True),
            ("Dev 3", "1.00", True),
            ("Dev 4", "1.00", True),
            ("Tester", "0.50", True),
            ("Product owner", "1.00", False),
        ]
    }
    return people


def cells(world, **kwargs):
    return pi_capacity(pi=world.pi, today=kwargs.pop("today", BEFORE_PI), **kwargs)


def test_four_developers_and_a_half_time_tester_give_36(world, plan, alpha):
    # when capacity is computed for a full two-week iteration with nobody away
    cell = cells(world)[(world.team.pk, plan.it(1).pk)]
    # then 4 × 8 + 0.5 × 8 = 36; the product owner does not count (not delivering)
    assert cell.capacity == Decimal(36)
    assert cell.members == 5
    assert cell.basis == "normalized"


def test_a_developer_two_days_off_gives_34(world, plan, alpha):
    Absence.objects.create(member=alpha["Dev 2"], iteration=plan.it(2), days=Decimal(2))
    assert cells(world)[(world.team.pk, plan.it(2).pk)].capacity == Decimal(34)
    # and the other iterations keep 36
    assert cells(world)[(world.team.pk, plan.it(1).pk)].capacity == Decimal(36)


def test_a_public_holiday_for_everyone_gives_31_5(world, plan, alpha):
    # given a holiday on Wednesday 4 February 2026, in iteration 3
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 4), name="Holiday")
    # then 36 − 4 × 1 − 0.5 × 1 = 31.5
    cell = cells(world)[(world.team.pk, plan.it(3).pk)]
    assert cell.capacity == Decimal("31.5")
    assert cell.holiday_days == 1


def test_a_holiday_on_a_weekend_or_in_another_train_costs_nothing(world, plan, alpha):
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 7), name="Saturday")
    other = PIFactory(iterations=0).train
    Holiday.objects.create(train=other, date=dt.date(2026, 2, 4), name="Elsewhere")
    assert cells(world)[(world.team.pk, plan.it(3).pk)].capacity == Decimal(36)


def test_absences_and_a_holiday_add_up_scaled_by_fte_and_never_go_below_zero(world, plan, alpha):
    # given the tester 2 days away and a developer away the whole iteration, plus a holiday
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 4), name="Holiday")
    Absence.objects.create(member=alpha["Tester"], iteration=plan.it(3), days=Decimal(2))
    Absence.objects.create(member=alpha["Dev 1"], iteration=plan.it(3), days=Decimal(10))
    # then: three developers 3 × (8 − 1) = 21; the tester 0.5 × (8 − 3) = 2.5; Dev 1 max(0, 8 − 11) = 0
    assert cells(world)[(world.team.pk, plan.it(3).pk)].capacity == Decimal("23.5")
    table = team_capacity_table(team=world.team, pi=world.pi, today=BEFORE_PI)
    by_name = {row.member.name: row.iterations[2] for row in table.members}
    assert by_name["Dev 1"].capacity == 0
    assert by_name["Tester"].capacity == Decimal("2.5")
    assert by_name["Product owner"].capacity == 0
    assert sum(r.iterations[2].capacity for r in table.members) == table.cells[2].capacity


def test_a_three_week_iteration_scales_the_eight_points(world, alpha):
    # given a PI of three-week iterations (15 workdays): 8 × 15 / 10 = 12 points per person
    pi = PIFactory(train=world.train, name="Long", start_date=dt.date(2026, 6, 1), iterations__weeks=3)
    first = Iteration.objects.get(pi=pi, number=1)
    assert first.workdays == 15
    # then 4 × 12 + 0.5 × 12 = 54
    assert pi_capacity(pi=pi, today=BEFORE_PI)[(world.team.pk, first.pk)].capacity == Decimal(54)


def test_an_iteration_with_fewer_workdays_scales_down(world, alpha):
    # given a one-week iteration (5 workdays): 8 × 5 / 10 = 4 per person → 4.5 × 4 = 18
    pi = PIFactory(train=world.train, name="Short", start_date=dt.date(2026, 9, 7), iterations__weeks=1)
    first = Iteration.objects.get(pi=pi, number=1)
    assert pi_capacity(pi=pi, today=BEFORE_PI)[(world.team.pk, first.pk)].capacity == Decimal(18)


@pytest.mark.parametrize(
    ("points", "status", "pct"),
    [
        (17, "ok", "85"),  # exactly 85 % still has slack
        (18, "no_slack", "90"),  # above 85 %
        (20, "no_slack", "100"),  # exactly 100 % is full, not over
        (21, "overloaded", "105"),  # above 100 %
    ],
)
def test_load_thresholds(world, plan, points, status, pct):
    # given Bravo with 2.5 FTE: 20 points in iteration 1
    for fte in ("1.00", "1.00", "0.50"):
        TeamMember.objects.create(team=world.other_team, name=f"P {fte}", fte=Decimal(fte))
    remaining = points
    while remaining:
        size = min(remaining, 5)
        story(world, team=world.other_team, iteration=plan.it(1), points=size)
        remaining -= size
    cell = cells(world)[(world.other_team.pk, plan.it(1).pk)]
    assert (cell.capacity, cell.points) == (Decimal(20), Decimal(points))
    assert cell.status == status
    assert cell.pct == Decimal(pct)


def test_load_counts_points_of_stories_placed_in_the_iteration_only(world, plan, alpha):
    story(world, iteration=plan.it(1), points=5)
    story(world, iteration=plan.it(1), points=None)  # unsized: counts 0
    story(world, iteration=None, points=8)  # not placed
    story(world, team=world.other_team, iteration=plan.it(1), points=13)  # another team
    other_pi = PIFactory(train=world.train, name="Later", start_date=dt.date(2026, 4, 6))
    story(world, iteration=other_pi.iterations.first(), points=20)  # another PI
    cell = cells(world)[(world.team.pk, plan.it(1).pk)]
    assert cell.points == Decimal(5)
    assert cell.status == "ok"


def test_no_capacity_with_load_is_overloaded(world, plan):
    story(world, iteration=plan.it(1), points=1)
    cell = cells(world)[(world.team.pk, plan.it(1).pk)]
    assert (cell.capacity, cell.pct, cell.status) == (Decimal(0), None, "overloaded")
    assert cells(world)[(world.team.pk, plan.it(2).pk)].status == "ok"


def _finished_iterations(world, done_points: list[int]) -> ProgramIncrement:
    """An older PI whose development iterations had `done_points` done by Alpha (and some work
    left undone, which does not count)."""
    pi = PIFactory(train=world.train, name="Old", start_date=dt.date(2025, 9, 1))
    for iteration, points in zip(
        pi.iterations.filter(is_ip=False).order_by("number"), done_points, strict=False
    ):
        story(world, iteration=iteration, points=points, state=Story.State.DONE)
        story(world, iteration=iteration, points=5, state=Story.State.TODO)
    return pi


def test_measured_velocity_is_offered_after_three_finished_iterations(world, plan, alpha):
    # given Alpha finished 50, 30, 33 and 27 points in four iterations of an older PI
    _finished_iterations(world, [50, 30, 33, 27])
    # then its measured velocity is the mean of the last three: (30 + 33 + 27) / 3 = 30
    history = velocity_histories(train_id=world.train.pk, team_ids=[world.team.pk], today=BEFORE_PI)[
        world.team.pk
    ]
    assert history.value == Decimal(30)
    assert [points for _, points in history.used] == [30, 33, 27]
    # and with the velocity basis the board plans with it; Bravo, without history, keeps normalized
    by_velocity = cells(world, basis="velocity")
    assert by_velocity[(world.team.pk, plan.it(1).pk)].capacity == Decimal(30)
    assert by_velocity[(world.team.pk, plan.it(1).pk)].normalized == Decimal(36)
    assert by_velocity[(world.other_team.pk, plan.it(1).pk)].basis == "normalized"
    # while the normalized basis stays the default
    assert cells(world)[(world.team.pk, plan.it(1).pk)].capacity == Decimal(36)


def test_no_measured_velocity_with_two_finished_iterations(world, plan, alpha):
    _finished_iterations(world, [30, 33])
    history = velocity_histories(train_id=world.train.pk, team_ids=[world.team.pk], today=BEFORE_PI)[
        world.team.pk
    ]
    assert history.value is None
    assert cells(world, basis="velocity")[(world.team.pk, plan.it(1).pk)].basis == "normalized"


def test_capacity_costs_a_fixed_number_of_queries(world, plan, alpha, django_assert_num_queries):
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 4), name="Holiday")
    Absence.objects.create(member=alpha["Dev 2"], iteration=plan.it(2), days=Decimal(2))
    # teams, iterations, members, absences, holidays, loads, velocity (its window, then the
    # whole history of the teams with fewer than 3 iterations there: here every team)
    with django_assert_num_queries(8):
        cells(world)
