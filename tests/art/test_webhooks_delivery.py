"""Webhook deliveries against a real HTTP receiver on 127.0.0.1 (a thread of this test process):
the receiver checks the signature from its own copy of the secret and the raw body; retries
with back-off (no real waiting in tests); refusals of private targets at delivery time; a task
run twice sends once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from art import webhooks as dispatch
from art.models import Webhook, WebhookDelivery
from art.rules import webhooks as rules
from art.services import backlog, webhooks
from art.tasks import webhook_deliver
from tests.art.factories import FeatureFactory

SECRET = "receiver-knows-this-secret-0123"


class Receiver:
    """An HTTP server that records each request and answers from a script of status codes (the
    last one repeats)."""

    def __init__(self, codes: list[int]):
        self.codes = codes
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": dict(self.headers), "body": raw, "path": self.path})
                code = receiver.codes[min(len(receiver.requests), len(receiver.codes)) - 1]
                self.send_response(code)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/railyard?x=1"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made: list[Receiver] = []

    def make(codes: list[int]) -> Receiver:
        made.append(Receiver(codes))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture(autouse=True)
def fresh_cache():
    dispatch.forget_active_trains()
    yield
    dispatch.forget_active_trains()


@pytest.fixture
def private_allowed(settings):
    settings.RAILYARD_WEBHOOKS_ALLOW_PRIVATE = True


def verify(request: dict, secret: str) -> bool:
    """What a receiver does: recompute the HMAC over timestamp + "." + raw body."""
    timestamp = request["headers"]["X-Railyard-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request["headers"]["X-Railyard-Signature"], f"sha256={expected}")


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Run a service and what it queues on commit (the tasks, eager in tests), as a request would."""

    def run(act, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = act(*args, **kwargs)
        if isinstance(result, WebhookDelivery):
            result.refresh_from_db()
        return result

    return run


def hook(world, url: str, events=("feature.moved",), **kw) -> Webhook:
    return webhooks.webhook_create(
        actor=world.rte, train=world.train, url=url, events=list(events), secret=SECRET, **kw
    )


def test_a_feature_move_is_delivered_signed_and_the_receiver_verifies_it(
    world, receiver_factory, private_allowed, django_capture_on_commit_callbacks
):
    # given a webhook on feature moves and a receiver that answers 200
    receiver = receiver_factory([200])
    webhook = hook(world, receiver.url)
    feature = FeatureFactory(train=world.train, title="Payouts")
    # when the feature moves
    with django_capture_on_commit_callbacks(execute=True):
        backlog.feature_update(actor=world.rte, feature=feature, version=feature.version, state="analyzing")
    # then the receiver got one POST whose signature it can verify from its copy of the secret
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    assert request["path"] == "/hooks/railyard?x=1"
    assert verify(request, SECRET)
    assert not verify(request, SECRET + "x")
    headers = request["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Railyard-Event"] == "feature.moved"
    assert abs(int(headers["X-Railyard-Timestamp"]) - time.time()) < 60
    body = json.loads(request["body"])
    assert body["event"] == "feature.moved"
    assert body["train"] == world.train.pk
    assert body["delivery"] == headers["X-Railyard-Delivery"]
    assert body["object"]["id"] == feature.pk and body["object"]["state"] == "analyzing"
    assert body["object"]["title"] == "Payouts"  # the API's representation
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert (delivery.status, delivery.response_code, delivery.attempts) == ("succeeded", 200, 1)
    assert str(delivery.delivery_id) == body["delivery"]
    assert delivery.delivered_at is not None and delivery.duration_ms is not None


def test_a_receiver_failing_twice_then_answering_gets_three_attempts(
    world, send, receiver_factory, private_allowed
):
    receiver = receiver_factory([500, 503, 204])
    webhook = hook(world, receiver.url)
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=webhook)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 3, 204)
    assert [a["response_code"] for a in delivery.attempt_log] == [500, 503, 204]
    assert delivery.attempt_log[0]["error"] == "the receiver answered 500"
    assert len(receiver.requests) == 3
    # every attempt is the same delivery, signed afresh
    assert {r["headers"]["X-Railyard-Delivery"] for r in receiver.requests} == {str(delivery.delivery_id)}
    assert all(verify(r, SECRET) for r in receiver.requests)
    assert json.loads(receiver.requests[0]["body"])["event"] == "ping"


def test_a_receiver_that_always_fails_gets_five_attempts_then_the_delivery_failed(
    world, send, receiver_factory, private_allowed
):
    receiver = receiver_factory([502])
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=hook(world, receiver.url))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 5, 502)
    assert len(receiver.requests) == rules.MAX_ATTEMPTS == 5
    assert delivery.last_error == "the receiver answered 502"


