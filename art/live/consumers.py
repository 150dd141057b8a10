"""The socket every train page opens (ws/trains/<id>/live/?page=<path>): it delivers the train's
change events (art.live.events), answers a reconnecting page with what it missed, and keeps the
page's presence (art.live.presence).

Messages from the page (JSON):
  {"type": "hello", "since": <seq>} or {"type": "hello", "since_at": "<ISO time>"}: what changed
      since; answered {"type": "changes", "catchup": true, "events": [...], "seq": <latest>} or,
      when more than CATCHUP_LIMIT changes were missed, {"type": "resync", "seq": <latest>}.
  {"type": "ping"}: heartbeat (presence stays fresh); answered {"type": "pong"}.
  {"type": "editing", "card": "story-12"} (or "" when done): the soft lock shown to the others.
Messages to the page: {"type": "changes", "events": [...]}, {"type": "presence", "page": ...},
{"type": "revoked"} (then closed with 4403).

A socket is authenticated by the session and accepted only for a train its user may read; when a
membership of its user changes, access is checked again and a socket that lost it is closed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.db.models import Max
from django.utils.dateparse import parse_datetime

from art.access import can_see, forget_seats
from art.live import presence
from art.live.events import describe, group_name
from art.models import ChangeRecord

#: More missed changes than this and the page re-renders all its live parts instead.
CATCHUP_LIMIT = 500
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _may_read(user: Any, train_id: int) -> bool:
    forget_seats(user)  # the seats are cached on the user object: look again
    return bool(user and user.is_authenticated and can_see(user, train_id))


def _latest_seq(train_id: int) -> int:
    return ChangeRecord.objects.filter(train_id=train_id).aggregate(latest=Max("id"))["latest"] or 0


def _missed(train_id: int, since: int | None, since_at: Any) -> tuple[list[dict[str, Any]] | None, int]:
    """The events of the history entries after `since` (or at or after `since_at`), oldest first;
    None when there are more than CATCHUP_LIMIT."""
    rows = ChangeRecord.objects.filter(train_id=train_id)
    rows = rows.filter(id__gt=since) if since is not None else rows.filter(at__gte=since_at)
    found = list(
        rows.select_related("content_type")
        .only("id", "train_id", "content_type__model", "object_id", "action", "changes")
        .order_by("id")[: CATCHUP_LIMIT + 1]
    )
    latest = _latest_seq(train_id)
    if len(found) > CATCHUP_LIMIT:
        return None, latest
    # From the history alone: the teams the entry names (an unmoved card's are unknown: "any").
    return [describe(record) for record in found], latest


class LiveConsumer(AsyncJsonWebsocketConsumer):
    train_id: int
    page: str
    group: str

    async def connect(self) -> None:
        self.group = ""
        user = self.scope.get("user")
        self.train_id = int(self.scope["url_route"]["kwargs"]["train_id"])
        query = parse_qs((self.scope.get("query_string") or b"").decode("latin-1"))
        self.page = presence.clean_page((query.get("page") or [""])[0])
        await self.accept()
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(_may_read)(user, self.train_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = group_name(self.train_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        if self.page:
            await database_sync_to_async(presence.join)(
                channel_name=self.channel_name, user=user, train_id=self.train_id, page=self.page
            )
            await self._announce_presence()

    async def disconnect(self, code: int) -> None:
        if not self.group:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.page:
            await database_sync_to_async(presence.leave)(channel_name=self.channel_name)
            await self._announce_presence()
        self.group = ""

    async def _announce_presence(self) -> None:
        await self.channel_layer.group_send(self.group, {"type": "live.presence", "page": self.page})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not self.group or not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "hello":
            await self._catch_up(content)
        elif kind == "ping":
            await database_sync_to_async(presence.touch)(channel_name=self.channel_name)
            await self.send_json({"type": "pong"})
        elif kind == "editing" and self.page:
            await database_sync_to_async(presence.touch)(
                channel_name=self.channel_name, card=content.get("card") or ""
            )
            await self._announce_presence()

    async def _catch_up(self, content: dict[str, Any]) -> None:
        since = content.get("since")
        since_at = parse_datetime(content["since_at"]) if isinstance(content.get("since_at"), str) else None
        if not (isinstance(since, int) and not isinstance(since, bool) and since >= 0):
            since = None
        if since is None and since_at is None:
            await self.send_json({"type": "changes", "catchup": True, "events": [], "seq": 0})
            return
        events, latest = await database_sync_to_async(_missed)(self.train_id, since, since_at)
        if events is None:
            await self.send_json({"type": "resync", "seq": latest})
        else:
            await self.send_json({"type": "changes", "catchup": True, "events": events, "seq": latest})

    # --- messages from the channel layer ---------------------------------------------------

    async def live_changes(self, message: dict[str, Any]) -> None:
        events = message.get("events") or []
        user = self.scope.get("user")
        if any(
            e.get("model") == "membership" and e.get("user") in (None, getattr(user, "pk", None))
            for e in events
        ) and not await database_sync_to_async(_may_read)(user, self.train_id):
            await self.send_json({"type": "revoked"})
            await self.close(code=CLOSE_FORBIDDEN)
            await self.disconnect(CLOSE_FORBIDDEN)
            return
        await self.send_json({"type": "changes", "events": events})

    async def live_presence(self, message: dict[str, Any]) -> None:
        if message.get("page") == self.page:
            await self.send_json({"type": "presence", "page": self.page})
