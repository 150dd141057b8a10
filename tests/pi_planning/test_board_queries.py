"""Query budgets: the board page, its fragments and the board API cost the same number of
queries with 2 teams and 50 cards as with 20 teams and 1,000 cards (and their people,
absences, dependencies and baseline)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art.models import Feature, Story, Team
from tests.pi_planning.helpers import build_board

pytestmark = pytest.mark.django_db

#: Session, user, seats; PI; teams, iterations, milestones, features, stories; capacity (members,
#: absences, holidays, loads, velocity); dependencies (two); baseline.
PAGE_BUDGET = 18


def _count(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def _grow(world, plan, teams, cards):
    build_board(world, plan, teams=teams, cards=cards)
    assert Team.objects.filter(train=world.train).count() == teams
    total = Feature.objects.filter(pi=world.pi).count() + Story.objects.filter(train=world.train).count()
    assert total >= cards * 0.9


@pytest.mark.parametrize(
    ("what", "headers"),
    [
        ("page", {}),
        ("grid", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "board-grid"}),
        ("capacity-basis", {}),
        ("api", {}),
        ("capacity-api", {}),
        ("csv", {}),
    ],
)
def test_board_queries_do_not_grow_with_teams_and_cards(client, world, plan, what, headers):
    client.force_login(world.rte)
    urls = {
        "page": plan.url(),
        "grid": plan.url(),
        "capacity-basis": plan.url() + "?basis=velocity&expand=1,2",
        "api": f"/api/v1/pis/{world.pi.pk}/board/",
        "capacity-api": f"/api/v1/pis/{world.pi.pk}/capacity/",
        "csv": plan.url("board_csv"),
    }
    _grow(world, plan, teams=2, cards=50)
    small = _count(client, urls[what], **headers)
    _grow(world, plan, teams=20, cards=1000)
    large = _count(client, urls[what], **headers)
    assert small == large, f"{what}: {small} queries with 2 teams and 50 cards, {large} with 20 and 1,000"
    assert large <= PAGE_BUDGET


def test_a_move_costs_the_same_on_a_large_board(client, world, plan):
    client.force_login(world.rte)

    def move_one():
        s = Story.objects.create(
            train=world.train, team=world.team, iteration=plan.it(1), title="Chore", points=2
        )
        data = {
            "kind": "story",
            "card": s.pk,
            "version": s.version,
            "team": world.team.pk,
            "iteration": plan.it(4).pk,
        }
        with CaptureQueriesContext(connection) as queries:
            response = client.post(plan.url("board_move"), data, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        return len(queries)

    _grow(world, plan, teams=2, cards=50)
    move_one()  # the first write of a kind also caches its content type
    small = move_one()
    _grow(world, plan, teams=20, cards=1000)
    assert move_one() == small
