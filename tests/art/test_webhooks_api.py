"""webhooks/ in the API: RTE only, the secret write-only and shown once, where a URL may point
(checked on save), events named, the delivery log (bounded queries), redelivery and the test
event."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art import webhooks as dispatch
from art.models import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from art.services import webhooks

URL = "/api/v1/webhooks/"
PUBLIC = "93.184.216.34"


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Names resolve to a public address and every POST is answered 200, without a network."""
    dispatch.forget_active_trains()
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [PUBLIC])
    monkeypatch.setattr(webhooks, "post", lambda url, address, body, headers, timeout: 200)
    yield
    dispatch.forget_active_trains()


@pytest.fixture
def rte(api, world):
    api.force_authenticate(world.rte)
    return api


def create(api, world, **body):
    data = {
        "train": world.train.pk,
        "url": "https://sync.example.com/railyard",
        "events": ["feature.moved"],
        **body,
    }
    return api.post(URL, data, format="json")


def test_the_rte_adds_a_webhook_and_sees_its_secret_once(rte, world):
    response = create(rte, world)
    assert response.status_code == 201, response.content
    body = response.json()
    assert len(body["secret"]) >= 32 and body["events"] == ["feature.moved"] and body["active"] is True
    assert Webhook.objects.get(pk=body["id"]).secret == body["secret"]
    again = rte.get(f"{URL}{body['id']}/").json()
    assert "secret" not in again and again["url"] == "https://sync.example.com/railyard"
    assert all("secret" not in row for row in rte.get(URL).json()["results"])


def test_a_secret_given_is_kept_and_answered_once(rte, world):
    response = create(rte, world, secret="my-own-long-secret-123")
    assert response.json()["secret"] == "my-own-long-secret-123"
    assert create(rte, world, secret="short").json() == {"secret": ["secret must be 16 to 200 characters"]}


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("ftp://sync.example.com/x", "url must start with http:// or https://"),
        ("javascript:alert(1)", "url must start with http:// or https://"),
        ("http://127.0.0.1:8000/x", "127.0.0.1 is a loopback address"),
        ("http://[::1]/x", "::1 is a loopback address"),
        ("http://10.1.2.3/x", "10.1.2.3 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "169.254.169.254 is a link-local address"),
        ("http://0.0.0.0/", "0.0.0.0 is an unspecified address"),
        ("https://user:pw@sync.example.com/", "url may not hold a user name or password"),
        ("https:///nohost", "url must name a host"),
    ],
)
def test_a_url_outside_the_rules_is_refused_naming_url(rte, world, url, words):
    response = create(rte, world, url=url)
    assert response.status_code == 400
    assert list(response.json()) == ["url"] and words in response.json()["url"][0]
    assert not Webhook.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused_unless_allowed(rte, world, monkeypatch, settings):
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: [PUBLIC, "192.168.1.20"])
    response = create(rte, world, url="https://intranet.example.com/hook")
    assert response.status_code == 400
    assert "intranet.example.com resolves to 192.168.1.20 is a private address" in response.json()["url"][0]
    settings.RAILYARD_WEBHOOKS_ALLOW_PRIVATE = True
    assert create(rte, world, url="https://intranet.example.com/hook").status_code == 201
    assert create(rte, world, url="http://127.0.0.1:9000/hook").status_code == 201


def test_a_host_that_does_not_resolve_is_refused(rte, world, monkeypatch):
    def fail(host, port):
        raise OSError("Name or service not known")

    monkeypatch.setattr(webhooks, "resolve", fail)
    assert create(rte, world, url="https://nowhere.invalid/").json() == {
        "url": ["url's host nowhere.invalid does not resolve"]
    }


def test_bad_events_are_refused_listing_the_events(rte, world):
    response = create(rte, world, events=["feature.moved", "story.changed"])
    assert response.status_code == 400
    message = str(response.json()["events"])
    assert "story.changed" in message and all(e in message for e in WEBHOOK_EVENTS)
    assert create(rte, world, events=[]).json()["events"][0].startswith("choose at least one event")
    assert create(rte, world, events="feature.moved").status_code == 400


def test_only_the_rte_manages_webhooks(api, world):
    api.force_authenticate(world.rte)
    hook_id = create(api, world).json()["id"]
    for role in ("viewer", "product", "business_owner", "member"):
        api.force_authenticate(world.user(role))
        assert api.get(f"{URL}{hook_id}/").status_code == 403, role
        assert api.get(URL).json()["results"] == [], role
        assert create(api, world).status_code == 403, role
        assert api.post(f"{URL}{hook_id}/test/").status_code == 403, role
        assert api.delete(f"{URL}{hook_id}/").status_code == 403, role
    api.force_authenticate(world.outsider)
    assert api.get(f"{URL}{hook_id}/").status_code == 404
    assert api.get(f"{URL}{hook_id}/deliveries/").status_code == 404
    api.force_authenticate(None)
    assert api.get(URL).status_code == 401
    assert Webhook.objects.count() == 1


def test_the_rte_edits_pauses_and_deletes(rte, world):
    hook_id = create(rte, world).json()["id"]
    response = rte.patch(
        f"{URL}{hook_id}/", {"events": ["risk.changed", "feature.moved"], "active": False}, format="json"
    )
    assert response.status_code == 200
    assert (
        response.json()["events"] == ["feature.moved", "risk.changed"] and response.json()["active"] is False
    )
    assert rte.patch(f"{URL}{hook_id}/", {"train": 1}, format="json").status_code == 400
    assert rte.delete(f"{URL}{hook_id}/").status_code == 204
    assert not Webhook.objects.exists()


def test_the_test_event_and_redelivery_answer_the_delivery(rte, world, django_capture_on_commit_callbacks):
    hook_id = create(rte, world).json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        ping = rte.post(f"{URL}{hook_id}/test/")
    assert ping.status_code == 202
    assert ping.json()["event"] == "ping" and ping.json()["payload"]["object"]["webhook"] == hook_id
    delivery_id = ping.json()["id"]
    with django_capture_on_commit_callbacks(execute=True):
        again = rte.post(f"{URL}{hook_id}/deliveries/{delivery_id}/redeliver/")
    assert again.status_code == 202 and again.json()["id"] != delivery_id
    assert rte.post(f"{URL}{hook_id}/test/", {"x": 1}, format="json").json() == {
        "x": ["x is not a field of this resource"]
    }
    assert (
        rte.post(f"{URL}{hook_id}/deliveries/00000000-0000-0000-0000-000000000000/redeliver/").status_code
        == 404
    )
    log = rte.get(f"{URL}{hook_id}/deliveries/").json()
    assert log["count"] == 2 and log["results"][0]["id"] == again.json()["id"]  # newest first
    assert {r["status"] for r in log["results"]} == {"succeeded"}


def test_the_delivery_log_costs_the_same_queries_whatever_its_length(rte, world):
    hook_id = create(rte, world).json()["id"]
    webhook = Webhook.objects.get(pk=hook_id)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert rte.get(f"{URL}{hook_id}/deliveries/").status_code == 200
        return len(captured)

    WebhookDelivery.objects.create(webhook=webhook, event="ping")
    few = queries()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(webhook=webhook, event="feature.moved") for _ in range(30)
    )
    assert queries() == few
