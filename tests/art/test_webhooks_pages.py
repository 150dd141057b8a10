"""The webhooks page: RTE only; adding shows the secret once; refusals name the field and change
nothing; test event and redelivery; the page's queries do not grow with webhooks and deliveries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art import webhooks as dispatch
from art.models import Webhook, WebhookDelivery
from art.services import webhooks


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    dispatch.forget_active_trains()
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    monkeypatch.setattr(webhooks, "post", lambda url, address, body, headers, timeout: 200)
    yield
    dispatch.forget_active_trains()


def page_url(world, name="art:webhooks", **kwargs) -> str:
    return reverse(name, kwargs={"slug": world.train.slug, **kwargs})


def add(world, url="https://sync.example.com/hook", events=("feature.moved",)) -> Webhook:
    return webhooks.webhook_create(actor=world.rte, train=world.train, url=url, events=list(events))


def test_the_rte_sees_the_page_and_others_do_not(client, world):
    client.force_login(world.rte)
    response = client.get(page_url(world))
    assert response.status_code == 200
    assert "No webhooks yet" in response.content.decode()  # the empty state leads to the form
    train_page = client.get(reverse("art:train", kwargs={"slug": world.train.slug})).content.decode()
    assert page_url(world) in train_page
    for role in ("viewer", "product", "member"):
        client.force_login(world.user(role))
        assert client.get(page_url(world)).status_code == 403
        assert (
            page_url(world)
            not in client.get(reverse("art:train", kwargs={"slug": world.train.slug})).content.decode()
        )
    client.force_login(world.outsider)
    assert client.get(page_url(world)).status_code == 404


def test_adding_a_webhook_shows_its_secret_once(client, world):
    client.force_login(world.rte)
    response = client.post(
        page_url(world, "art:webhook_create"),
        {"url": "https://sync.example.com/hook", "events": ["feature.moved", "risk.changed"], "active": "on"},
    )
    assert response.status_code == 200
    webhook = Webhook.objects.get()
    assert webhook.events == ["feature.moved", "risk.changed"]
    assert (
        webhook.secret in response.content.decode() and "will not be shown again" in response.content.decode()
    )
    assert webhook.secret not in client.get(page_url(world)).content.decode()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"url": "http://10.0.0.7/hook", "events": ["feature.moved"]},
            "url",
            "10.0.0.7 is a private address",
        ),
        ({"url": "ftp://x.example.com/", "events": ["feature.moved"]}, "url", "url must start with http"),
        (
            {"url": "https://x.example.com/", "events": ["story.changed"]},
            "events",
            "story.changed is not an event",
        ),
        ({"url": "https://x.example.com/"}, "events", "events is required"),
        (
            {"url": "https://x.example.com/", "events": ["risk.changed"], "secret": "short"},
            "secret",
            "16 to 200",
        ),
    ],
)
def test_a_refused_webhook_names_the_field_and_adds_nothing(client, world, data, field, words):
    client.force_login(world.rte)
    response = client.post(page_url(world, "art:webhook_create"), data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    text = response.content.decode()
    assert words in text.lower() and f"id_webhook-{field}_errors" in text
    assert not Webhook.objects.exists()


def test_edit_test_event_redeliver_and_delete(client, world, django_capture_on_commit_callbacks):
    webhook = add(world)
    client.force_login(world.rte)
    response = client.post(
        page_url(world, "art:webhook_update", webhook_id=webhook.pk),
        {"url": webhook.url, "events": ["pi.committed"]},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    webhook.refresh_from_db()
    assert webhook.events == ["pi.committed"] and webhook.active is False  # an unticked box pauses it
    with django_capture_on_commit_callbacks(execute=True):  # sent once the request's transaction commits
        response = client.post(
            page_url(world, "art:webhook_test", webhook_id=webhook.pk), headers={"HX-Request": "true"}
        )
    assert "Test event" in response["HX-Trigger"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.event == "ping"
    assert "Delivered" in client.get(page_url(world)).content.decode()
    client.post(page_url(world, "art:webhook_redeliver", webhook_id=webhook.pk, delivery_id=delivery.pk))
    assert WebhookDelivery.objects.count() == 2
    response = client.post(page_url(world, "art:webhook_delete", webhook_id=webhook.pk))
    assert response.status_code == 302 and not Webhook.objects.exists()


def test_a_refused_edit_changes_nothing(client, world):
    webhook = add(world)
    client.force_login(world.rte)
    response = client.post(
        page_url(world, "art:webhook_update", webhook_id=webhook.pk),
        {"url": "http://127.0.0.1/", "events": ["pi.committed"], "active": "on"},
    )
    assert response.status_code == 422
    assert "127.0.0.1 is a loopback address" in response.content.decode()
    webhook.refresh_from_db()
    assert webhook.url == "https://sync.example.com/hook" and webhook.events == ["feature.moved"]


def test_the_page_costs_the_same_queries_whatever_the_webhooks_and_deliveries(client, world):
    client.force_login(world.rte)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page_url(world)).status_code == 200
        return len(captured)

    first = add(world)
    WebhookDelivery.objects.create(webhook=first, event="ping")
    few = queries()
    for n in range(4):
        hook = add(world, url=f"https://sync{n}.example.com/hook")
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(webhook=hook, event="feature.moved", status=status)
            for status in ["succeeded", "failed", "pending"] * 5
        )
    text = client.get(page_url(world)).content.decode()
    assert "Failed" in text and "Retrying" in text and "the latest 10" in text
    assert queries() == few
