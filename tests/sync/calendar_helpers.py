"""Helpers of the calendar's tests: moments in Berlin, the pages' URLs, an event by its
slot (the fixtures are in tests/sync/conftest.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.urls import reverse

from sync.models import Event

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Berlin."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def slot(pi, name: str) -> Event:
    return Event.objects.get(pi=pi, slot=name)


def calendar_url(train, start: str = "") -> str:
    url = reverse("sync:calendar", kwargs={"slug": train.slug})
    return f"{url}?start={start}" if start else url


def event_url(event, name: str = "event") -> str:
    return reverse(f"sync:{name}", kwargs={"slug": event.train.slug, "event_id": event.pk})
