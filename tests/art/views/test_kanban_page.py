"""The ART Kanban page (art.views.kanban): the board for every role, its filters, moves by the
menu form (the move rule, stale versions, WIP limits and their reasons), the RTE's limits and
policies, and the aging work page with its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from art.models import ChangeRecord, Feature, FeatureTransition, ReleaseTrain, WipBreach
from tests.art.factories import FeatureFactory, FeatureTransitionFactory

pytestmark = pytest.mark.django_db
ROLES = ["rte", "product", "business_owner", "member", "other_member", "viewer"]
HX = {"HTTP_HX_REQUEST": "true"}


def _url(world, name: str = "kanban", **kwargs) -> str:
    return reverse(f"art:{name}", kwargs={"slug": world.train.slug, **kwargs})


def _feature(world, state: str, *, team=None, days_ago: float = 3, **fields) -> Feature:
    """A feature in `state` since `days_ago` days (its one transition)."""
    feature = FeatureFactory(train=world.train, state=state, team=team, **fields)
    FeatureTransitionFactory(
        feature=feature, from_state="", to_state=state, at=timezone.now() - dt.timedelta(days=days_ago)
    )
    return feature


def _move(client, world, feature: Feature, state: str, version: int | None = None, **extra):
    data = {"state": state, "version": feature.version if version is None else version, **extra}
    return client.post(_url(world, "kanban_move", feature_id=feature.pk), data, **HX)


def _unchanged(feature: Feature, transitions: int) -> bool:
    fresh = Feature.objects.get(pk=feature.pk)
    return (
        fresh.state == feature.state
        and fresh.version == feature.version
        and FeatureTransition.objects.filter(feature=feature).count() == transitions
    )


# --- the board ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_sees_the_board_as_a_page_and_as_a_fragment(as_user, world, role):
    _feature(world, "in_progress", team=world.team, title="Instant refunds")
    client = as_user(role)
    page = client.get(_url(world))
    assert page.status_code == 200
    assert b"Instant refunds" in page.content and b'id="kanban-board"' in page.content
    assert b'data-live="feature' in page.content and b"data-live-src" in page.content
    fragment = client.get(_url(world), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="kanban-board")
    assert fragment.status_code == 200
    assert b"Instant refunds" in fragment.content and b"<html" not in fragment.content
    assert (b"Limits and policies" in page.content) is (role == "rte")


def test_the_outsider_gets_404_and_the_anonymous_visitor_signs_in(client, world):
    assert client.get(_url(world)).status_code == 302
    client.force_login(world.outsider)
    assert client.get(_url(world)).status_code == 404


def test_the_filters_narrow_the_board(as_user, world):
    _feature(world, "ready", team=world.team, title="Alpha business", pi=world.pi)
    _feature(world, "ready", team=world.other_team, title="Bravo enabler", kind="enabler")
    _feature(world, "cancelled", team=world.team, title="Dropped idea")
    client = as_user("viewer")
    text = client.get(_url(world)).content.decode()
    assert "Alpha business" in text and "Bravo enabler" in text and "Dropped idea" not in text
    assert "Dropped idea" in client.get(_url(world) + "?cancelled=1").content.decode()
    by_team = client.get(_url(world) + f"?team={world.team.pk}").content.decode()
    assert "Alpha business" in by_team and "Bravo enabler" not in by_team
    by_kind = client.get(_url(world) + "?kind=enabler").content.decode()
    assert "Bravo enabler" in by_kind and "Alpha business" not in by_kind
    by_pi = client.get(_url(world) + f"?pi={world.pi.pk}").content.decode()
    assert "Alpha business" in by_pi and "Bravo enabler" not in by_pi
    lanes = client.get(_url(world) + "?lanes=team").content.decode()
    assert 'id="kanban-lane-' in lanes and "Alpha" in lanes and "Bravo" in lanes
    kinds = client.get(_url(world) + "?lanes=kind").content.decode()
    assert 'id="kanban-lane-enabler"' in kinds
    junk = client.get(_url(world) + "?pi=abc&team=99999&kind=nope&lanes=sideways")
    assert junk.status_code == 200 and "Bravo enabler" in junk.content.decode()


def test_limits_are_marked_in_words_and_the_done_column_counts_the_earlier(as_user, world):
    world.train.wip_limits = {"in_progress": 2, "review": 1}
    world.train.save()
    world.team.wip_limit = 4
    world.team.save()
    for _ in range(3):
        _feature(world, "in_progress", team=world.team)
    _feature(world, "review", team=world.team)
    _feature(world, "done", team=world.team, days_ago=2, title="Recently done")
    _feature(world, "done", team=world.team, days_ago=30, title="Long done")
    text = as_user("viewer").get(_url(world) + "?lanes=team").content.decode()
    assert "Over limit: 3 of 2" in text and "Full: 1 of 1" in text
    assert "4 of 4 in flow" in text
    assert "Recently done" in text and "Long done" not in text and "+ 1 finished earlier" in text


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("lanes", ["none", "team"])
def test_the_board_costs_the_same_queries_with_3_and_with_30_features(as_user, world, lanes):
    client = as_user("member")
    states = ["funnel", "ready", "in_progress", "review", "done"]
    for i in range(3):
        _feature(world, states[i % 5], team=world.team if i % 2 else world.other_team)
    url = _url(world) + f"?lanes={lanes}"
    few = _count(client, url)
    for i in range(3, 30):
        _feature(world, states[i % 5], team=world.team if i % 2 else world.other_team, days_ago=i)
    assert _count(client, url) == few


# --- moving a card --------------------------------------------------------------------------------


def test_product_moves_a_feature_from_the_funnel_to_analyzing(as_user, world):
    feature = _feature(world, "funnel", team=world.team)
    records = ChangeRecord.objects.count()
    response = _move(as_user("product"), world, feature, "analyzing")
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#kanban-board"
    fresh = Feature.objects.get(pk=feature.pk)
    assert fresh.state == "analyzing" and fresh.version == feature.version + 1
    assert FeatureTransition.objects.filter(feature=feature, to_state="analyzing").count() == 1
    assert ChangeRecord.objects.count() == records + 1


def test_a_member_moves_their_own_teams_feature_within_the_flow(as_user, world):
    feature = _feature(world, "in_progress", team=world.team)
    response = _move(as_user("member"), world, feature, "review")
    assert response.status_code == 200
    assert Feature.objects.get(pk=feature.pk).state == "review"


def test_a_member_may_not_move_another_teams_feature(as_user, world):
    feature = _feature(world, "in_progress", team=world.other_team)
    response = _move(as_user("member"), world, feature, "review")
    assert response.status_code == 403
    assert "another team" in response.content.decode()
    assert _unchanged(feature, 1)


def test_a_member_may_not_pull_their_own_feature_from_ready(as_user, world):
    feature = _feature(world, "ready", team=world.team)
    response = _move(as_user("member"), world, feature, "in_progress")
    assert response.status_code == 403
    assert "product management and the RTE" in response.content.decode()
    assert _unchanged(feature, 1)


def test_a_viewer_may_not_move_anything(as_user, world):
    feature = _feature(world, "funnel", team=world.team)
    assert _move(as_user("viewer"), world, feature, "analyzing").status_code == 403
    assert _unchanged(feature, 1)


def test_a_stale_version_answers_409_with_the_card_as_it_is(as_user, world):
    feature = _feature(world, "funnel", team=world.team)
    response = _move(as_user("rte"), world, feature, "analyzing", version=feature.version + 5)
    assert response.status_code == 409
    text = response.content.decode()
    assert "Someone else changed" in text and "Move to Analyzing again" in text
    assert _unchanged(feature, 1)


def test_a_bad_state_is_refused_naming_the_field(as_user, world):
    feature = _feature(world, "funnel", team=world.team)
    response = _move(as_user("rte"), world, feature, "sideways")
    assert response.status_code == 422 and "state must be one of" in response.content.decode()
    assert _unchanged(feature, 1)


def test_a_move_into_a_full_column_asks_for_a_reason_then_records_the_breach(as_user, world):
    world.train.wip_limits = {"in_progress": 1}
    world.train.kanban_policies = {"in_progress": "A team has pulled it."}
    world.train.save()
    _feature(world, "in_progress", team=world.other_team)
    feature = _feature(world, "ready", team=world.team)
    client = as_user("rte")
    asked = _move(client, world, feature, "in_progress")
    assert asked.status_code == 422
    text = asked.content.decode()
    assert "In progress is at its WIP limit of 1" in text
    assert 'name="reason"' in text and "A team has pulled it." in text
    assert _unchanged(feature, 1) and not WipBreach.objects.exists()

    moved = _move(client, world, feature, "in_progress", reason="Regulator deadline")
    assert moved.status_code == 200
    assert "Over limit: 2 of 1" in moved.content.decode()
    breach = WipBreach.objects.get()
    assert breach.reason == "Regulator deadline" and breach.state == "in_progress"
    assert (breach.count, breach.limit) == (2, 1)


def test_without_htmx_a_move_redirects_back_to_the_board(client, world):
    feature = _feature(world, "funnel", team=world.team)
    client.force_login(world.product)
    response = client.post(
        _url(world, "kanban_move", feature_id=feature.pk), {"state": "analyzing", "version": feature.version}
    )
    assert response.status_code == 302 and response["Location"].startswith(_url(world))


# --- limits and policies ----------------------------------------------------------------------------


def _settings(**values) -> dict[str, str]:
    data = {f"limit_{s}": "" for s in ("funnel", "analyzing", "ready", "in_progress", "review")}
    data.update(values)
    return data


def test_the_rte_sets_limits_and_policies_and_the_history_keeps_both(as_user, world):
    response = as_user("rte").post(
        _url(world, "kanban_settings"),
        _settings(limit_in_progress="8", limit_review="3", policy_review="Demonstrated to PM"),
        **HX,
    )
    assert response.status_code == 200
    train = ReleaseTrain.objects.get(pk=world.train.pk)
    assert train.wip_limits == {"in_progress": 8, "review": 3}
    assert train.kanban_policies == {"review": "Demonstrated to PM"}
    record = ChangeRecord.objects.filter(action="updated").latest("pk")
    assert record.changes["wip_limits"] == [{}, {"in_progress": 8, "review": 3}]
    assert "Demonstrated to PM" in response.content.decode()


@pytest.mark.parametrize("bad", ["0", "abc", "5000"])
def test_a_bad_limit_is_refused_naming_the_column(as_user, world, bad):
    world.train.wip_limits = {"review": 2}
    world.train.save()
    records = ChangeRecord.objects.count()
    response = as_user("rte").post(_url(world, "kanban_settings"), _settings(limit_in_progress=bad), **HX)
    assert response.status_code == 422
    assert (
        "the wip limit of in progress must be a whole number from 1 to 1000"
        in response.content.decode().lower()
    )
    assert ReleaseTrain.objects.get(pk=world.train.pk).wip_limits == {"review": 2}
    assert ChangeRecord.objects.count() == records


def test_a_policy_with_a_control_character_is_refused_naming_the_column(as_user, world):
    response = as_user("rte").post(_url(world, "kanban_settings"), _settings(policy_ready="a\x07b"), **HX)
    assert response.status_code == 422 and "the policy of ready" in response.content.decode().lower()
    assert ReleaseTrain.objects.get(pk=world.train.pk).kanban_policies == {}


@pytest.mark.parametrize("role", ["product", "business_owner", "member", "viewer"])
def test_only_the_rte_sets_limits(as_user, world, role):
    response = as_user(role).post(_url(world, "kanban_settings"), _settings(limit_in_progress="8"), **HX)
    assert response.status_code == 403
    assert ReleaseTrain.objects.get(pk=world.train.pk).wip_limits == {}


def test_the_team_edit_form_sets_the_lane_limit(as_user, world):
    url = reverse("art:team_update", kwargs={"slug": world.train.slug, "team_id": world.team.pk})
    client = as_user("rte")
    ok = client.post(url, {"name": "Alpha", "kind": "stream_aligned", "wip_limit": "4"}, **HX)
    assert ok.status_code == 200
    world.team.refresh_from_db()
    assert world.team.wip_limit == 4
    bad = client.post(url, {"name": "Alpha", "kind": "stream_aligned", "wip_limit": "0"}, **HX)
    assert (
        bad.status_code == 422
        and "wip limit must be a whole number from 1 to 1000" in bad.content.decode().lower()
    )


# --- aging work ---------------------------------------------------------------------------------------


def _finished(world, flow_days: float) -> Feature:
    """A feature that entered the flow `flow_days + 1` days ago and finished a day ago."""
    now = timezone.now()
    feature = FeatureFactory(train=world.train, state="done", team=world.team)
    start = now - dt.timedelta(days=flow_days + 1)
    FeatureTransitionFactory(feature=feature, from_state="", to_state="ready", at=start)
    FeatureTransitionFactory(
        feature=feature, from_state="ready", to_state="done", at=now - dt.timedelta(days=1)
    )
    return feature


def test_aging_work_is_in_flow_longer_than_the_85th_percentile_flow_time(as_user, world):
    # Flow times 1, 2, 2, 3, 3, 4, 5, 6, 8, 13 days: the 85th percentile by nearest rank is the
    # ceil(0.85 × 10) = 9th of them, 8 days. A feature 9 days in flow is aging; one 8 is not.
    for days in (1, 2, 2, 3, 3, 4, 5, 6, 8, 13):
        _finished(world, days)
    old = _feature(world, "in_progress", team=world.team, days_ago=9, title="=HYPERLINK(evil)")
    _feature(world, "in_progress", team=world.team, days_ago=8, title="Just under")
    client = as_user("viewer")
    board = client.get(_url(world)).content.decode()
    assert "Aging: in flow longer than 8 days, the 85th-percentile flow time of the 10 features" in board
    assert "Aging · 9 days in flow" in board and "Aging · 8 days" not in board

    page = client.get(_url(world, "kanban_aging")).content.decode()
    assert old.key in page and "=HYPERLINK(evil)" in page and "Just under" not in page

    export = client.get(_url(world, "kanban_aging_csv"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert export["Content-Disposition"] == 'attachment; filename="payments-aging.csv"'
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["key", "title", "team", "state", "days_in_flow", "days_in_state"]
    assert len(rows) == 2
    assert rows[1][:4] == [old.key, "'=HYPERLINK(evil)", "Alpha", "In progress"]
    assert float(rows[1][4]) == pytest.approx(9, abs=0.01)


def test_without_finished_work_there_is_no_threshold_yet(as_user, world):
    _feature(world, "in_progress", team=world.team, days_ago=300)
    client = as_user("viewer")
    assert "Aging: no threshold yet" in client.get(_url(world)).content.decode()
    assert "No threshold yet" in client.get(_url(world, "kanban_aging")).content.decode()


def test_the_aging_page_costs_the_same_queries_with_few_and_many_features(as_user, world):
    client = as_user("viewer")
    for days in (1, 2, 3):
        _finished(world, days)
    _feature(world, "in_progress", team=world.team, days_ago=10)
    url = _url(world, "kanban_aging")
    few = _count(client, url)
    for i in range(20):
        _feature(world, "review", team=world.other_team, days_ago=10 + i)
        _finished(world, 2)
    assert _count(client, url) == few
