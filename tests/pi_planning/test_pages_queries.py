"""Every board page and list endpoint of the cards answers in a number of queries that does not
grow with the number of cards (nor with their comments, features, votes and histories)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from art.models import Membership
from pi_planning import services
from tests.art.factories import FeatureFactory, MembershipFactory, TeamFactory, UserFactory
from tests.pi_planning.helpers import iterations

pytestmark = pytest.mark.django_db


def count(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def add_cards(world, n: int, serial: list[int]) -> None:
    """n more of everything: teams with objectives (with features), dependencies (with
    comments, features, state changes), risks (moved), votes."""
    its = iterations(world.pi)
    services.vote_round_open(actor=world.rte, pi=world.pi)
    services.vote_round_open(actor=world.rte, pi=world.pi, team=world.team)
    for _ in range(n):
        serial[0] += 1
        i = serial[0]
        team = TeamFactory(train=world.train, name=f"Team {i}")
        feature = FeatureFactory(train=world.train, pi=world.pi, team=team, iteration=its[0])
        objective = services.objective_create(
            actor=world.rte, pi=world.pi, team=team, title=f"Objective {i}", features=[feature], planned_bv=5
        )
        services.objective_update(actor=world.business_owner, objective=objective, actual_bv=4)
        dep = services.dependency_create(
            actor=world.rte,
            pi=world.pi,
            requester_team=world.team,
            provider_team=team,
            provider_feature=feature,
            feature=feature,
            needed_by=its[2],
            created_at=timezone.now() - dt.timedelta(days=i),
        )
        dep = services.dependency_set_state(actor=world.rte, dependency=dep, state="committed")
        services.dependency_comment_add(actor=world.rte, dependency=dep, body=f"Comment {i}")
        risk = services.risk_create(
            actor=world.rte, train=world.train, pi=world.pi, team=team, title=f"Risk {i}"
        )
        services.risk_roam(actor=world.rte, risk=risk, roam="owned", owner="Ana")
        voter = UserFactory(username=f"voter{i}")
        MembershipFactory(user=voter, train=world.train, role=Membership.Role.MEMBER, team=world.team)
        services.vote_cast(
            actor=voter, pi=world.pi, team=None, score=1 + i % 5, concern="worried" if i % 5 < 2 else ""
        )
        services.vote_cast(actor=voter, pi=world.pi, team=world.team, score=3)


PAGES = ["objectives", "vote", "confidence", "dependencies", "risks"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["rte", "member", "business_owner", "viewer"])
def test_board_pages_do_not_grow_with_cards(world, client, urls, name, role):
    serial = [0]
    client.force_login(world.user(role))
    add_cards(world, 2, serial)
    # The page itself, and its htmx fragments.
    few = count(client, urls.page(name))
    add_cards(world, 6, serial)
    many = count(client, urls.page(name))
    assert few == many, f"{name} as {role}: {few} queries with 2 cards, {many} with 8"
    assert many <= 30, many


@pytest.mark.parametrize(
    "name, query, target",
    [
        ("dependencies", "?view=aging&done=1", "dependency-board"),
        ("dependencies", "?view=requester&health=green", "dependency-board"),
        ("risks", "", "roam-board"),
        ("vote", "", "vote-scopes"),
    ],
)
def test_board_fragments_do_not_grow_with_cards(world, client, urls, name, query, target):
    serial = [0]
    client.force_login(world.rte)
    add_cards(world, 2, serial)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}
    few = count(client, urls.page(name) + query, **headers)
    add_cards(world, 6, serial)
    assert count(client, urls.page(name) + query, **headers) == few


def test_objectives_team_section_fragment_does_not_grow(world, client, urls):
    serial = [0]
    client.force_login(world.rte)
    add_cards(world, 2, serial)
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": f"team-{world.team.pk}"}
    few = count(client, urls.page("objectives"), **headers)
    add_cards(world, 6, serial)
    assert count(client, urls.page("objectives"), **headers) == few


def api_urls(world):
    return [
        f"/api/v1/objectives/?pi={world.pi.pk}",
        "/api/v1/votes/",
        f"/api/v1/risks/?train={world.train.pk}",
        f"/api/v1/dependencies/?pi={world.pi.pk}",
        f"/api/v1/dependencies/?pi={world.pi.pk}&health=green",
        "/api/v1/dependencies/?aging=true",
        f"/api/v1/pis/{world.pi.pk}/confidence/",
        f"/api/v1/pis/{world.pi.pk}/confidence/concerns/",
    ]


def test_list_endpoints_do_not_grow_with_rows(world, api_as):
    serial = [0]
    api = api_as("rte")
    add_cards(world, 2, serial)
    few = {url: count(api, url) for url in api_urls(world)}
    add_cards(world, 6, serial)
    many = {url: count(api, url) for url in api_urls(world)}
    assert few == many
    assert max(many.values()) <= 12, many
