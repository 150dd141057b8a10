"""Webhooks: the RTE subscribes URLs to the train's events; Railyard delivers each event as a
signed JSON POST (art.rules.webhooks), retried with back-off by the `webhook_deliver` task.

Where a webhook may point is checked twice: when it is saved (400 naming `url`) and again at
every attempt, since a name may resolve elsewhere by then. The attempt then connects to the very
address it checked (no second lookup that could answer differently) and follows no redirect.
Webhook changes are not written to the train's history: a before-image would hold the secret.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import logging
import secrets
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from art.access import Action, authorize
from art.models import PING, WEBHOOK_EVENTS, ReleaseTrain, Webhook, WebhookDelivery
from art.models.webhooks import URL_MAX_LENGTH
from art.rules import webhooks as rules
from art.services.common import CONTROL_CHARACTERS, LINE_BREAKS, author

logger = logging.getLogger(__name__)

SECRET_MIN, SECRET_MAX = 16, 200
EVENTS_RULE = "events must be among " + ", ".join(WEBHOOK_EVENTS)
#: What a receiver's answer may add to the log (bytes read of its body: none are kept).
USER_AGENT = "Railyard-Webhooks/1"
#: Outcomes of one attempt.
RETRY = "retry"


# --- where a webhook may point ----------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to (tests replace it: no network in tests)."""
    return sorted({str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)})


def allow_private() -> bool:
    return bool(getattr(settings, "RAILYARD_WEBHOOKS_ALLOW_PRIVATE", False))


def url_refusal(url: str) -> str:
    """Why a webhook may not have this URL, without a lookup ("" if its form is right): http or
    https only, a host, a port that is a number, no user name or password in it."""
    if not url:
        return "url is required"
    if len(url) > URL_MAX_LENGTH:
        return f"url must be at most {URL_MAX_LENGTH} characters"
    if CONTROL_CHARACTERS.search(url) or LINE_BREAKS.search(url) or any(c.isspace() for c in url):
        return "url may not hold spaces, line breaks or control characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "url must be an http or https URL with a valid host and port"
    if parts.scheme not in ("http", "https"):
        return f"url must start with http:// or https:// (not {parts.scheme or 'nothing'}:)"
    if not parts.hostname:
        return "url must name a host"
    if parts.username or parts.password:
        return "url may not hold a user name or password: the signature authenticates Railyard"
    if port == 0:
        return "url must name a port between 1 and 65535"
    return ""


def target_addresses(url: str) -> tuple[list[str], str]:
    """The addresses a delivery to `url` may connect to, or why none may: the URL's form, then
    every address its host resolves to (one private address among them refuses the URL, unless
    RAILYARD_WEBHOOKS_ALLOW_PRIVATE is on)."""
    refusal = url_refusal(url)
    if refusal:
        return [], refusal
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # an address needs no lookup
    except ValueError:
        addresses = []
    try:
        addresses = addresses or resolve(host, port)
    except (OSError, UnicodeError):
        return [], f"url's host {host} does not resolve"
    if not addresses:
        return [], f"url's host {host} does not resolve"
    if not allow_private():
        for address in addresses:
            why = rules.address_refusal(address)
            if why:
                where = why if address == host else f"{host} resolves to {why}"
                return [], (
                    f"url must not point into a private network: {where} "
                    "(RAILYARD_WEBHOOKS_ALLOW_PRIVATE allows it)"
                )
    return addresses, ""


def _events(events: Any) -> list[str]:
    if not isinstance(events, list | tuple) or not all(isinstance(e, str) for e in events):
        raise ValidationError({"events": [f"events must be a list of event names: {EVENTS_RULE}"]})
    unknown = [e for e in events if e not in WEBHOOK_EVENTS]
    if unknown:
        raise ValidationError({"events": [f"{', '.join(unknown)[:200]}: not an event; {EVENTS_RULE}"]})
    if not events:
        raise ValidationError({"events": [f"choose at least one event: {EVENTS_RULE}"]})
    return [e for e in WEBHOOK_EVENTS if e in events]  # each once, in a fixed order


def _secret(secret: str | None) -> str:
    if secret is None or secret == "":
        return secrets.token_urlsafe(32)
    if not isinstance(secret, str) or not SECRET_MIN <= len(secret) <= SECRET_MAX:
        raise ValidationError({"secret": [f"secret must be {SECRET_MIN} to {SECRET_MAX} characters"]})
    if CONTROL_CHARACTERS.search(secret) or any(c.isspace() for c in secret):
        raise ValidationError({"secret": ["secret may not hold spaces, line breaks or control characters"]})
    return secret


