"""What a change tells the open pages: which kind of card changed, which one, and which teams and
PI it touches, with the history entry's id as the sequence number a page catches up from.

The server stays authoritative: an event carries no data of the card, only what lets a page
decide which of its parts to re-render from the server (through the page's named partials, with
the reader's own permissions). Events are sent once the transaction commits (a rolled-back change
announces nothing), one message per train and transaction. Publishing never fails a write: with
the channel layer (Redis) down, the change is saved and pages catch up when they reconnect.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import models, transaction

from art import freshness, webhooks
from art.models import ChangeRecord

log = logging.getLogger(__name__)

#: Fields whose values name the teams a change touches (before and after, in the history's diff).
TEAM_FIELDS = ("team", "requester_team", "provider_team")
#: How long publishing may take before the write goes on without it (seconds).
SEND_TIMEOUT = 2.0


def group_name(train_id: int) -> str:
    """The channel-layer group of a train's open pages."""
    return f"live.train.{train_id}"


def _ints(values: Iterable[Any]) -> list[int]:
    return sorted({v for v in values if isinstance(v, int) and not isinstance(v, bool)})


def describe(record: ChangeRecord, obj: models.Model | None = None) -> dict[str, Any]:
    """The event of one history entry: `seq` (the entry's id), `model` (the card's model name:
    feature, story, dependency, risk ...), `id`, `action`, and, where known without a query,
    `teams` (every team it touches, before and after) and `pi`; `user` for a membership (whose
    access changed). An empty `teams` or a null `pi` means "could be any"."""
    changes = record.changes or {}
    teams: list[Any] = []
    for name in TEAM_FIELDS:
        pair = changes.get(name)
        if isinstance(pair, list):
            teams.extend(pair)
        if obj is not None:
            teams.append(getattr(obj, f"{name}_id", None))
    pi = getattr(obj, "pi_id", None) if obj is not None else None
    if pi is None and obj is not None:
        iteration = obj._state.fields_cache.get("iteration") if hasattr(obj, "_state") else None
        pi = getattr(iteration, "pi_id", None)
    event: dict[str, Any] = {
        "seq": record.pk,
        "model": record.content_type.model if record.content_type_id else "",
        "id": record.object_id,
        "action": record.action,
        "teams": _ints(teams),
        "pi": pi if isinstance(pi, int) else None,
    }
    if event["model"] == "membership":
        user = getattr(obj, "user_id", None) if obj is not None else None
        event["user"] = user if isinstance(user, int) else None
    return event


class _Batch:
    """The events of one transaction, sent together when it commits."""

    def __init__(self) -> None:
        self.events: dict[int, list[dict[str, Any]]] = {}

    def flush(self) -> None:
        if getattr(_local, "batch", None) is self:
            _local.batch = None
        send(self.events)


_local = threading.local()


def announce(records: Sequence[ChangeRecord], objects: Sequence[models.Model | None] = ()) -> None:
    """Announce history entries (and the objects they describe, where at hand) once the current
    transaction commits; at once outside a transaction. The train's webhooks hear of them too
    (art.webhooks: the entries that are events)."""
    if not records:
        return
    webhooks.collect(records, objects)
    objs = list(objects) + [None] * (len(records) - len(objects))
    events: dict[int, list[dict[str, Any]]] = {}
    for record, obj in zip(records, objs, strict=False):
        if record.pk is None:
            continue
        events.setdefault(record.train_id, []).append(describe(record, obj))
    _after_commit(events)


def notify(train_id: int, event: dict[str, Any]) -> None:
    """Announce a change that the history does not keep (a confidence vote is secret): the same
    event shape without a sequence number, once the transaction commits."""
    _after_commit(
        {train_id: [{"seq": None, "id": None, "action": "updated", "teams": [], "pi": None, **event}]}
    )


def _after_commit(events: dict[int, list[dict[str, Any]]]) -> None:
    """Send `events` with the rest of the current transaction's once it commits (at once outside
    a transaction)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        send(events)
        return
    batch = getattr(_local, "batch", None)
    # A batch whose transaction rolled back is no longer among the commit callbacks: start anew.
    if batch is None or not any(func == batch.flush for _sids, func, _robust in connection.run_on_commit):
        batch = _local.batch = _Batch()
        transaction.on_commit(batch.flush, robust=True)
    for train_id, items in events.items():
        batch.events.setdefault(train_id, []).extend(items)


def send(events: dict[int, list[dict[str, Any]]]) -> None:
    """Send each train's events to its group as one message, after what the process remembers
    of those trains is put out of date (art.freshness). Never raises."""
    try:
        freshness.train_changed(events)
    except Exception:  # the memo then expires on its own (art.freshness.MEMO_SECONDS)
        log.warning("trains %s not marked changed", sorted(events), exc_info=True)
    layer = get_channel_layer()
    if layer is None or not events:
        return
    for train_id, items in events.items():
        group = group_name(train_id)
        # The embedded default's in-process layer: nobody listening, nothing to send.
        if isinstance(layer, InMemoryChannelLayer) and not layer.groups.get(group):
            continue
        message = {"type": "live.changes", "events": items}
        try:
            _run(_send_with_timeout(layer, group, message))
        except Exception:  # the change is saved; pages catch up when they reconnect
            log.warning("live update for train %s not sent", train_id, exc_info=True)


async def _send_with_timeout(layer: Any, group: str, message: dict[str, Any]) -> None:
    await asyncio.wait_for(layer.group_send(group, message), timeout=SEND_TIMEOUT)


def _run(coroutine: Any) -> None:
    """Run a send from synchronous code: through asgiref where it can (a view in daphne's thread
    pool, a task, a command), or in a thread of its own where this thread already runs an event
    loop (synchronous code called from one, as a test driving a browser does)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:

        async def awaiting() -> None:
            await coroutine

        async_to_sync(awaiting)()
        return
    failure: list[BaseException] = []

    def in_thread() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # reported by the caller
            failure.append(exc)

    worker = threading.Thread(target=in_thread, name="live-send")
    worker.start()
    worker.join(SEND_TIMEOUT + 1)
    if failure:
        raise failure[0]
