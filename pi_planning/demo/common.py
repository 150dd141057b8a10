"""What the demo steps of PI planning share: times of day in the train's zone, and back-dating
the change history so that cards read like a PI in progress."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from art.demo import SeedContext
from art.models import ChangeRecord


def at_hour(day: dt.date, tz: Any, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def not_after_now(value: dt.datetime) -> dt.datetime:
    return min(value, timezone.now() - dt.timedelta(minutes=5))


def backdate(model: type[models.Model], cards: Sequence[tuple[int, dt.datetime, dt.datetime]]) -> None:
    """Spread each card's recorded changes between `start` and `end`, in the order they were
    made (services record them as happening now)."""
    if not cards:
        return
    ct = ContentType.objects.get_for_model(model)
    by_card: dict[int, list[ChangeRecord]] = defaultdict(list)
    for record in ChangeRecord.objects.filter(content_type=ct, object_id__in=[c[0] for c in cards]).order_by(
        "id"
    ):
        by_card[record.object_id].append(record)
    updated = []
    for pk, start, end in cards:
        records = by_card.get(pk, [])
        end = max(start, not_after_now(end))
        step = (end - start) / max(1, len(records) - 1) if len(records) > 1 else dt.timedelta(0)
        for index, record in enumerate(records):
            record.at = start + step * index
            updated.append(record)
    ChangeRecord.objects.bulk_update(updated, ["at"], batch_size=1000)


def owner_names(ctx: SeedContext) -> list[str]:
    return [p.name for p in ctx.people if p.role in ("product_owner", "scrum_master")] or [
        p.name for p in ctx.people
    ]