def _check_url(url: str) -> str:
    url = (url or "").strip()
    _addresses, refusal = target_addresses(url)
    if refusal:
        raise ValidationError({"url": [refusal]})
    return url


def forget_active_trains() -> None:
    """The trains with active webhooks changed (art.webhooks caches them)."""
    from art import webhooks

    webhooks.forget_active_trains()
    transaction.on_commit(webhooks.forget_active_trains)


# --- writes -----------------------------------------------------------------------------------


def webhook_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    url: str,
    events: Sequence[str],
    secret: str | None = None,
    active: bool = True,
) -> Webhook:
    """Subscribe `url` to the train's `events` (RTE). Without a secret, one is made; either way
    the caller shows it once."""
    authorize(actor, Action.MANAGE_TRAIN, train.pk)
    errors: dict[str, list[str]] = {}
    checked: dict[str, Any] = {}
    checks: list[tuple[str, Callable[[Any], Any], Any]] = [
        ("events", _events, events),
        ("secret", _secret, secret),
        ("url", _check_url, url),
    ]
    for name, check, value in checks:
        try:
            checked[name] = check(value)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        webhook = Webhook.objects.create(
            train=train,
            url=checked["url"],
            events=checked["events"],
            secret=checked["secret"],
            active=bool(active),
            created_by=author(actor),
        )
        forget_active_trains()
    logger.info("webhook %s of train %s created by %s", webhook.pk, train.pk, actor)
    return webhook


def webhook_update(
    *,
    actor: Any,
    webhook: Webhook,
    url: str | None = None,
    events: Sequence[str] | None = None,
    secret: str | None = None,
    active: bool | None = None,
) -> Webhook:
    """Change a webhook's URL (checked again when it changes), events, secret or state."""
    authorize(actor, Action.MANAGE_TRAIN, webhook.train_id)
    changes: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    checks: list[tuple[str, Callable[[Any], Any], Any]] = [
        ("events", _events, events),
        ("secret", _secret, secret),
    ]
    for name, check, value in checks:
        if value is not None and (name != "secret" or value != ""):
            try:
                changes[name] = check(value)
            except ValidationError as exc:
                errors.update(exc.message_dict)
    if url is not None and url.strip() != webhook.url:
        try:
            changes["url"] = _check_url(url)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    if active is not None:
        changes["active"] = bool(active)
    changes = {k: v for k, v in changes.items() if getattr(webhook, k) != v}
    if changes:
        with transaction.atomic():
            Webhook.objects.filter(pk=webhook.pk).update(**changes)
            for name, value in changes.items():
                setattr(webhook, name, value)
            forget_active_trains()
        logger.info("webhook %s changed (%s) by %s", webhook.pk, ", ".join(sorted(changes)), actor)
    return webhook


def webhook_delete(*, actor: Any, webhook: Webhook) -> None:
    """Unsubscribe: the webhook and its delivery log go."""
    authorize(actor, Action.MANAGE_TRAIN, webhook.train_id)
    with transaction.atomic():
        webhook.delete()
        forget_active_trains()
    logger.info("webhook of train %s deleted by %s", webhook.train_id, actor)


def payload(
    *, event: str, train_id: int, delivery_id: uuid.UUID, obj: Any, occurred_at: Any = None, action: str = ""
) -> dict:
    """The JSON every delivery carries (docs/api.md, "Webhooks"): `action` is what happened to
    the object (created, updated, deleted; a deleted object is its before-image)."""
    body = {
        "event": event,
        "train": train_id,
        "delivery": str(delivery_id),
        "occurred_at": (occurred_at or timezone.now()).isoformat(),
        **({"action": action} if action else {}),
        "object": obj,
    }
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def deliveries_create(items: Iterable[tuple[Webhook, str, Any, Any, str]]) -> list[WebhookDelivery]:
    """One pending delivery per (webhook, event, object representation, time, action), queued to
    be sent once the transaction commits."""
    rows = []
    for webhook, event, obj, at, action in items:
        delivery_id = uuid.uuid4()
        body = payload(
            event=event,
            train_id=webhook.train_id,
            delivery_id=delivery_id,
            obj=obj,
            occurred_at=at,
            action=action,
        )
        rows.append(WebhookDelivery(webhook=webhook, delivery_id=delivery_id, event=event, payload=body))
    if not rows:
        return []
    with transaction.atomic():
        created = WebhookDelivery.objects.bulk_create(rows)
        ids = [d.pk for d in created if d.pk is not None]
        if len(ids) < len(created):  # a database that does not return ids from bulk inserts
            ids = list(
                WebhookDelivery.objects.filter(delivery_id__in=[d.delivery_id for d in created]).values_list(
                    "pk", flat=True
                )
            )
        transaction.on_commit(lambda: _queue(ids))
    return created


