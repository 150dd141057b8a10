"""The metrics API (docs/api.md, "Computed views"): figures worked by hand, the window
boundary, the errors that name the field, and who may see and do what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from art import rules
from metrics import selectors
from metrics.models import MetricSnapshot, RecomputeRun
from tests.art.factories import PIFactory, TrainFactory
from tests.metrics.conftest import make_dependency, make_feature
from tests.pi_planning.factories import ObjectiveFactory

API = "/api/v1/metrics"


def get(api, user, path, **params):
    api.logout()
    if user is not None:
        api.force_login(user)
    return api.get(f"{API}/{path}/", params)


# --- flow ---------------------------------------------------------------------------------


def test_flow_over_a_window_worked_by_hand(api, flow_train):
    # given flow_train; when the flow of 4–7 May (end 8 May excluded) is asked for
    response = get(
        api, flow_train.viewer, "flow", train=flow_train.train.pk, start="2026-05-04", end="2026-05-08"
    )
    # then only B finished in the window (A's done at 00:00 on 8 May falls after it)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["velocity"] == {"count": 1, "points": 3}
    # B: ready 2 May 08:00, in progress 3 May 08:00, created 1 May 08:00, done 7 May 10:00
    assert body["flow_time"] == {"mean": 5.08, "median": 5.08, "p85": 5.08, "count": 1}  # 5 d 2 h
    assert body["lead_time"] == {"mean": 6.08, "median": 6.08, "p85": 6.08, "count": 1}  # 6 d 2 h
    assert body["cycle_time"] == {"mean": 4.08, "median": 4.08, "p85": 4.08, "count": 1}  # 4 d 2 h
    # active 26 h + 25 h of 122 h in flow (the 47 h done before the reopening are not active)
    assert body["efficiency"] == 41.8
    assert body["distribution"]["business"] == {
        "count": 100.0,
        "points": 100.0,
        "features": 1,
        "point_total": 3,
    }
    assert body["distribution"]["defect"] == {"count": 0.0, "points": 0.0, "features": 0, "point_total": 0}
    assert body["load"] == [
        {"date": "2026-05-04", "wip": 1},
        {"date": "2026-05-05", "wip": 2},
        {"date": "2026-05-06", "wip": 2},
        {"date": "2026-05-07", "wip": 1},
    ]


def test_flow_window_boundary_takes_a_finish_at_midnight_into_the_next_day(api, flow_train):
    # when the window ends a day later (end 9 May): A, done at 00:00 on 8 May, is in it
    body = get(
        api, flow_train.rte, "flow", train=flow_train.train.pk, start="2026-05-04", end="2026-05-09"
    ).json()
    # then two features, 8 points
    assert body["velocity"] == {"count": 2, "points": 8}
    # A's flow time 4 d 12 h, B's 5 d 2 h: mean 4.79, median 4.79, p85 the 2nd of 2 (nearest rank)
    assert body["flow_time"] == {"mean": 4.79, "median": 4.79, "p85": 5.08, "count": 2}
    # cycle: A 3 d 16 h (3.667), B 4 d 2 h (4.083): mean 3.875 rounds half up to 3.88
    assert body["cycle_time"] == {"mean": 3.88, "median": 3.88, "p85": 4.08, "count": 2}
    assert body["lead_time"] == {"mean": 6.38, "median": 6.38, "p85": 6.67, "count": 2}
    # pooled efficiency: (51 h + 64 h active) ÷ (122 h + 108 h in flow) = 50 %
    assert body["efficiency"] == 50.0
    assert body["load"][-1] == {"date": "2026-05-08", "wip": 0}
    # and a window that starts on 8 May holds A only
    later = get(
        api, flow_train.rte, "flow", train=flow_train.train.pk, start="2026-05-08", end="2026-05-09"
    ).json()
    assert later["velocity"] == {"count": 1, "points": 5}


def test_flow_window_is_read_in_the_trains_time_zone(api, world):
    # given a train in Berlin whose feature finished at 23:30 UTC on 7 May: 8 May in Berlin
    world.train.time_zone = "Europe/Berlin"
    world.train.save()
    make_feature(
        world.train,
        ("ready", dt.datetime(2026, 5, 6, 8, tzinfo=dt.UTC)),
        ("done", dt.datetime(2026, 5, 7, 23, 30, tzinfo=dt.UTC)),
    )

    def count(start, end):
        body = get(api, world.viewer, "flow", train=world.train.pk, start=start, end=end).json()
        return body["velocity"]["count"]

    assert count("2026-05-07", "2026-05-08") == 0
    assert count("2026-05-08", "2026-05-09") == 1


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"end": "2026-05-08"}, "start", "required"),
        ({"start": "2026-05-04"}, "end", "required"),
        ({"start": "2026-13-01", "end": "2026-05-08"}, "start", "YYYY-MM-DD"),
        ({"start": "4 May", "end": "2026-05-08"}, "start", "YYYY-MM-DD"),
        ({"start": "2026-05-08", "end": "2026-05-08"}, "end", "end must be after start"),
        ({"start": "2026-05-09", "end": "2026-05-08"}, "end", "end must be after start"),
        ({"start": "2020-01-01", "end": "2026-05-08"}, "end", "at most"),
    ],
)
def test_flow_refuses_bad_dates_naming_the_field(api, world, params, field, message):
    response = get(api, world.viewer, "flow", train=world.train.pk, **params)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert message in response.json()[field][0]


def test_flow_needs_a_train(api, world):
    response = get(api, world.viewer, "flow", start="2026-05-04", end="2026-05-08")
    assert response.status_code == 400 and "train" in response.json()


# --- predictability -------------------------------------------------------------------------


@pytest.fixture
def two_pis(world):
    """PI 26.1: Alpha committed 8→8, 5→3, 2→2 and uncommitted 3→3 (16 of 15: 106.67 %), Bravo
    committed 10→7, 5→5 (12 of 15: 80 %); the train 28 of 30: 93.33 %.
    PI 26.2: Alpha committed 5→(not scored), 5→5 (not scored); Bravo only uncommitted 3→2
    (n/a: nothing committed); the train is not scored."""
    pi1 = world.pi
    pi2 = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))
    alpha, bravo = world.team, world.other_team
    for committed, planned, actual in [(True, 8, 8), (True, 5, 3), (True, 2, 2), (False, 3, 3)]:
        ObjectiveFactory(pi=pi1, team=alpha, committed=committed, planned_bv=planned, actual_bv=actual)
    for planned, actual in [(10, 7), (5, 5)]:
        ObjectiveFactory(pi=pi1, team=bravo, committed=True, planned_bv=planned, actual_bv=actual)
    ObjectiveFactory(pi=pi2, team=alpha, committed=True, planned_bv=5, actual_bv=None)
    ObjectiveFactory(pi=pi2, team=alpha, committed=True, planned_bv=5, actual_bv=5)
    ObjectiveFactory(pi=pi2, team=bravo, committed=False, planned_bv=3, actual_bv=2)
    return pi1, pi2


def test_predictability_per_pi_for_teams_and_train_worked_by_hand(api, world, two_pis):
    pi1, pi2 = two_pis
    response = get(api, world.viewer, "predictability", train=world.train.pk)
    assert response.status_code == 200
    body = response.json()
    assert body["train"] == world.train.pk
    assert [p["pi"] for p in body["pis"]] == [pi1.pk, pi2.pk]  # oldest first
    first, second = body["pis"]
    assert (first["planned"], first["actual"], first["percent"], first["status"]) == (30, 28, 93.33, "ok")
    assert [(t["name"], t["planned"], t["actual"], t["percent"], t["status"]) for t in first["teams"]] == [
        ("Alpha", 15, 16, 106.67, "ok"),  # over 100 %: stretch delivered, never capped
        ("Bravo", 15, 12, 80.0, "ok"),
    ]
    assert first["teams"][0]["team"] == world.team.pk
    assert (second["planned"], second["actual"], second["percent"], second["status"]) == (
        10,
        7,
        None,
        "not scored",
    )
    assert [
        (t["name"], t["planned"], t["actual"], t["percent"], t["status"], t["unscored"])
        for t in second["teams"]
    ] == [
        ("Alpha", 10, 5, None, "not scored", 1),
        ("Bravo", 0, 2, None, "n/a", 0),
    ]


def test_predictability_of_one_pi(api, world, two_pis):
    pi1, _ = two_pis
    body = get(api, world.member, "predictability", pi=pi1.pk).json()
    assert {k: body[k] for k in ("pi", "planned", "actual", "percent")} == {
        "pi": pi1.pk,
        "planned": 30,
        "actual": 28,
        "percent": 93.33,
    }
    assert [{k: t[k] for k in ("team", "name", "planned", "actual", "percent")} for t in body["teams"]] == [
        {"team": world.team.pk, "name": "Alpha", "planned": 15, "actual": 16, "percent": 106.67},
        {"team": world.other_team.pk, "name": "Bravo", "planned": 15, "actual": 12, "percent": 80.0},
    ]


def test_predictability_needs_train_or_pi_and_hides_other_trains(api, world, two_pis):
    assert get(api, world.viewer, "predictability").status_code == 400
    assert get(api, world.viewer, "predictability", train=world.train.pk, pi=world.pi.pk).status_code == 400
    assert get(api, world.outsider, "predictability", train=world.train.pk).status_code == 404
    assert get(api, world.outsider, "predictability", pi=world.pi.pk).status_code == 404
    assert get(api, None, "predictability", train=world.train.pk).status_code == 401


# --- forecast -------------------------------------------------------------------------------


def _done_days_ago(train, *days_ago, hour=12):
    today = selectors.train_today(train)
    for n in days_ago:
        day = today - dt.timedelta(days=n)
        at = dt.datetime.combine(day, dt.time(hour), tzinfo=train.tz)
        make_feature(
            train,
            ("ready", at - dt.timedelta(days=3)),
            ("in_progress", at - dt.timedelta(days=2)),
            ("done", at),
        )


def test_forecast_refuses_a_short_history_with_a_clear_message(api, world):
    # given a train that first finished a feature 4 days ago
    _done_days_ago(world.train, 4)
    response = get(api, world.viewer, "forecast", train=world.train.pk, items=5)
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["A forecast needs at least 10 days of throughput history; there are 4."]
    }
    # and a train that never finished anything
    empty = TrainFactory()
    from tests.art.factories import MembershipFactory

    MembershipFactory(user=world.viewer, train=empty, role="viewer")
    response = get(api, world.viewer, "forecast", train=empty.pk, days=10)
    assert response.status_code == 400 and "0 days" in response.json()["non_field_errors"][0]


def test_forecast_with_one_feature_a_day_is_exact(api, world):
    # given exactly one feature finished on each of the last 20 days: every sampled day gives 1
    _done_days_ago(world.train, *range(1, 21))
    body = get(api, world.viewer, "forecast", train=world.train.pk, items=5, seed=3).json()
    today = selectors.train_today(world.train)
    # then 5 items take 5 days at every confidence, and 7 days bring 7 items
    assert body["items"] == 5 and body["days"] == {"50": 5, "85": 5, "95": 5}
    assert body["dates"] == {c: (today + dt.timedelta(days=5)).isoformat() for c in ("50", "85", "95")}
    assert body["history_days"] == 20
    assert body["history_start"] == (today - dt.timedelta(days=20)).isoformat()
    body = get(api, world.viewer, "forecast", train=world.train.pk, days=7, seed=3).json()
    assert body["items"] == {"50": 7, "85": 7, "95": 7} and body["days"] == 7


def test_forecast_is_seeded_and_matches_the_calculation(api, world):
    # given a varied history (0, 1 or 2 a day over 30 days)
    _done_days_ago(world.train, 1, 2, 2, 5, 8, 8, 9, 13, 13, 17, 21, 22, 22, 25, 28, 30)
    history = selectors.throughput_history(train=world.train)
    # when asked twice with the same seed
    first = get(api, world.viewer, "forecast", train=world.train.pk, items=12, seed=1).json()
    second = get(api, world.viewer, "forecast", train=world.train.pk, items=12, seed=1).json()
    # then the same answer, the calculation's
    expected = rules.forecast.forecast_days_for_items(history.counts, 12, seed=1)
    assert first == second
    assert first["days"] == {str(c): n for c, n in expected.days.items()}
    assert first["history_days"] == 30 and first["trials"] == 10_000 and first["seed"] == 1
    how_many = get(api, world.viewer, "forecast", train=world.train.pk, days=30, seed=1).json()
    expected_items = rules.forecast.forecast_items_in_days(history.counts, 30, seed=1)
    assert how_many["items"] == {str(c): n for c, n in expected_items.items.items()}
    assert how_many["items"]["50"] >= how_many["items"]["85"] >= how_many["items"]["95"]


@pytest.mark.parametrize(
    "params, field",
    [({}, "items"), ({"items": 3, "days": 3}, "items"), ({"items": 0}, "items"), ({"days": 99999}, "days")],
)
def test_forecast_refuses_bad_questions(api, world, params, field):
    response = get(api, world.viewer, "forecast", train=world.train.pk, **params)
    assert response.status_code == 400 and field in response.json()


# --- dependency age -------------------------------------------------------------------------


def test_dependency_age_worked_by_hand(api, world):
    now = timezone.now()
    pi = world.pi
    make_dependency(pi, world.team, world.other_team, now - dt.timedelta(days=20))  # open, 20: aging
    make_dependency(pi, world.other_team, world.team, now - dt.timedelta(days=3, hours=5))  # open, 3
    make_dependency(
        pi, world.team, world.other_team, now - dt.timedelta(days=30), now - dt.timedelta(days=10)
    )
    body = get(api, world.viewer, "dependency-age", train=world.train.pk).json()
    assert body == {
        "train": world.train.pk,
        "pi": None,
        "open": 2,
        "resolved": 1,
        "mean_age": 14.33,  # (20 + 3 + 20) / 3
        "max_age": 20,
        "aging": 1,
        "open_mean_age": 11.5,
        "open_max_age": 20,
        "aging_after_days": 14,
    }
    other_pi = PIFactory(train=world.train, name="later", start_date=dt.date(2026, 6, 1))
    assert get(api, world.viewer, "dependency-age", train=world.train.pk, pi=other_pi.pk).json()["open"] == 0
    assert get(api, world.outsider, "dependency-age", train=world.train.pk).status_code == 404


# --- recompute ------------------------------------------------------------------------------


def post_recompute(api, user, train_id):
    api.logout()
    if user is not None:
        api.force_login(user)
    return api.post(f"{API}/recompute/", {"train": train_id}, format="json")


def test_rte_recomputes_through_the_api(api, world, django_capture_on_commit_callbacks):
    make_feature(world.train, ("ready", dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC)), team=world.team)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = post_recompute(api, world.rte, world.train.pk)
    assert response.status_code == 202
    assert response.json()["state"] == "queued" and response.json()["train"] == world.train.pk
    assert len(callbacks) == 1  # the task is queued once the request's transaction commits
    run = RecomputeRun.objects.get(pk=response.json()["id"])
    assert run.state == "done" and run.progress == 100 and run.requested_by == world.rte
    assert MetricSnapshot.objects.filter(train=world.train, team=None, day=dt.date(2026, 1, 6)).get().wip == 1
    status = get(api, world.viewer, f"recompute/{run.pk}")
    assert status.status_code == 200 and status.json()["state"] == "done"
    assert get(api, world.outsider, f"recompute/{run.pk}").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "member", "product", "business_owner"])
def test_only_the_rte_may_recompute(api, world, role):
    response = post_recompute(api, world.user(role), world.train.pk)
    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_recompute_of_another_train_is_not_found_and_anonymous_is_refused(api, world):
    assert post_recompute(api, world.outsider, world.train.pk).status_code == 404
    assert post_recompute(api, None, world.train.pk).status_code == 401
    assert post_recompute(api, world.rte, 999_999).status_code == 404
    assert post_recompute(api, world.rte, "x").status_code == 400
    assert not RecomputeRun.objects.exists()


def test_recompute_from_a_day_through_the_api(api, world, django_capture_on_commit_callbacks):
    make_feature(world.train, ("ready", dt.datetime(2026, 1, 6, 9, tzinfo=dt.UTC)), team=world.team)
    api.force_login(world.rte)
    for bad in ("yesterday", "2026-13-01", ""):
        response = api.post(f"{API}/recompute/", {"train": world.train.pk, "since": bad}, format="json")
        assert response.status_code == 400, response.json()
        assert response.json() == {
            "since": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."]
        }
    assert not RecomputeRun.objects.exists()
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(
            f"{API}/recompute/", {"train": world.train.pk, "since": "2026-01-05"}, format="json"
        )
        assert response.status_code == 202 and response.json()["since"] == "2026-01-05"
        # a second request joins the run, with the earlier day
        joined = api.post(
            f"{API}/recompute/", {"train": world.train.pk, "since": "2026-01-02"}, format="json"
        )
    assert joined.status_code == 202 and joined.json()["id"] == response.json()["id"]
    assert joined.json()["since"] == "2026-01-02" and joined.json()["written"] == 0
