"""Access first, then the version: a change to a versioned card that states no version answers
428 only to someone who may make it; a caller who may not change the card at all learns that
(403), also where the service rather than the viewset decides who may (an objective's rights
depend on the fields changed; a cause is its author's or the RTE's; a demo item is decided by
business owners). Checked over every versioned resource of the API (art.api.mixins)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from art.api.mixins import VERSION_REQUIRED, VersionedCardMixin
from sync.models import ActionItem, Cause, DemoItem, Event, SystemDemo, Workshop
from tests.art.factories import FeatureFactory, StoryFactory, TeamFactory
from tests.pi_planning.factories import DependencyFactory, ObjectiveFactory, RiskFactory
from tests.sync.factories import ImpedimentFactory, ImprovementItemFactory

pytestmark = pytest.mark.django_db


def _event(w):
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 10))
    return Event.objects.create(
        train=w.train,
        kind=Event.Kind.ART_SYNC,
        title="ART sync",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )


def _demo(w):
    iteration = w.pi.iterations.order_by("number").first()
    return SystemDemo.objects.create(train=w.train, iteration=iteration)


def _demo_item(w):
    feature: Any = FeatureFactory(train=w.train)
    return DemoItem.objects.create(demo=_demo(w), feature=feature)


def _workshop(w):
    return Workshop.objects.create(train=w.train, pi=w.pi)


@dataclass(frozen=True)
class Card:
    path: str
    make: Callable[[Any], Any]
    change: dict[str, Any]
    writer: str  # a role that may make the change (428 without a version)
    refused: tuple[str, ...]  # roles of the train that may not (403, with or without a version)


CARDS = {
    "features": Card(
        "features", lambda w: FeatureFactory(train=w.train), {"title": "X"}, "product", ("viewer", "member")
    ),
    "stories": Card(
        "stories", lambda w: StoryFactory(team=w.team), {"title": "X"}, "member", ("viewer", "other_member")
    ),
    "objectives": Card(
        "objectives",
        lambda w: ObjectiveFactory(pi=w.pi, team=w.team, title="Launch"),
        {"title": "X"},
        "member",
        ("viewer", "other_member", "business_owner"),
    ),
    "risks": Card("risks", lambda w: RiskFactory(pi=w.pi), {"title": "X"}, "member", ("viewer",)),
    "dependencies": Card(
        "dependencies",
        lambda w: DependencyFactory(pi=w.pi, requester_team=w.team, provider_team=TeamFactory(train=w.train)),
        {"title": "X"},
        "member",
        ("viewer", "other_member"),
    ),
    "events": Card("events", _event, {"title": "X"}, "rte", ("viewer", "member")),
    "action-items": Card(
        "action-items",
        lambda w: ActionItem.objects.create(train=w.train, title="Book a room", owner="Ana"),
        {"title": "X"},
        "member",
        ("viewer",),
    ),
    "impediments": Card(
        "impediments", lambda w: ImpedimentFactory(train=w.train), {"title": "X"}, "member", ("viewer",)
    ),
    "improvement-items": Card(
        "improvement-items",
        lambda w: ImprovementItemFactory(train=w.train),
        {"status": "in_progress"},
        "member",
        ("viewer",),
    ),
    "workshops": Card("workshops", _workshop, {"problem": "Late merges"}, "rte", ("viewer", "member")),
    "causes": Card(
        "causes",
        lambda w: Cause.objects.create(
            workshop=_workshop(w), category="process", text="Slow CI", created_by=w.member
        ),
        {"text": "X"},
        "member",
        ("viewer", "other_member"),
    ),
    "system-demos": Card("system-demos", _demo, {"summary": "Went well"}, "rte", ("viewer", "member")),
    "demo-items": Card(
        "demo-items",
        _demo_item,
        {"outcome": "accepted"},
        "business_owner",
        ("viewer", "member"),
    ),
}


def _versioned_paths() -> set[str]:
    """Every API resource whose viewset is a VersionedCardMixin, by its path under /api/v1/."""
    from rest_framework.routers import BaseRouter

    import art.api.urls
    import pi_planning.api.urls
    import sync.api.urls

    routers = [
        value
        for module in (art.api.urls, pi_planning.api.urls, sync.api.urls)
        for value in vars(module).values()
        if isinstance(value, BaseRouter)
    ]
    return {
        prefix
        for router in routers
        for prefix, viewset, _ in router.registry
        if issubclass(viewset, VersionedCardMixin)
    }


def test_the_table_covers_every_versioned_resource():
    assert _versioned_paths() == set(CARDS)


def _state(card) -> dict[str, Any]:
    fresh = type(card).objects.get(pk=card.pk)
    return {
        f.attname: getattr(fresh, f.attname) for f in fresh._meta.concrete_fields if f.name != "updated_at"
    }


@pytest.mark.parametrize("name", CARDS)
def test_a_caller_who_may_not_change_the_card_gets_403_before_428(world, as_user, name):
    spec = CARDS[name]
    card = spec.make(world)
    before = _state(card)
    for role in spec.refused:
        # when someone who may not change it sends a change without a version
        response = as_user(world.user(role)).patch(
            f"/api/v1/{spec.path}/{card.pk}/", spec.change, format="json"
        )
        # then 403, not 428, and the card as it was
        assert response.status_code == 403, (role, response.content)
        # with a version: the same 403
        body = {**spec.change, "version": card.version}
        response = as_user(world.user(role)).patch(f"/api/v1/{spec.path}/{card.pk}/", body, format="json")
        assert response.status_code == 403, (role, response.content)
    assert _state(card) == before


@pytest.mark.parametrize("name", CARDS)
def test_who_may_change_it_still_gets_428_and_nothing_changes(world, as_user, name):
    spec = CARDS[name]
    card = spec.make(world)
    before = _state(card)
    response = as_user(world.user(spec.writer)).patch(
        f"/api/v1/{spec.path}/{card.pk}/", spec.change, format="json"
    )
    assert response.status_code == 428, response.content
    assert response.json()["detail"] == VERSION_REQUIRED.format(version=card.version)
    assert _state(card) == before
    # and with its version the change is made
    body = {**spec.change, "version": card.version}
    response = as_user(world.user(spec.writer)).patch(f"/api/v1/{spec.path}/{card.pk}/", body, format="json")
    assert response.status_code == 200, response.content


def test_a_dependency_state_change_by_another_team_gets_403_before_428(world, as_user):
    dep = DependencyFactory(
        pi=world.pi, requester_team=world.team, provider_team=TeamFactory(train=world.train)
    )
    response = as_user(world.other_member).post(
        f"/api/v1/dependencies/{dep.pk}/state/", {"state": "committed"}, format="json"
    )
    assert response.status_code == 403
