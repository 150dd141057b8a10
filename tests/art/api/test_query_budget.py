"""Every list endpoint answers in a number of queries that does not grow with its rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art.models import Iteration, ProgramIncrement
from art.services.tokens import api_token_create
from tests.art.factories import (
    AbsenceFactory,
    FeatureFactory,
    MembershipFactory,
    MilestoneFactory,
    PIFactory,
    StoryFactory,
    TeamFactory,
    TeamMemberFactory,
    TrainFactory,
    UserFactory,
)


def _pis(world, n):
    first = ProgramIncrement.objects.filter(train=world.train).count()
    for i in range(first, first + n):
        PIFactory(
            train=world.train, start_date=dt.date(2027, 1, 4) + dt.timedelta(weeks=11 * i), iterations=0
        )


def _iterations(world, n):
    # one-day iterations after the PI's own, so that no two overlap
    first = world.pi.iterations.count() + 1
    start = dt.date(2030, 1, 1)
    Iteration.objects.bulk_create(
        Iteration(
            pi=world.pi,
            number=i,
            name=f"Extra {i}",
            start_date=start + dt.timedelta(days=i),
            end_date=start + dt.timedelta(days=i),
        )
        for i in range(first, first + n)
    )


def _absences(world, n):
    iteration = world.pi.iterations.first()
    for _ in range(n):
        AbsenceFactory(member=TeamMemberFactory(team=world.team), iteration=iteration)


def _trains(world, n):
    for _ in range(n):
        MembershipFactory(user=world.rte, train=TrainFactory(), role="rte")


def _memberships(world, n):
    for _ in range(n):
        MembershipFactory(user=UserFactory(), train=world.train, role="viewer")


def _stories(world, n):
    feature = FeatureFactory(train=world.train, pi=world.pi)
    iteration = world.pi.iterations.first()
    for _ in range(n):
        StoryFactory(team=world.team, feature=feature, iteration=iteration)


def _tokens(world, n):
    for i in range(n):
        api_token_create(user=world.rte, name=f"token {i}")


MAKERS = {
    "trains": _trains,
    "memberships": _memberships,
    "teams": lambda w, n: [TeamFactory(train=w.train) for _ in range(n)],
    "team-members": lambda w, n: [TeamMemberFactory(team=w.team, user=UserFactory()) for _ in range(n)],
    "pis": _pis,
    "iterations": _iterations,
    "absences": _absences,
    "milestones": lambda w, n: [MilestoneFactory(pi=w.pi) for _ in range(n)],
    "features": lambda w, n: [FeatureFactory(train=w.train, pi=w.pi, team=w.team) for _ in range(n)],
    "stories": _stories,
    "tokens": _tokens,
}
QUERIES = {"features": ["ordering=rank", "pi={pi}&team={team}"], "stories": ["pi={pi}"]}


def _count(api, path):
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path)
    assert response.status_code == 200
    return len(queries), response.json()["count"]


@pytest.mark.parametrize("name", MAKERS)
def test_list_queries_do_not_grow_with_rows(world, as_user, name):
    # given 3 rows, then 30
    api = as_user(world.rte)
    path = f"/api/v1/{name}/?page_size=100"
    MAKERS[name](world, 3)
    few, count_few = _count(api, path)
    MAKERS[name](world, 27)
    many, count_many = _count(api, path)
    # then the same number of queries answers both
    assert count_many - count_few == 27
    assert many == few, f"{few} queries for {count_few} rows, {many} for {count_many}"
    for query in QUERIES.get(name, []):
        query = query.format(pi=world.pi.pk, team=world.team.pk)
        assert _count(api, f"{path}&{query}")[0] == few


def test_the_budget_is_small(world, as_user):
    # session, user, the caller's seats, count, page: five queries for any list
    api = as_user(world.rte)
    FeatureFactory.create_batch(5, train=world.train)
    assert _count(api, "/api/v1/features/")[0] <= 5
