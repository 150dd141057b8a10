"""Which changes are webhook events, and their deliveries: the sibling of art.live.events.

Every change writes a history entry and is announced (art.live.events.announce); announce hands
the entries here too. Once the transaction commits (a rolled-back change sends nothing), the
entries that are events (SOURCES) of a train with active webhooks become one delivery per
subscribed webhook, each queued as a task (art.services.webhooks).

art does not import the apps above it: each app registers its models here from its
AppConfig.ready (`register_source("pi_planning.risk", ...)`), naming which event a history entry
is and how to show its object (the API's serializer).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db import models, transaction

from art.models import ChangeRecord

log = logging.getLogger(__name__)

ACTIVE_TRAINS_KEY = "railyard:webhooks:active-trains"

#: A history entry -> the event it is (None: not one).
EventOf = Callable[[ChangeRecord], str | None]
#: Object ids -> their API representations (the ones still there).
Represent = Callable[[list[int]], dict[int, Any]]


@dataclass(frozen=True)
class Source:
    event_of: EventOf
    represent: Represent


SOURCES: dict[str, Source] = {}


def register_source(label: str, event_of: EventOf, represent: Represent) -> None:
    """Make the history entries of model `label` ("app.model") webhook events."""
    SOURCES[label] = Source(event_of, represent)


def serialized(queryset: Callable[[], models.QuerySet], serializer: Any) -> Represent:
    """A Represent by a resource's serializer over a queryset that joins what it needs."""

    def represent(ids: list[int]) -> dict[int, Any]:
        return {obj.pk: serializer(obj).data for obj in queryset().filter(pk__in=ids)}

    return represent


def new_state(record: ChangeRecord, field: str = "state") -> Any:
    pair = (record.changes or {}).get(field)
    return pair[1] if isinstance(pair, list) and len(pair) == 2 else None


def any_change(event: str) -> EventOf:
    return lambda record: event


# --- which trains have webhooks (a change of a train without any costs no query) ----------------


def active_trains() -> frozenset[int]:
    trains = cache.get(ACTIVE_TRAINS_KEY)
    if trains is None:
        from art.models import Webhook

        trains = frozenset(Webhook.objects.filter(active=True).values_list("train_id", flat=True).distinct())
        cache.set(ACTIVE_TRAINS_KEY, trains, 300)
    return trains


def forget_active_trains() -> None:
    cache.delete(ACTIVE_TRAINS_KEY)


# --- collecting a transaction's events -------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    train_id: int
    event: str
    label: str
    object_id: int
    action: str
    before: dict[str, Any] | None  # a deleted object's before-image
    at: Any


class _Batch:
    def __init__(self) -> None:
        self.items: list[Pending] = []

    def flush(self) -> None:
        if getattr(_local, "batch", None) is self:
            _local.batch = None
        try:
            deliver(self.items)
        except Exception:  # the change is saved; a webhook must never undo or fail it
            log.exception("webhook deliveries for %s events not created", len(self.items))


_local = threading.local()


def collect(records: Sequence[ChangeRecord], objects: Sequence[models.Model | None] = ()) -> None:
    """Note which of these history entries are webhook events, to deliver once the transaction
    commits (at once outside a transaction)."""
    items = []
    for record in records:
        if record.pk is None or not record.content_type_id:
            continue
        content_type = record.content_type
        label = f"{content_type.app_label}.{content_type.model}"
        source = SOURCES.get(label)
        if source is None:
            continue
        event = source.event_of(record)
        if event is None:
            continue
        before = None
        if record.action == ChangeRecord.Action.DELETED:
            before = {"id": record.object_id} | {
                k: v[0] for k, v in (record.changes or {}).items() if isinstance(v, list) and len(v) == 2
            }
        items.append(
            Pending(record.train_id, event, label, record.object_id, record.action, before, record.at)
        )
    if not items:
        return
    # Most trains have no webhook: their changes stop here, without a query.
    trains = active_trains()
    items = [item for item in items if item.train_id in trains]
    if not items:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _Batch.flush(_with(_Batch(), items))
        return
    batch = getattr(_local, "batch", None)
    if batch is None or not any(func == batch.flush for _sids, func, _robust in connection.run_on_commit):
        batch = _local.batch = _Batch()
        transaction.on_commit(batch.flush, robust=True)
    batch.items.extend(items)


def _with(batch: _Batch, items: list[Pending]) -> _Batch:
    batch.items.extend(items)
    return batch


def deliver(items: list[Pending]) -> int:
    """Create and queue the deliveries of committed events: one per subscribed active webhook of
    the event's train, carrying the object as the API shows it now (or its before-image when it
    is gone). Queries: the webhooks, one per kind of object, one insert."""
    from art.models import Webhook
    from art.services.webhooks import deliveries_create

    if not items:
        return 0
    hooks: dict[int, list[Webhook]] = {}
    for hook in Webhook.objects.filter(active=True, train_id__in={i.train_id for i in items}).order_by("pk"):
        hooks.setdefault(hook.train_id, []).append(hook)
    wanted = [i for i in items if any(i.event in h.events for h in hooks.get(i.train_id, ()))]
    ids: dict[str, set[int]] = {}
    for item in wanted:
        if item.before is None:
            ids.setdefault(item.label, set()).add(item.object_id)
    shown = {label: SOURCES[label].represent(sorted(pks)) for label, pks in ids.items()}
    rows = []
    for item in wanted:
        obj = item.before if item.before is not None else shown[item.label].get(item.object_id)
        if obj is None:  # deleted later in the same transaction: its own entry tells
            continue
        for hook in hooks[item.train_id]:
            if item.event in hook.events:
                rows.append((hook, item.event, obj, item.at, item.action))
    return len(deliveries_create(rows))
