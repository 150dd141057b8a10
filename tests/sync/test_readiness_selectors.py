"""PI-planning readiness from the train's data: the selector counts the inputs of
art.rules.readiness in a fixed number of queries, and the items tick themselves. Numbers worked
by hand: a full-time developer has 8 points per two-week iteration (10 workdays), someone away
the whole iteration has none."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art import rules
from art.models import Feature, Membership, ProgramIncrement
from sync import services
from sync.models import ImprovementItem, Workshop
from sync.selectors.readiness import pi_readiness, readiness_inputs
from tests.art.factories import (
    AbsenceFactory,
    FeatureFactory,
    MilestoneFactory,
    PIFactory,
    TeamFactory,
    TeamMemberFactory,
)
from tests.sync.factories import ImprovementItemFactory

pytestmark = pytest.mark.django_db

SCORED = {"user_business_value": 3, "time_criticality": 5, "risk_reduction": 1, "job_size": 3}


def _item(items, key):
    return next(i for i in items if i.key == key)


def _computed(pi):
    return rules.readiness.computed_items(readiness_inputs(pi))


def _staff(world):
    """Alpha: two developers at 1.0 → 16 a iteration, 64 over the four development iterations.
    Bravo: a developer at 1.0 and a tester at 0.5 → 12 a iteration, but both away the whole of
    Iteration 2 → 0 there; 36 over the PI. The train: 100."""
    iterations = list(world.pi.iterations.filter(is_ip=False).order_by("number"))
    for _ in range(2):
        TeamMemberFactory(team=world.team, fte=Decimal("1.00"))
    dev = TeamMemberFactory(team=world.other_team, fte=Decimal("1.00"))
    tester = TeamMemberFactory(team=world.other_team, fte=Decimal("0.50"))
    for member in (dev, tester):
        AbsenceFactory(member=member, iteration=iterations[1], days=Decimal(10))
    return iterations


def test_the_inputs_are_counted_from_the_data(world):
    _staff(world)
    FeatureFactory(train=world.train, pi=world.pi, points=60, **SCORED)
    FeatureFactory(train=world.train, pi=world.pi, points=50, **SCORED)
    FeatureFactory(train=world.train, pi=world.pi, points=13)  # unscored: its points do not count
    FeatureFactory(train=world.train, pi=world.pi, points=99, state=Feature.State.DONE, **SCORED)  # history
    FeatureFactory(train=world.train, pi=None, points=40, **SCORED)  # not in this PI
    MilestoneFactory(pi=world.pi)

    inputs = readiness_inputs(world.pi)

    assert (inputs.features, inputs.unscored, inputs.feature_points) == (3, 1, 110)
    assert inputs.capacity == Decimal(100)  # 64 + 36
    assert (inputs.teams, inputs.dev_iterations) == (2, 4)
    assert list(inputs.missing_capacity) == ["Bravo · Iteration 2"]
    assert (inputs.business_owners, inputs.milestones) == (1, 1)
    assert inputs.previous_pi == ""


def test_a_backlog_with_one_unscored_feature_is_to_do(world):
    _staff(world)
    FeatureFactory(train=world.train, pi=world.pi, points=120, **SCORED)
    FeatureFactory(train=world.train, pi=world.pi, points=5)

    backlog = _item(_computed(world.pi), "backlog")

    assert backlog.state == rules.readiness.TODO
    assert backlog.detail == "1 feature of 2 without a WSJF score"


def test_enough_points_for_the_capacity_is_done_and_too_few_is_to_do(world):
    _staff(world)
    FeatureFactory(train=world.train, pi=world.pi, points=60, **SCORED)
    short = FeatureFactory(train=world.train, pi=world.pi, points=30, **SCORED)

    # 90 points ranked for a capacity of 100 (64 + 36)
    backlog = _item(_computed(world.pi), "backlog")
    assert backlog.state == rules.readiness.TODO
    assert backlog.detail.startswith("90 points ranked for a capacity of 100")

    Feature.objects.filter(pk=short.pk).update(points=40)  # 100 points for 100: enough
    backlog = _item(_computed(world.pi), "backlog")
    assert backlog.state == rules.readiness.DONE
    assert backlog.detail == "2 features, all scored: 100 points for a capacity of 100"


def test_a_team_with_nobody_in_one_iteration_names_the_team_and_iteration(world):
    _staff(world)

    capacity = _item(_computed(world.pi), "capacity")

    assert capacity.state == rules.readiness.TODO
    assert capacity.detail == "no capacity for Bravo · Iteration 2"


def test_capacity_for_every_team_and_iteration_is_done(world):
    TeamMemberFactory(team=world.team)
    TeamMemberFactory(team=world.other_team)

    capacity = _item(_computed(world.pi), "capacity")

    assert capacity.state == rules.readiness.DONE
    assert capacity.detail == "2 teams × 4 iterations, all with capacity"


def test_no_business_owner_and_no_milestones_are_to_do(world):
    Membership.objects.filter(train=world.train, role=Membership.Role.BUSINESS_OWNER).delete()

    items = _computed(world.pi)

    assert _item(items, "business_owners").state == rules.readiness.TODO
    assert _item(items, "milestones").state == rules.readiness.TODO
    MilestoneFactory(pi=world.pi)
    MilestoneFactory(pi=world.pi)
    assert _item(_computed(world.pi), "milestones").detail == "2 milestones"


def _previous(world) -> tuple[ProgramIncrement, Workshop]:
    previous = PIFactory(
        train=world.train,
        name="PI 25.4",
        start_date=dt.date(2025, 10, 6),
        state=ProgramIncrement.State.CLOSED,
        iterations=0,
    )
    return previous, Workshop.objects.create(train=world.train, pi=previous)


def test_the_previous_pis_items_without_a_target_are_to_do(world):
    _previous_pi, workshop = _previous(world)
    services.improvement_item_create(actor=None, train=world.train, title="Untargeted", workshop=workshop)
    services.improvement_item_create(
        actor=None, train=world.train, title="Targeted", workshop=workshop, target_pi=world.pi
    )
    # dropped and done ones need no target; items written directly are not the workshop's
    services.improvement_item_create(
        actor=None,
        train=world.train,
        title="Dropped",
        workshop=workshop,
        status=ImprovementItem.Status.DROPPED,
    )
    ImprovementItemFactory(train=world.train, title="Written directly")

    improvements = _item(_computed(world.pi), "improvements")

    assert improvements.state == rules.readiness.TODO
    assert improvements.detail == "1 open item of 3 from PI 25.4 without a target PI"


def test_every_item_of_the_previous_pi_targeted_is_done(world):
    _previous_pi, workshop = _previous(world)
    for title in ("One", "Two"):
        services.improvement_item_create(
            actor=None, train=world.train, title=title, workshop=workshop, target_pi=world.pi
        )

    improvements = _item(_computed(world.pi), "improvements")

    assert improvements.state == rules.readiness.DONE
    assert improvements.detail == "all 2 items from PI 25.4 targeted or closed"


def test_with_no_previous_pi_the_improvements_item_does_not_apply(world):
    later = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16), iterations=0)

    assert _item(_computed(world.pi), "improvements").state == rules.readiness.NOT_APPLICABLE
    # the next PI's previous one is the world's: its workshop wrote nothing yet
    Workshop.objects.create(train=world.train, pi=world.pi)
    assert (
        _item(_computed(later), "improvements").detail
        == "PI 26.1's Inspect & Adapt wrote no improvement items"
    )


def test_the_summary_counts_the_items_that_apply(world):
    services.readiness_check_set(actor=world.rte, pi=world.pi, item="room", done=True)

    readiness = pi_readiness(world.pi)

    # done: business owners, room; n/a: improvements (no PI before): 2 of 8
    assert [row.item.key for row in readiness.manual if row.item.done] == ["room"]
    assert (readiness.summary.done, readiness.summary.total, readiness.summary.ready) == (2, 8, False)
    assert readiness.summary.percent == 25.0


def _queries(pi) -> int:
    with CaptureQueriesContext(connection) as queries:
        pi_readiness(pi)
    return len(queries)


def test_the_readiness_costs_the_same_queries_with_more_data(world):
    _previous_pi, workshop = _previous(world)
    ImprovementItemFactory(train=world.train, workshop=workshop)
    small = _queries(world.pi)
    for n in range(6):
        team = TeamFactory(train=world.train, name=f"Team {n}")
        TeamMemberFactory(team=team)
        FeatureFactory(train=world.train, pi=world.pi, points=8, **SCORED)
        ImprovementItemFactory(train=world.train, workshop=workshop)
        ImprovementItemFactory(train=world.train, target_pi=world.pi)
        MilestoneFactory(pi=world.pi)
    assert _queries(world.pi) == small <= 16
