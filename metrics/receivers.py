"""What the metrics do when the train's core changes: an imported, back-dated state history
changes days already snapshotted, so the train's snapshots are recomputed from its earliest
transition's day on (queued once: a recompute already queued or running is joined, with the
earlier of the two days, metrics.services.recompute_request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver

from art.models import ReleaseTrain
from art.signals import history_imported


@receiver(history_imported, dispatch_uid="metrics.recompute_after_history_import")
def recompute_after_history_import(
    sender: Any, train_id: int, since: dt.datetime | dt.date, **kwargs: Any
) -> None:
    from metrics.services import recompute_request

    train = ReleaseTrain.objects.filter(pk=train_id).first()
    if train is not None:
        # The days from the earliest imported transition on: snapshots count work in progress on
        # each day, so every day from then to today changes, and the days before do not.
        if isinstance(since, dt.datetime):
            day = since.astimezone(train.tz).date()
        else:  # a date: the day before too, whatever time zone it was read in
            day = since - dt.timedelta(days=1)
        recompute_request(actor=None, train=train, since=day)
