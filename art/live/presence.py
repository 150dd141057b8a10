"""Presence: who has a page of the train open now, by team, and which card each is editing.

One Presence row per open socket (art.models.Presence), written by the socket consumer through
these functions and read by the presence fragment of every page that shows it. A row counts while
its heartbeat is younger than settings.RAILYARD_PRESENCE_TTL (a browser that vanished without
closing its socket drops out by itself)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from art.models import Membership, Presence
from art.rules.teams import person_initials
from art.services.common import CONTROL_CHARACTERS

#: A card a person may say they are editing: "feature-12", "story-3", "dependency-7" ...
CARD_PATTERN = r"^[a-z]{1,20}-\d{1,12}$"
MAX_PAGE = 200


def _fresh_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(seconds=settings.RAILYARD_PRESENCE_TTL)


def clean_page(page: str) -> str:
    """The page key a socket reports (its path): at most 200 characters, no control characters."""
    page = (page or "")[:MAX_PAGE]
    return "" if CONTROL_CHARACTERS.search(page) else page


def clean_card(card: Any) -> str:
    """A card key as the board names it ("story-12"), or "" for anything else."""
    card = card if isinstance(card, str) else ""
    return card if re.match(CARD_PATTERN, card) else ""


def join(*, channel_name: str, user: Any, train_id: int, page: str) -> None:
    Presence.objects.filter(seen_at__lt=_fresh_since() - dt.timedelta(minutes=5)).delete()
    Presence.objects.update_or_create(
        channel_name=channel_name,
        defaults={
            "user": user,
            "train_id": train_id,
            "page": clean_page(page),
            "card": "",
            "seen_at": timezone.now(),
        },
    )


def touch(*, channel_name: str, card: str | None = None) -> None:
    """A heartbeat, or (with `card`) the card its person now edits ("" when none)."""
    changes: dict[str, Any] = {"seen_at": timezone.now()}
    if card is not None:
        changes["card"] = clean_card(card)
    Presence.objects.filter(channel_name=channel_name).update(**changes)


def leave(*, channel_name: str) -> None:
    Presence.objects.filter(channel_name=channel_name).delete()


@dataclass
class Person:
    user_id: int
    name: str
    initials: str
    editing: list[str] = field(default_factory=list)


@dataclass
class TeamPresence:
    name: str
    initials: str
    people: list[Person] = field(default_factory=list)


@dataclass
class PagePresence:
    teams: list[TeamPresence]
    editing: dict[str, list[tuple[int, str]]]  # card -> (user id, name) of who is editing it
    count: int


def on_page(*, train_id: int, page: str) -> PagePresence:
    """Who has `page` open now, grouped by their team in the train (people of no team under the
    role they hold), each once however many tabs; and who edits which card. Two queries."""
    rows = list(
        Presence.objects.filter(train_id=train_id, page=clean_page(page), seen_at__gte=_fresh_since())
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    user_ids = {r.user_id for r in rows}
    seats = {
        m.user_id: m
        for m in Membership.objects.filter(train_id=train_id, user_id__in=user_ids).select_related("team")
    }
    people: dict[int, Person] = {}
    groups: dict[str, TeamPresence] = {}
    editing: dict[str, list[tuple[int, str]]] = {}
    for row in rows:
        user = row.user
        name = user.get_full_name() or user.get_username()
        person = people.get(user.pk)
        if person is None:
            person = people[user.pk] = Person(user_id=user.pk, name=name, initials=person_initials(name))
            seat = seats.get(user.pk)
            if seat is not None and seat.team is not None:
                key, label, short = f"team-{seat.team.pk}", seat.team.name, seat.team.initials
            elif seat is not None:
                key, label, short = f"role-{seat.role}", seat.get_role_display(), ""
            else:
                key, label, short = "other", "Administrators", ""
            groups.setdefault(key, TeamPresence(name=label, initials=short)).people.append(person)
        if row.card and row.card not in person.editing:
            person.editing.append(row.card)
            editing.setdefault(row.card, []).append((user.pk, name))
    teams = sorted(groups.values(), key=lambda g: (g.initials == "", g.name.lower()))
    return PagePresence(teams=teams, editing=editing, count=len(people))


def edited_by_others(room: PagePresence, user_id: int) -> str:
    """The soft locks a page shows its reader: "story-12=Ana Lee;feature-3=Bo Chen", the cards
    that others (not the reader) are editing now."""
    parts = []
    for card, people in sorted(room.editing.items()):
        names = [name for uid, name in people if uid != user_id]
        if names:
            parts.append(f"{card}={', '.join(names)}")
    return ";".join(parts)
