"""The metrics pages: the dashboard (read-only for viewers), its CSV downloads, the forecast, the
definitions, and the RTE's recompute with its progress (htmx)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.test import Client

from art.rules import definitions
from metrics import services
from metrics.models import RecomputeRun
from tests.metrics.conftest import make_feature, utc
from tests.pi_planning.factories import ObjectiveFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def url(world, page=""):
    return f"/trains/{world.train.slug}/metrics/{page}"


@pytest.fixture
def computed(flow_train):
    """flow_train with objectives in its PI and snapshots computed up to today."""
    for committed, planned, actual in [(True, 8, 8), (True, 5, 3), (False, 3, 3)]:
        ObjectiveFactory(
            pi=flow_train.pi, team=flow_train.team, committed=committed, planned_bv=planned, actual_bv=actual
        )
    services.recompute_snapshots(train_id=flow_train.train.pk)
    return flow_train


def test_viewer_reads_the_dashboard(computed):
    response = client_for(computed.viewer).get(url(computed))
    assert response.status_code == 200
    html = response.content.decode()
    # the headline figures, each with its definition one click away
    for label in (
        "Predictability",
        "Throughput, last 4 weeks",
        "Cycle time, 85th percentile",
        "Work in progress now",
        "Aging dependencies",
    ):
        assert label in html
    assert html.count(f'href="{url(computed, "definitions/")}#') >= 5 + 7
    # predictability of PI 26.1: 14 of 13 → 107.7 % on the page (one decimal)
    assert "107.7 %" in html
    # every chart with its data table and CSV download
    for key in ("predictability", "throughput", "cycle_time", "cfd", "wip", "dependency_age", "distribution"):
        assert f'id="{key}"' in html
        assert f"metrics/csv/{key}/" in html
    assert "Computed " in html
    # a viewer gets no recompute button
    assert "Recompute now" not in html


def test_rte_sees_the_recompute_button(computed):
    html = client_for(computed.rte).get(url(computed)).content.decode()
    assert "Recompute now" in html


def test_dashboard_of_another_train_is_not_found(computed):
    assert client_for(computed.outsider).get(url(computed)).status_code == 404
    assert client_for(computed.outsider).get(url(computed, "forecast/")).status_code == 404
    assert client_for(computed.outsider).get(url(computed, "csv/cfd/")).status_code == 404


def test_anonymous_is_sent_to_sign_in(computed):
    response = client_for(None).get(url(computed))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dashboard_without_snapshots_leads_to_the_recompute(world):
    html = client_for(world.rte).get(url(world)).content.decode()
    assert "No figures computed yet" in html and "Recompute now" in html


def test_dashboard_period_is_chosen_from_a_list(computed):
    response = client_for(computed.viewer).get(url(computed), {"weeks": 52})
    assert response.status_code == 200 and "the last 52 weeks" in response.content.decode()
    response = client_for(computed.viewer).get(url(computed), {"weeks": "nonsense"})
    assert response.status_code == 200 and "the last 26 weeks" in response.content.decode()


def test_csv_download_holds_the_charts_table(computed):
    response = client_for(computed.viewer).get(url(computed, "csv/predictability/"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    # the CSV keeps 2 decimals: 100 × 14 ÷ 13
    assert rows[0] == ["Team", "PI 26.1"]
    assert rows[1] == ["Whole train", "107.69"]
    assert rows[2] == ["Alpha", "107.69"]
    assert client_for(computed.viewer).get(url(computed, "csv/nonsense/")).status_code == 404


def test_cfd_csv_has_one_row_per_day(computed):
    response = client_for(computed.viewer).get(url(computed, "csv/cfd/"), {"weeks": 104})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Date", "Not started", "Waiting", "Active", "Done"]
    by_day = {row[0]: row[1:] for row in rows[1:]}
    # worked by hand in test_snapshots: on 5 May, A blocked and C ready wait, B is done
    assert by_day["2026-05-05"] == ["0", "2", "0", "1"]


# --- recompute (htmx) -----------------------------------------------------------------------


def test_viewer_may_not_recompute(computed):
    response = client_for(computed.viewer).post(url(computed, "recompute/"), **HTMX)
    assert response.status_code == 403
    assert not RecomputeRun.objects.exists()


def test_rte_recompute_shows_progress_then_reloads(computed, django_capture_on_commit_callbacks):
    client = client_for(computed.rte)
    # when the RTE presses "Recompute now" (the task runs after the request's commit)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(url(computed, "recompute/"), **HTMX)
    run = RecomputeRun.objects.get()
    # then the section polls the run's progress
    html = response.content.decode()
    assert response.status_code == 200
    assert "Recompute queued" in html and f"recompute/{run.pk}/" in html and 'hx-trigger="every' in html
    # while it runs, the poll shows the percentage
    RecomputeRun.objects.filter(pk=run.pk).update(state="running", progress=40)
    html = client.get(url(computed, f"recompute/{run.pk}/"), **HTMX).content.decode()
    assert "40 %" in html and "<progress" in html
    # once done (the queued task runs), the page reloads with the new figures
    for callback in callbacks:
        callback()
    response = client.get(url(computed, f"recompute/{run.pk}/"), **HTMX)
    assert response.status_code == 200 and response["HX-Refresh"] == "true"


def test_recompute_without_javascript_redirects_back(computed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(computed.rte).post(url(computed, "recompute/"))
    assert response.status_code == 302 and response["Location"] == url(computed)


def test_a_failed_recompute_says_so(computed):
    run = RecomputeRun.objects.create(train=computed.train, state="failed", error="RuntimeError: boom")
    html = client_for(computed.rte).get(url(computed, f"recompute/{run.pk}/"), **HTMX).content.decode()
    assert "The last recompute failed" in html and "boom" in html and "Recompute now" in html


# --- forecast and definitions ---------------------------------------------------------------


def test_forecast_page_answers_both_questions(world):
    today = dt.date.today()
    for n in range(1, 21):
        at = dt.datetime.combine(today - dt.timedelta(days=n), dt.time(12), tzinfo=dt.UTC)
        make_feature(world.train, ("ready", at - dt.timedelta(days=1)), ("done", at))
    until = today + dt.timedelta(days=7)
    response = client_for(world.viewer).get(url(world, "forecast/"), {"items": 5, "until": until.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    # one feature a day: 5 features take 5 days at every confidence, 7 days bring 7
    done_by = today + dt.timedelta(days=5)
    assert html.count(done_by.strftime("%a %-d %b %Y")) == 3
    assert "<strong>7</strong>" in html
    # and the history it used: 20 days
    assert "Data table (20 days)" in html


def test_forecast_page_explains_a_short_history(world):
    make_feature(world.train, ("ready", utc(1)), ("done", dt.datetime.now(dt.UTC) - dt.timedelta(days=2)))
    html = client_for(world.viewer).get(url(world, "forecast/"), {"items": 5}).content.decode()
    assert "No forecast: A forecast needs at least 10 days" in html


def test_forecast_page_refuses_a_past_date(world):
    html = client_for(world.viewer).get(url(world, "forecast/"), {"until": "2020-01-01"}).content.decode()
    assert "must be after today" in html


def test_definitions_quote_the_code(world):
    html = client_for(world.viewer).get(url(world, "definitions/")).content.decode()
    for item in definitions.DEFINITIONS:
        assert f'id="{item.anchor}"' in html
        for name in item.functions:
            assert definitions.rule(name).__doc__, name  # every rule quoted has its words in the code
            assert definitions.rule_path(name) in html
    assert "100 × 16 ÷ 15 = 106.67 %" in html


def test_every_link_to_a_definition_lands_on_one(computed):
    from metrics import dashboard

    anchors = {d.anchor for d in definitions.DEFINITIONS}
    data = dashboard.dashboard_data(train=computed.train, today=dt.date(2026, 5, 8))
    assert {h.definition for h in data.headlines} <= anchors
    assert {c.definition for c in data.charts} <= anchors