def test_no_answer_is_an_error_and_retried(world, send, private_allowed, settings):
    # given a port nothing listens on
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    settings.RAILYARD_WEBHOOKS_TIMEOUT = 0.5
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=hook(world, f"http://127.0.0.1:{port}/"))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 5, None)
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error


def test_redirects_are_not_followed(world, send, receiver_factory, private_allowed):
    receiver = receiver_factory([302])
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=hook(world, receiver.url))
    delivery.refresh_from_db()
    assert delivery.status == "failed" and delivery.response_code == 302 and len(receiver.requests) == 5


def test_running_the_task_twice_sends_once(world, send, receiver_factory, private_allowed):
    receiver = receiver_factory([200])
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=hook(world, receiver.url))
    webhook_deliver.delay(delivery.pk)
    webhook_deliver.delay(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(receiver.requests)) == ("succeeded", 1, 1)


def test_a_private_target_is_refused_at_delivery_time_when_not_allowed(
    world, send, receiver_factory, private_allowed, settings
):
    # given a webhook saved while private targets were allowed (or DNS said otherwise then)
    receiver = receiver_factory([200])
    webhook = hook(world, receiver.url)
    # when they no longer are
    settings.RAILYARD_WEBHOOKS_ALLOW_PRIVATE = False
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=webhook)
    delivery.refresh_from_db()
    # then nothing is sent and the delivery failed at once (no retry of a refusal)
    assert receiver.requests == []
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert "127.0.0.1 is a loopback address" in delivery.last_error


def test_a_name_that_resolves_to_a_private_address_at_delivery_time_is_refused(world, send, monkeypatch):
    # given a webhook saved when its host resolved to a public address
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    webhook = hook(world, "https://hooks.example.com/railyard")
    sent = []
    monkeypatch.setattr(webhooks, "post", lambda *a, **k: sent.append(a) or 200)
    # when the name resolves to the cloud's metadata address later
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["169.254.169.254"])
    delivery = send(webhooks.webhook_ping, actor=world.rte, webhook=webhook)
    delivery.refresh_from_db()
    assert sent == [] and delivery.status == "failed"
    assert "link-local" in delivery.last_error


def test_the_connection_goes_to_the_checked_address(world, send, monkeypatch):
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    sent = []
    monkeypatch.setattr(
        webhooks, "post", lambda url, address, body, headers, timeout: sent.append(address) or 200
    )
    delivery = send(
        webhooks.webhook_ping, actor=world.rte, webhook=hook(world, "https://hooks.example.com/x")
    )
    delivery.refresh_from_db()
    assert sent == ["93.184.216.34"] and delivery.status == "succeeded"


def test_redeliver_sends_the_event_again_as_a_new_delivery(world, send, receiver_factory, private_allowed):
    receiver = receiver_factory([500, 500, 500, 500, 500, 200])
    webhook = hook(world, receiver.url)
    failed = send(webhooks.webhook_ping, actor=world.rte, webhook=webhook)
    again = send(webhooks.delivery_redeliver, actor=world.rte, delivery=failed)
    failed.refresh_from_db()
    again.refresh_from_db()
    assert failed.status == "failed" and again.status == "succeeded"
    assert again.delivery_id != failed.delivery_id and again.attempts == 1
    assert json.loads(receiver.requests[-1]["body"])["object"] == failed.payload["object"]


def test_the_signature_rule_by_hand():
    # HMAC-SHA256("s3cret", "1700000000.{}") computed independently
    expected = hmac.new(b"s3cret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
    assert rules.signature("s3cret", "1700000000", b'{"a":1}') == f"sha256={expected}"
    assert [rules.retry_delay(n, 2) for n in (1, 2, 3, 4)] == [2, 4, 8, 16]


def test_a_worker_retries_with_exponential_back_off(world, monkeypatch, settings):
    # given a delivery that fails (a worker, not eager: the task asks Celery to retry later)
    settings.RAILYARD_WEBHOOKS_RETRY_SECONDS = 2
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    monkeypatch.setattr(webhooks, "post", lambda *a: 500)
    webhook = hook(world, "https://hooks.example.com/x")
    (delivery,) = webhooks.deliveries_create([(webhook, "ping", {}, None, "")])
    countdowns = []

    class Retry(Exception):
        pass

    def retry(**kwargs):
        countdowns.append(kwargs["countdown"])
        return Retry()

    monkeypatch.setattr(webhook_deliver, "retry", retry)
    for _ in range(4):
        with pytest.raises(Retry):
            webhook_deliver.run(delivery.pk)
    assert webhook_deliver.run(delivery.pk) == "failed"
    assert countdowns == [2, 4, 8, 16]
    assert webhook_deliver.run(delivery.pk) == "failed"  # and it stays so
    delivery.refresh_from_db()
    assert delivery.attempts == 5
