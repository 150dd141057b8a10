"""REST: `pis/{id}/board/`, `pis/{id}/capacity/` and `holidays/` (docs/api.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from art.models import TeamMember
from pi_planning.models import Dependency, Holiday
from tests.pi_planning.helpers import feature, story

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_api(api):
    def sign_in(user):
        api.logout()
        if user is not None:
            api.force_login(user)
        return api

    return sign_in


@pytest.fixture
def filled(world, plan):
    # Alpha: 4.5 FTE → 36 points per iteration; a holiday in iteration 3 → 31.5
    for fte in ("1.00", "1.00", "1.00", "1.00", "0.50"):
        TeamMember.objects.create(team=world.team, name=f"P{fte}", fte=Decimal(fte))
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 4), name="Holiday")
    f = feature(world, iteration=plan.it(3), title="Alpha feature")
    provider = feature(world, team=world.other_team, iteration=plan.it(4), title="Bravo feature")
    for points in (8, 8, 8, 5):  # 29 of 31.5 in iteration 3: 92.06 %, no slack
        story(world, feature=f, iteration=plan.it(3), points=points)
    Dependency.objects.create(
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        feature=f,
        provider_feature=provider,
        needed_by=plan.it(3),
        title="Needs it",
    )
    return f


def board_url(world):
    return f"/api/v1/pis/{world.pi.pk}/board/"


def capacity_url(world):
    return f"/api/v1/pis/{world.pi.pk}/capacity/"


def test_capacity_per_team_and_iteration_with_two_decimals(as_api, world, plan, filled):
    response = as_api(world.viewer).get(capacity_url(world))
    assert response.status_code == 200
    rows = {(r["team"], r["iteration"]): r for r in response.json()}
    assert len(rows) == 2 * 5
    cell = rows[(world.team.pk, plan.it(3).pk)]
    assert cell == {
        "team": world.team.pk,
        "iteration": plan.it(3).pk,
        "capacity": 31.5,
        "load": 29.0,
        "load_pct": 92.06,
        "status": "no_slack",
        "basis": "normalized",
        "normalized": 31.5,
        "velocity": None,
    }
    assert rows[(world.team.pk, plan.it(1).pk)]["status"] == "ok"
    # Bravo has no people: no capacity, no load → ok, load_pct null
    assert rows[(world.other_team.pk, plan.it(1).pk)]["load_pct"] is None


def test_capacity_basis_must_be_known(as_api, world, filled):
    response = as_api(world.viewer).get(capacity_url(world) + "?basis=guess")
    assert response.status_code == 400
    assert response.json() == {"basis": ["basis must be one of normalized, velocity"]}


def test_board_api_shape(as_api, world, plan, filled):
    response = as_api(world.member).get(board_url(world))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "pi",
        "basis",
        "teams",
        "iterations",
        "milestones",
        "features",
        "stories",
        "dependencies",
        "capacity",
        "baseline",
        "changes",
    }
    assert body["pi"]["id"] == world.pi.pk
    assert [t["name"] for t in body["teams"]] == ["Alpha", "Bravo"]
    assert [i["is_ip"] for i in body["iterations"]] == [False, False, False, False, True]
    alpha = next(f for f in body["features"] if f["id"] == filled.pk)
    assert (alpha["team"], alpha["iteration"], alpha["dependencies"], alpha["dependency_health"]) == (
        world.team.pk,
        plan.it(3).pk,
        1,
        "red",
    )
    dependency = body["dependencies"][0]
    assert dependency["health"] == "red"
    assert "after it is needed" in dependency["health_reason"]
    assert len(body["stories"]) == 4
    assert body["baseline"] is None and body["changes"] == []


@pytest.mark.parametrize("url", [board_url, capacity_url])
def test_computed_views_follow_the_access_policy(as_api, world, filled, url):
    assert as_api(None).get(url(world)).status_code in (401, 403)
    assert as_api(world.outsider).get(url(world)).status_code == 404
    assert as_api(world.viewer).get(url(world)).status_code == 200
    assert as_api(world.viewer).post(url(world), {}).status_code == 405


def test_holidays_are_the_rtes(as_api, world):
    payload = {"train": world.train.pk, "date": "2026-05-01", "name": "Labour Day"}
    assert as_api(world.member).post("/api/v1/holidays/", payload, format="json").status_code == 403
    assert as_api(world.outsider).post("/api/v1/holidays/", payload, format="json").status_code == 400
    created = as_api(world.rte).post("/api/v1/holidays/", payload, format="json")
    assert created.status_code == 201
    holiday_id = created.json()["id"]
    assert created.json() == {
        "id": holiday_id,
        "train": world.train.pk,
        "date": "2026-05-01",
        "name": "Labour Day",
    }
    # the same date twice is refused with the rule
    again = as_api(world.rte).post("/api/v1/holidays/", payload, format="json")
    assert again.status_code == 400
    assert "date already is a holiday of this train" in str(again.json())
    # everyone in the train reads them; nobody else
    assert as_api(world.viewer).get("/api/v1/holidays/").json()["count"] == 1
    assert as_api(world.outsider).get("/api/v1/holidays/").json()["count"] == 0
    # renamed, then deleted, by the RTE only
    url = f"/api/v1/holidays/{holiday_id}/"
    assert as_api(world.member).patch(url, {"name": "May Day"}, format="json").status_code == 403
    assert as_api(world.rte).patch(url, {"name": "May Day"}, format="json").json()["name"] == "May Day"
    assert as_api(world.viewer).delete(url).status_code == 403
    assert as_api(world.rte).delete(url).status_code == 204
    assert not Holiday.objects.exists()


def test_holidays_filter_by_pi(as_api, world):
    Holiday.objects.create(train=world.train, date=dt.date(2026, 2, 4), name="In the PI")
    Holiday.objects.create(train=world.train, date=dt.date(2026, 12, 25), name="Later")
    body = as_api(world.viewer).get(f"/api/v1/holidays/?pi={world.pi.pk}").json()
    assert [h["name"] for h in body["results"]] == ["In the PI"]


def test_moves_through_the_stories_api_keep_the_same_rules(as_api, world, plan, filled):
    # the board's rules hold in the API too: the IP iteration refuses a feature's story
    s = filled.stories.first()
    response = as_api(world.member).patch(
        f"/api/v1/stories/{s.pk}/", {"iteration": plan.ip.pk, "version": s.version}, format="json"
    )
    assert response.status_code == 400
    assert "the IP iteration carries no planned feature load" in str(response.json())