def _queue(delivery_ids: Iterable[int]) -> None:
    from art.queue import enqueue_background
    from art.tasks import webhook_deliver

    for delivery_id in delivery_ids:
        enqueue_background(webhook_deliver, delivery_id)


def webhook_ping(*, actor: Any, webhook: Webhook) -> WebhookDelivery:
    """ "Send test event": a `ping` to this webhook now, whether active or not, naming it."""
    authorize(actor, Action.MANAGE_TRAIN, webhook.train_id)
    obj = {"webhook": webhook.pk, "url": webhook.url, "events": webhook.events, "active": webhook.active}
    (delivery,) = deliveries_create([(webhook, PING, obj, None, "")])
    return delivery


def delivery_redeliver(*, actor: Any, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery (a new id, the same object) with
    attempts of its own; the old one stays in the log as it ended."""
    webhook = delivery.webhook
    authorize(actor, Action.MANAGE_TRAIN, webhook.train_id)
    old = delivery.payload if isinstance(delivery.payload, dict) else {}
    (again,) = deliveries_create(
        [(webhook, delivery.event, old.get("object"), None, old.get("action") or "")]
    )
    return again


# --- sending ----------------------------------------------------------------------------------


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to whatever the name resolves to now."""

    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, address: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to `url` through `address`; the status code (redirects are not followed)."""
    parts = urlsplit(url)
    kind = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    connection = kind(parts.hostname or "", parts.port, address, timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # a little of the answer, so the receiver sees a clean close
        return response.status
    finally:
        connection.close()


def signed_request(delivery: WebhookDelivery, secret: str) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a delivery, signed now."""
    body = json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Railyard-Event": delivery.event,
        "X-Railyard-Delivery": str(delivery.delivery_id),
        "X-Railyard-Timestamp": timestamp,
        "X-Railyard-Signature": rules.signature(secret, timestamp, body),
    }
    return body, headers


def delivery_attempt(*, delivery_id: int) -> tuple[str, int]:
    """Try to send one delivery: "succeeded" (2xx), RETRY (an error, a timeout or another status,
    with attempts left), "failed" (none left, or the URL refused), with the attempts made so far.
    A delivery that succeeded or failed already is not sent again (a task run twice sends once)."""
    delivery = WebhookDelivery.objects.select_related("webhook").filter(pk=delivery_id).first()
    if delivery is None:
        return "gone", 0
    if delivery.status != WebhookDelivery.Status.PENDING:
        return str(delivery.status), delivery.attempts
    webhook = delivery.webhook
    started = time.monotonic()
    code: int | None = None
    error = ""
    addresses, refusal = target_addresses(webhook.url)
    if refusal:
        error = refusal
    else:
        body, headers = signed_request(delivery, webhook.secret)
        timeout = float(getattr(settings, "RAILYARD_WEBHOOKS_TIMEOUT", 5))
        try:
            code = post(webhook.url, addresses[0], body, headers, timeout)
        except TimeoutError:
            error = f"no answer within {timeout:g} s"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"[:480] or type(exc).__name__
        if code is not None and not 200 <= code < 300:
            error = f"the receiver answered {code}"
    duration = int((time.monotonic() - started) * 1000)
    attempts = delivery.attempts + 1
    now = timezone.now()
    if not error:
        status = WebhookDelivery.Status.SUCCEEDED
    elif refusal or attempts >= rules.MAX_ATTEMPTS:
        status = WebhookDelivery.Status.FAILED
    else:
        status = WebhookDelivery.Status.PENDING
    entry = {"at": now.isoformat(), "response_code": code, "duration_ms": duration, "error": error}
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        status=status,
        response_code=code,
        attempts=F("attempts") + 1,
        duration_ms=duration,
        last_error=error[:500],
        attempt_log=[*(delivery.attempt_log or []), entry],
        delivered_at=now if status == WebhookDelivery.Status.SUCCEEDED else None,
    )
    logger.info(
        "webhook delivery %s (%s to webhook %s): attempt %s, %s, response %s, %s ms%s",
        delivery.delivery_id,
        delivery.event,
        webhook.pk,
        attempts,
        status,
        code,
        duration,
        f", {error}" if error else "",
    )
    return (RETRY if status == WebhookDelivery.Status.PENDING else str(status)), attempts


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt (RAILYARD_WEBHOOKS_RETRY_SECONDS × 2^(attempts − 1))."""
    return rules.retry_delay(attempts, float(getattr(settings, "RAILYARD_WEBHOOKS_RETRY_SECONDS", 2)))
