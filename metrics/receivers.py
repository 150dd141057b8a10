"""What the metrics do when the train's core changes: an imported, back-dated state history
changes days already snapshotted, so the train's snapshots are recomputed (queued once: a
recompute already queued or running is reused, metrics.services.recompute_request)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver

from art.models import ReleaseTrain
from art.signals import history_imported


@receiver(history_imported, dispatch_uid="metrics.recompute_after_history_import")
def recompute_after_history_import(sender: Any, train_id: int, since: dt.date, **kwargs: Any) -> None:
    from metrics.services import recompute_request

    train = ReleaseTrain.objects.filter(pk=train_id).first()
    if train is not None:
        # The whole history, as the nightly job does: snapshots count work in progress on each
        # day, so every day from `since` on changes, and a full run also settles the range.
        recompute_request(actor=None, train=train)
