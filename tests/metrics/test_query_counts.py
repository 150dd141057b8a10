"""The dashboard, the forecast page and every metrics API answer in a number of queries that does
not grow with the number of teams (2 → 10) or PIs (1 → 5), nor with features or snapshots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from metrics import services
from tests.art.factories import PIFactory, TeamFactory
from tests.metrics.conftest import make_dependency, make_feature
from tests.pi_planning.factories import ObjectiveFactory


def grow(world, *, teams: int, pis: int) -> None:
    """Bring the world's train to `teams` teams and `pis` PIs, each team with objectives,
    finished and unfinished features and a dependency in every PI; then recompute."""
    train = world.train
    while train.teams.count() < teams:
        TeamFactory(train=train)
    while train.pis.count() < pis:
        last = train.pis.order_by("-start_date").first()
        PIFactory(train=train, start_date=last.start_date + dt.timedelta(weeks=10))
    all_teams = list(train.teams.order_by("id"))
    for pi in train.pis.all():
        start = dt.datetime.combine(pi.start_date, dt.time(9), tzinfo=dt.UTC)
        for i, team in enumerate(all_teams):
            if team.objectives.filter(pi=pi).exists():
                continue
            ObjectiveFactory(pi=pi, team=team, committed=True, planned_bv=5, actual_bv=4)
            ObjectiveFactory(pi=pi, team=team, committed=False, planned_bv=3, actual_bv=None)
            make_feature(
                train,
                ("funnel", start),
                ("ready", start + dt.timedelta(days=1)),
                ("in_progress", start + dt.timedelta(days=2 + i)),
                ("done", start + dt.timedelta(days=9 + i)),
                team=team,
                pi=pi,
                points=5,
            )
            make_feature(train, ("ready", start), ("blocked", start + dt.timedelta(days=3)), team=team, pi=pi)
            make_dependency(pi, team, all_teams[(i + 1) % len(all_teams)], start + dt.timedelta(days=i))
    services.recompute_snapshots(train_id=train.pk)


def pages(world) -> dict[str, object]:
    slug, train_id, pi_id = world.train.slug, world.train.pk, world.pi.pk
    browser, api = Client(), APIClient()
    browser.force_login(world.rte)
    api.force_login(world.rte)
    return {
        "dashboard": lambda: browser.get(f"/trains/{slug}/metrics/"),
        "dashboard csv": lambda: browser.get(f"/trains/{slug}/metrics/csv/predictability/"),
        "forecast page": lambda: browser.get(
            f"/trains/{slug}/metrics/forecast/", {"items": 5, "until": "2027-06-01"}
        ),
        "definitions": lambda: browser.get(f"/trains/{slug}/metrics/definitions/"),
        "api predictability train": lambda: api.get("/api/v1/metrics/predictability/", {"train": train_id}),
        "api predictability pi": lambda: api.get("/api/v1/metrics/predictability/", {"pi": pi_id}),
        "api flow": lambda: api.get(
            "/api/v1/metrics/flow/", {"train": train_id, "start": "2026-01-01", "end": "2026-12-31"}
        ),
        "api forecast": lambda: api.get(
            "/api/v1/metrics/forecast/", {"train": train_id, "items": 5, "seed": 1}
        ),
        "api dependency age": lambda: api.get("/api/v1/metrics/dependency-age/", {"train": train_id}),
        "api recompute": lambda: api.post("/api/v1/metrics/recompute/", {"train": train_id}, format="json"),
    }


def queries(call) -> int:
    call()  # warm caches (content types, sessions) once
    with CaptureQueriesContext(connection) as captured:
        response = call()
    assert response.status_code in (200, 202, 400), response
    return len(captured)


@pytest.mark.parametrize(
    "name",
    [
        "dashboard",
        "dashboard csv",
        "forecast page",
        "definitions",
        "api predictability train",
        "api predictability pi",
        "api flow",
        "api forecast",
        "api dependency age",
        "api recompute",
    ],
)
def test_queries_do_not_grow_with_teams_or_pis(world, name):
    # given the world's train with 2 teams and 1 PI
    grow(world, teams=2, pis=1)
    small = queries(pages(world)[name])
    # when it has 10 teams and 5 PIs (5× the features, objectives, dependencies and snapshots)
    grow(world, teams=10, pis=5)
    large = queries(pages(world)[name])
    # then the page or endpoint makes the same number of queries
    assert large == small, f"{name}: {small} queries with 2 teams and 1 PI, {large} with 10 and 5"


def test_dashboard_query_budget(world):
    grow(world, teams=3, pis=2)
    assert queries(pages(world)["dashboard"]) <= 16
