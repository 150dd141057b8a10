"""Conditional requests (docs/api.md, "Conditional requests"): every card answers with
`ETag: "<version>"` and honours If-Match on writes (stale: 412, nothing changed; `*`: whatever
it is now) and If-None-Match on reads (304); the computed views answer an ETag of their body and
304 to a matching If-None-Match, and a new ETag once something they show changed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from art.api.conditional import body_etag, content_etag
from tests.role_matrix import DAY, World, build_world, snapshot

#: Every card with a version: its resource path and the world's object.
CARDS = {
    "features": "feature",
    "stories": "story",
    "dependencies": "dependency",
    "objectives": "objective",
    "risks": "risk",
    "events": "event",
    "action-items": "action_item",
    "impediments": "impediment",
    "improvement-items": "improvement",
    "system-demos": "system_demo",
    "demo-items": "demo_item",
    "workshops": "workshop",
    "causes": "cause",
}
TEXT_FIELDS = ("title", "text", "name")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def rte(world: World) -> APIClient:
    client = APIClient()
    client.force_login(world.users["rte"])
    return client


def test_every_versioned_model_is_a_card_here():
    from django.apps import apps

    versioned = {
        m.__name__
        for app in ("art", "pi_planning", "sync")
        for m in apps.get_app_config(app).get_models()
        if any(f.name == "version" for f in m._meta.fields)
    }
    assert len(versioned) == len(CARDS)


@pytest.mark.django_db
@pytest.mark.parametrize("resource", CARDS)
def test_a_card_answers_its_version_as_etag_and_304_when_unchanged(world, rte, resource):
    card = world[CARDS[resource]]
    card.refresh_from_db()
    url = f"/api/v1/{resource}/{card.pk}/"
    # when the card is read
    response = rte.get(url)
    # then its ETag is its version, quoted (a strong ETag)
    assert response.status_code == 200
    assert response["ETag"] == f'"{card.version}"' == f'"{response.json()["version"]}"'
    # and reading it again with that ETag answers 304 with an empty body
    again = rte.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == response["ETag"]
    # and an older ETag gets the card
    assert rte.get(url, HTTP_IF_NONE_MATCH=f'"{card.version + 7}"').status_code == 200


#: The text a write changes, where the first of TEXT_FIELDS is not the card's own.
CHANGED_FIELD = {"demo-items": "notes", "workshops": "problem", "system-demos": "summary"}


def _text_change(client: APIClient, url: str, resource: str) -> dict[str, str]:
    body = client.get(url).json()
    field = CHANGED_FIELD.get(resource) or next(
        name for name in TEXT_FIELDS if isinstance(body.get(name), str)
    )
    return {field: "Changed by a stale client"}


def _put_body(client: APIClient, url: str, change: dict[str, str]) -> dict | None:
    """The card as read, less what a PUT refuses as read-only or create-only (asked of the API
    itself, with an If-Match that cannot match, so nothing is written); None without PUT."""
    body = {k: v for k, v in {**client.get(url).json(), **change}.items() if k != "version"}
    for _ in range(3):
        response = client.put(url, body, format="json", HTTP_IF_MATCH='"0"')
        if response.status_code == 405:
            return None
        if response.status_code != 400:
            return body
        refused = [k for k in response.json() if k in body and k not in change]
        body = {k: v for k, v in body.items() if k not in refused}
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("resource", CARDS)
def test_a_write_with_a_stale_if_match_answers_412_and_changes_nothing(world, rte, resource, method):
    card = world[CARDS[resource]]
    card.refresh_from_db()
    url = f"/api/v1/{resource}/{card.pk}/"
    change = _text_change(rte, url, resource)
    body = _put_body(rte, url, change) if method == "put" else change
    if body is None:
        pytest.skip(f"{resource} are not replaced whole (no PUT)")
    row, counts = model_to_dict(card), snapshot()
    # when a client based on an older version writes
    response = getattr(rte, method)(url, body, format="json", HTTP_IF_MATCH=f'"{card.version + 1}"')
    # then it is refused with the current card and its ETag, and nothing changed
    assert response.status_code == 412, response.content
    assert response["ETag"] == f'"{card.version}"'
    assert response.json()["version"] == card.version
    card.refresh_from_db()
    assert model_to_dict(card) == row and snapshot() == counts


@pytest.mark.django_db
@pytest.mark.parametrize("resource", CARDS)
def test_if_match_star_and_the_current_etag_let_a_write_through_with_a_new_etag(world, rte, resource):
    card = world[CARDS[resource]]
    card.refresh_from_db()
    url = f"/api/v1/{resource}/{card.pk}/"
    etag = rte.get(url)["ETag"]
    # when a write names the current ETag
    first = rte.patch(url, _text_change(rte, url, resource), format="json", HTTP_IF_MATCH=etag)
    # then it goes through and answers the new version as its ETag
    assert first.status_code == 200, first.content
    assert first["ETag"] == f'"{first.json()["version"]}"' != etag
    # and `If-Match: *` matches whatever version the card has now
    star = rte.patch(url, {}, format="json", HTTP_IF_MATCH="*")
    assert star.status_code == 200 and star["ETag"] == f'"{star.json()["version"]}"'
    # and the old ETag is stale now
    assert rte.patch(url, {}, format="json", HTTP_IF_MATCH=etag).status_code == 412


@pytest.mark.django_db
def test_a_cards_own_action_answers_its_etag_and_honours_if_match(world, rte):
    from art.models import Feature

    feature = Feature.objects.get(pk=world["feature"].pk)
    url = f"/api/v1/features/{feature.pk}/transitions/"
    state = "ready" if feature.state != "ready" else "funnel"
    # when a transition is posted with a stale If-Match, nothing moves
    stale = rte.post(url, {"state": state}, format="json", HTTP_IF_MATCH=f'"{feature.version + 3}"')
    assert stale.status_code == 412
    assert Feature.objects.get(pk=feature.pk).state == feature.state
    # and with `*` it moves
    moved = rte.post(url, {"state": state}, format="json", HTTP_IF_MATCH="*")
    assert moved.status_code in (200, 201), moved.content


@pytest.mark.django_db
def test_a_malformed_if_match_answers_400_naming_the_header(world, rte):
    card = world["feature"]
    response = rte.patch(f"/api/v1/features/{card.pk}/", {}, format="json", HTTP_IF_MATCH="version 3")
    assert response.status_code == 400
    assert "If-Match" in response.json()["detail"]


# --- computed views -----------------------------------------------------------------------------


def computed_views(world: World) -> dict[str, str]:
    pi, train = world.pi, world.train
    return {
        "board": f"/api/v1/pis/{pi.pk}/board/",
        "capacity": f"/api/v1/pis/{pi.pk}/capacity/",
        "confidence": f"/api/v1/pis/{pi.pk}/confidence/",
        "predictability of a PI": f"/api/v1/metrics/predictability/?pi={world.closed_pi.pk}",
        "predictability of a train": f"/api/v1/metrics/predictability/?train={train.pk}",
        "flow": f"/api/v1/metrics/flow/?train={train.pk}&start={DAY - dt.timedelta(days=365)}&end={DAY}",
        "forecast": f"/api/v1/metrics/forecast/?train={train.pk}&items=5&seed=1",
        "dependency age": f"/api/v1/metrics/dependency-age/?train={train.pk}",
        "recompute run": f"/api/v1/metrics/recompute/{world['recompute_run'].pk}/",
        "kanban": f"/api/v1/trains/{train.pk}/kanban/",
    }


VIEWS = [
    "board",
    "capacity",
    "confidence",
    "predictability of a PI",
    "predictability of a train",
    "flow",
    "forecast",
    "dependency age",
    "recompute run",
    "kanban",
]


def _body_hash(view: str, response) -> str:
    """A computed view's ETag: the hash of the bytes sent (ConditionalGetMixin), or of the JSON
    data for the Kanban (which answers conditionally from inside its action)."""
    return body_etag(response.json()) if view == "kanban" else content_etag(response.content)


@pytest.mark.django_db
@pytest.mark.parametrize("view", VIEWS)
def test_a_computed_view_answers_304_while_nothing_changed(world, rte, view):
    url = computed_views(world)[view]
    response = rte.get(url)
    if view == "forecast" and response.status_code == 400:
        pytest.skip("the seeded history is too short for a forecast")
    assert response.status_code == 200, response.content
    # then its ETag is a strong hash of the body
    assert response["ETag"] == _body_hash(view, response)
    assert response["ETag"].startswith('"') and not response["ETag"].startswith("W/")
    # and asking again with it answers 304, empty
    again = rte.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == response["ETag"]
    # and with any other ETag (or several, one of them current) as HTTP says
    assert rte.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    assert rte.get(url, HTTP_IF_NONE_MATCH=f'"stale", {response["ETag"]}').status_code == 304
    assert rte.get(url, HTTP_IF_NONE_MATCH="*").status_code == 304


@pytest.mark.django_db
def test_an_error_answer_carries_no_etag(world, rte):
    response = rte.get(f"/api/v1/pis/{world.pi.pk}/board/?basis=nonsense", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 400 and "ETag" not in response


def _rename_feature(world: World) -> None:
    from art.services import backlog

    feature = world["feature"]
    feature.refresh_from_db()
    backlog.feature_update(actor=world.users["rte"], feature=feature, title="Renamed")


def _load_story(world: World) -> None:
    from art.services import backlog

    story = world["story"]
    story.refresh_from_db()
    backlog.story_update(actor=world.users["rte"], story=story, points=(story.points or 0) + 13)


def _vote(world: World) -> None:
    from pi_planning.services import votes

    votes.vote_cast(actor=world.users["member"], pi=world.pi, team=None, score=2, concern="")


def _score(world: World) -> None:
    from pi_planning.models import Objective
    from pi_planning.services import objectives

    objective = Objective.objects.filter(pi=world.closed_pi, committed=True).order_by("pk").first()
    assert objective is not None
    actual = 1 if objective.actual_bv != 1 else 9
    objectives.objective_update(actor=world.users["rte"], objective=objective, actual_bv=actual)


CHANGES = {
    "board": _rename_feature,
    "kanban": _rename_feature,
    "capacity": _load_story,
    "confidence": _vote,
    "predictability of a PI": _score,
}


@pytest.mark.django_db
@pytest.mark.parametrize("view", CHANGES)
def test_after_a_change_the_computed_view_answers_200_with_a_new_etag(world, rte, view):
    url = computed_views(world)[view]
    before = rte.get(url)
    assert rte.get(url, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 304
    # when something the view shows changes
    CHANGES[view](world)
    # then the old ETag no longer matches: the new answer comes with a new ETag
    after = rte.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"] and after["ETag"] == _body_hash(view, after)
