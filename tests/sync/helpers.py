"""Helpers of the sync tests: syncs of the world's train, and data back-dated for the agenda."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from sync import services
from sync.models import Event


def sync_at(
    world, starts_at: dt.datetime, *, minutes: int = 90, kind: str = Event.Kind.ART_SYNC, pi=True
) -> Event:
    """An ART sync of the world's train (of its PI unless pi=None), added by the RTE."""
    return services.event_create(
        actor=world.rte,
        train=world.train,
        pi=world.pi if pi is True else pi,
        kind=kind,
        title="ART sync",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes),
    )


def now_rounded() -> dt.datetime:
    return timezone.now().replace(second=0, microsecond=0)


def event_url(world, event: Event, name: str = "event") -> str:
    return reverse(f"sync:{name}", kwargs={"slug": world.train.slug, "event_id": event.pk})
