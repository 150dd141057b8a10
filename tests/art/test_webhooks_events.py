"""Which changes become webhook events, and for which webhooks: the subscribed, active webhooks
of the change's train only; each event of the issue from the service that makes it; nothing for
a rolled-back change; no query at all for a train without webhooks."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from art import webhooks as dispatch
from art.models import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from art.services import backlog, webhooks
from tests.art.factories import FeatureFactory, TrainFactory
from tests.pi_planning.factories import DependencyFactory, ObjectiveFactory, RiskFactory


@pytest.fixture(autouse=True)
def quiet(monkeypatch):
    """Deliveries are created but not sent (the sending is tests/art/test_webhooks_delivery.py)."""
    dispatch.forget_active_trains()
    monkeypatch.setattr(webhooks, "_queue", lambda ids: None)
    yield
    dispatch.forget_active_trains()


def make(train, events, active=True) -> Webhook:
    return Webhook.objects.create(
        train=train, url="https://hooks.example.com/", events=list(events), secret="s" * 20, active=active
    )


def sent(webhook) -> list[str]:
    return list(
        WebhookDelivery.objects.filter(webhook=webhook).order_by("id").values_list("event", flat=True)
    )


def test_an_event_reaches_the_subscribed_active_webhooks_of_its_train_only(
    world, django_capture_on_commit_callbacks
):
    moves = make(world.train, ["feature.moved"])
    changes = make(world.train, ["feature.changed", "risk.changed"])
    paused = make(world.train, ["feature.moved"], active=False)
    elsewhere = make(TrainFactory(), WEBHOOK_EVENTS)
    feature = FeatureFactory(train=world.train)
    with django_capture_on_commit_callbacks(execute=True):
        feature = backlog.feature_update(
            actor=world.rte, feature=feature, version=feature.version, state="analyzing"
        )
    with django_capture_on_commit_callbacks(execute=True):
        backlog.feature_update(actor=world.rte, feature=feature, version=feature.version, title="Renamed")
    assert sent(moves) == ["feature.moved"]
    assert sent(changes) == ["feature.changed"]
    assert sent(paused) == [] and sent(elsewhere) == []
    payload = WebhookDelivery.objects.get(webhook=changes).payload
    assert payload["object"]["title"] == "Renamed" and payload["train"] == world.train.pk
    assert payload["action"] == "updated"


def test_each_event_comes_from_the_change_that_makes_it(world, django_capture_on_commit_callbacks):
    from pi_planning.services import baselines, dependencies, objectives, risks, votes
    from sync.models import Event
    from sync.services import calendar

    everything = make(world.train, WEBHOOK_EVENTS)
    pi = world.pi
    dependency = DependencyFactory(pi=pi, requester_team=world.team, provider_team=world.other_team)
    risk = RiskFactory(pi=pi, team=world.team)
    objective = ObjectiveFactory(pi=pi, team=world.team)
    now = timezone.now()
    event = Event.objects.create(
        train=world.train,
        kind="art_sync",
        title="ART sync",
        starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(hours=1),
    )
    steps = [
        lambda: dependencies.dependency_update(
            actor=world.rte, dependency=dependency, version=dependency.version, title="Payout API v2"
        ),
        lambda: risks.risk_update(actor=world.rte, risk=risk, version=risk.version, title="Vendor late"),
        lambda: objectives.objective_update(
            actor=world.rte, objective=objective, version=objective.version, planned_bv=8
        ),
        lambda: objectives.objective_update(
            actor=world.rte, objective=objective, version=objective.version + 1, actual_bv=7
        ),
        lambda: votes.vote_round_reveal(
            actor=world.rte, round_=votes.vote_round_open(actor=world.rte, pi=pi)
        ),
        lambda: baselines.plan_baseline_commit(actor=world.rte, pi=pi, note="Committed"),
        lambda: calendar.events_mark_held(train=world.train),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()
    # the planned value is no score: only the actual one is
    assert sent(everything) == [
        "dependency.changed",
        "risk.changed",
        "objective.scored",
        "vote.revealed",
        "pi.committed",
        "event.held",
    ]
    payloads = {d.event: d.payload["object"] for d in WebhookDelivery.objects.filter(webhook=everything)}
    assert (
        payloads["dependency.changed"]["title"] == "Payout API v2"
        and "health" in payloads["dependency.changed"]
    )
    assert payloads["objective.scored"]["actual_bv"] == 7
    assert payloads["vote.revealed"]["state"] == "revealed" and payloads["vote.revealed"]["pi"] == pi.pk
    assert payloads["pi.committed"]["note"] == "Committed"
    assert payloads["event.held"]["id"] == event.pk and payloads["event.held"]["state"] == "held"


def test_a_deleted_feature_is_sent_as_its_before_image(world, django_capture_on_commit_callbacks):
    hook = make(world.train, ["feature.changed"])
    feature = FeatureFactory(train=world.train, title="Gone soon")
    pk = feature.pk
    with django_capture_on_commit_callbacks(execute=True):
        backlog.feature_delete(actor=world.rte, feature=feature)
    (delivery,) = WebhookDelivery.objects.filter(webhook=hook)
    assert delivery.payload["action"] == "deleted"
    assert delivery.payload["object"]["id"] == pk and delivery.payload["object"]["title"] == "Gone soon"


def test_a_rolled_back_change_sends_nothing(world, django_capture_on_commit_callbacks):
    hook = make(world.train, ["feature.changed"])
    feature = FeatureFactory(train=world.train)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                backlog.feature_update(
                    actor=world.rte, feature=feature, version=feature.version, title="Never"
                )
                raise RuntimeError
        except RuntimeError:
            pass
    assert sent(hook) == []


def test_a_train_without_webhooks_pays_no_query(world):
    make(TrainFactory(), WEBHOOK_EVENTS)
    feature = FeatureFactory(train=world.train, pi=world.pi)
    backlog.feature_update(
        actor=world.rte, feature=feature, version=feature.version, title="Warm"
    )  # fills the cache
    from art.models import ChangeRecord

    records = list(ChangeRecord.objects.filter(train=world.train).select_related("content_type"))
    with CaptureQueriesContext(connection) as queries:
        dispatch.collect(records)
    assert len(queries) == 0


def test_webhook_changes_refresh_which_trains_have_webhooks(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    assert world.train.pk not in dispatch.active_trains()
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    hook = webhooks.webhook_create(
        actor=world.rte, train=world.train, url="https://h.example.com/", events=["risk.changed"]
    )
    assert world.train.pk in dispatch.active_trains()
    webhooks.webhook_update(actor=world.rte, webhook=hook, active=False)
    assert world.train.pk not in dispatch.active_trains()
