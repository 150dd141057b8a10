"""A change to a versioned card must say which version it is based on (docs/api.md,
"Concurrency"): neither `version` in the body nor If-Match answers 428 naming the current
version, and nothing changes; `If-Match: *` is let through on purpose; deletes need no version."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from art.api.mixins import VERSION_REQUIRED
from art.models import Feature
from tests.art.factories import FeatureFactory, StoryFactory
from tests.pi_planning.factories import DependencyFactory, RiskFactory
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Write:
    role: str  # who writes (one allowed to)
    make: Callable[[Any], Any]  # the card, of the world's train
    path: Callable[[Any, Any], str]  # (world, card) -> where the write goes
    method: str  # patch or post
    body: Callable[[Any, Any], dict[str, Any]]  # (world, card) -> the change, without a version
    field: str  # the card's attribute the change sets
    value: Callable[[Any], Any]  # world -> the value it sets
    ok: int  # the answer of an accepted write


def _second_iteration(world):
    return world.pi.iterations.order_by("number")[1]


def _board_feature(world):
    return Feature.objects.create(
        train=world.train, pi=world.pi, team=world.team, title="Before", state=Feature.State.READY
    )


WRITES = {
    "feature PATCH": Write(
        role="product",
        make=lambda w: FeatureFactory(train=w.train, title="Before"),
        path=lambda w, c: f"/api/v1/features/{c.pk}/",
        method="patch",
        body=lambda w, c: {"title": "After"},
        field="title",
        value=lambda w: "After",
        ok=200,
    ),
    "story PATCH": Write(
        role="member",
        make=lambda w: StoryFactory(team=w.team, title="Before"),
        path=lambda w, c: f"/api/v1/stories/{c.pk}/",
        method="patch",
        body=lambda w, c: {"title": "After"},
        field="title",
        value=lambda w: "After",
        ok=200,
    ),
    "risk PATCH": Write(
        role="member",
        make=lambda w: RiskFactory(pi=w.pi, title="Before"),
        path=lambda w, c: f"/api/v1/risks/{c.pk}/",
        method="patch",
        body=lambda w, c: {"title": "After"},
        field="title",
        value=lambda w: "After",
        ok=200,
    ),
    "dependency PATCH": Write(
        role="member",
        make=lambda w: DependencyFactory(
            pi=w.pi, requester_team=w.team, provider_team=w.other_team, title="Before"
        ),
        path=lambda w, c: f"/api/v1/dependencies/{c.pk}/",
        method="patch",
        body=lambda w, c: {"title": "After"},
        field="title",
        value=lambda w: "After",
        ok=200,
    ),
    "impediment PATCH": Write(
        role="member",
        make=lambda w: ImpedimentFactory(train=w.train, title="Before"),
        path=lambda w, c: f"/api/v1/impediments/{c.pk}/",
        method="patch",
        body=lambda w, c: {"title": "After"},
        field="title",
        value=lambda w: "After",
        ok=200,
    ),
    "board move POST": Write(
        role="product",
        make=_board_feature,
        path=lambda w, c: f"/api/v1/pis/{w.pi.pk}/board/moves/",
        method="post",
        body=lambda w, c: {
            "kind": "feature",
            "card": c.pk,
            "team": w.other_team.pk,
            "iteration": _second_iteration(w).pk,
        },
        field="team_id",
        value=lambda w: w.other_team.pk,
        ok=200,
    ),
}

DELETES = {
    "features": lambda w: FeatureFactory(train=w.train),
    "stories": lambda w: StoryFactory(team=w.team),
    "risks": lambda w: RiskFactory(pi=w.pi),
    "dependencies": lambda w: DependencyFactory(pi=w.pi, requester_team=w.team, provider_team=w.other_team),
    "impediments": lambda w: ImpedimentFactory(train=w.train),
}


def _state(card) -> dict[str, Any]:
    fresh = type(card).objects.get(pk=card.pk)
    return {
        name: getattr(fresh, name)
        for name in ("version", "title", "state", "team_id", "iteration_id")
        if hasattr(fresh, name)
    }


def _send(api, write: Write, world, card, body: dict[str, Any], **headers):
    return getattr(api, write.method)(write.path(world, card), body, format="json", **headers)


@pytest.mark.parametrize("name", WRITES)
def test_a_change_without_a_version_answers_428_naming_it_and_changes_nothing(world, as_user, name):
    write = WRITES[name]
    card = write.make(world)
    before = _state(card)
    # when the change states neither a version nor If-Match
    response = _send(as_user(getattr(world, write.role)), write, world, card, write.body(world, card))
    # then 428, the message naming the card's current version, and the card as it was
    assert response.status_code == 428, response.content
    detail = response.json()["detail"]
    assert detail == VERSION_REQUIRED.format(version=card.version)
    assert f'"version": {card.version}' in detail and f'If-Match: "{card.version}"' in detail
    assert _state(card) == before


@pytest.mark.parametrize("how", ["version", "if-match", "if-match-any"])
@pytest.mark.parametrize("name", WRITES)
def test_a_change_stating_its_version_is_applied(world, as_user, name, how):
    write = WRITES[name]
    card = write.make(world)
    body = write.body(world, card)
    headers = {}
    if how == "version":
        body["version"] = card.version
    elif how == "if-match":
        headers["HTTP_IF_MATCH"] = f'"{card.version}"'
    else:  # `If-Match: *` says "whatever it is now" on purpose
        headers["HTTP_IF_MATCH"] = "*"
    response = _send(as_user(getattr(world, write.role)), write, world, card, body, **headers)
    assert response.status_code == write.ok, response.content
    after = type(card).objects.get(pk=card.pk)
    assert getattr(after, write.field) == write.value(world)
    assert after.version > card.version


@pytest.mark.parametrize("blank", ["", None])
def test_a_board_move_with_a_blank_version_answers_428(world, as_user, blank):
    card = _board_feature(world)
    before = _state(card)
    body = {**WRITES["board move POST"].body(world, card), "version": blank}
    response = as_user(world.product).post(f"/api/v1/pis/{world.pi.pk}/board/moves/", body, format="json")
    assert response.status_code == 428, response.content
    assert response.json()["detail"] == VERSION_REQUIRED.format(version=card.version)
    assert _state(card) == before


def test_a_board_move_not_the_callers_answers_403_before_428(world, as_user):
    card = _board_feature(world)
    response = as_user(world.member).post(
        f"/api/v1/pis/{world.pi.pk}/board/moves/", WRITES["board move POST"].body(world, card), format="json"
    )
    assert response.status_code == 403
    assert Feature.objects.get(pk=card.pk).team_id == world.team.pk


@pytest.mark.parametrize("path", DELETES)
def test_a_delete_needs_no_version(world, as_user, path):
    card = DELETES[path](world)
    response = as_user(world.rte).delete(f"/api/v1/{path}/{card.pk}/")
    assert response.status_code == 204, response.content
    assert not type(card).objects.filter(pk=card.pk).exists()


@pytest.mark.parametrize("blank", ["", None])
def test_a_blank_version_in_a_change_counts_as_none(world, blank):
    from rest_framework.test import APIClient

    feature = FeatureFactory(train=world.train, title="Wallet")
    api = APIClient()
    api.force_authenticate(world.rte)
    response = api.patch(f"/api/v1/features/{feature.pk}/", {"title": "X", "version": blank}, format="json")
    assert response.status_code == 428
    feature.refresh_from_db()
    assert feature.title == "Wallet"


def test_a_transition_is_appended_without_a_version(world, api):
    # The contract: POST features/{id}/transitions/ {"state", "at"} appends a state change, as
    # imports and trackers send them; the state rules guard it (never the state it is in, never
    # before the previous one), and a stated version is still checked.
    feature = FeatureFactory(train=world.train)
    api.force_authenticate(world.product)
    response = api.post(f"/api/v1/features/{feature.pk}/transitions/", {"state": "ready"}, format="json")
    assert response.status_code == 201
    stale = api.post(
        f"/api/v1/features/{feature.pk}/transitions/", {"state": "analyzing", "version": 1}, format="json"
    )
    assert stale.status_code == 409
