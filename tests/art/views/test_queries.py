"""Query budgets: a page costs the same number of queries with 2 teams (or rows) as with 20."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art.models import Membership
from tests.art.factories import (
    MembershipFactory,
    MilestoneFactory,
    PIFactory,
    TeamFactory,
    TeamMemberFactory,
    TrainFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

#: The most queries each page may cost: session, user and seats, the page's reads (one per list),
#: the navigation's PIs, and the team choices of the "add a person" form.
BUDGETS = {"my_trains": 5, "train": 10, "pi": 7, "team": 8}  # train: + the tokens acting in it


def _grow(world, rows: int) -> None:
    """Give the train `rows` teams, each with a person and a team member with a login, and the
    PI `rows` milestones; give the RTE `rows` trains of their own."""
    existing = world.train.teams.count()
    for i in range(existing, rows):
        team = TeamFactory(train=world.train, name=f"Team {i:02d} Customer Identity & Access Management")
        TeamMemberFactory(team=team, fte=Decimal("0.5"))
        MembershipFactory(user=UserFactory(), train=world.train, role=Membership.Role.MEMBER, team=team)
    for i in range(world.team.members.count(), rows):
        TeamMemberFactory(team=world.team, name=f"Person {i}")
    for i in range(world.pi.milestones.count(), rows):
        MilestoneFactory(
            pi=world.pi, name=f"Milestone {i}", date=world.pi.start_date + dt.timedelta(days=i * 3)
        )
    for _ in range(world.rte.memberships.count(), rows):
        train = TrainFactory()
        MembershipFactory(user=world.rte, train=train, role=Membership.Role.RTE)
        PIFactory(train=train, iterations=0)
        TeamFactory(train=train)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "page",
    ["my_trains", "train", "pi", "team"],
)
def test_page_queries_do_not_grow_with_rows(client, world, page, django_assert_max_num_queries):
    urls = {
        "my_trains": reverse("art:my_trains"),
        "train": reverse("art:train", kwargs={"slug": world.train.slug}),
        "pi": reverse("art:pi", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk}),
        "team": reverse("art:team", kwargs={"slug": world.train.slug, "team_id": world.team.pk}),
    }
    client.force_login(world.rte)
    _grow(world, 2)
    small = _count(client, urls[page])
    _grow(world, 20)
    with django_assert_max_num_queries(BUDGETS[page]):
        client.get(urls[page])
    large = _count(client, urls[page])
    assert large == small, f"{page}: {small} queries with 2 rows, {large} with 20"
