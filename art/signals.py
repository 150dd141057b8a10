"""Signals the train's core sends for the apps above it, which art does not import: apps listen
in their AppConfig.ready (sync regenerates a PI's calendar when its dates change)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.dispatch import Signal

#: A PI was created, or its dates or its iterations changed. Sent once the change is committed,
#: with `pi_id`.
pi_schedule_changed = Signal()


def announce_pi_schedule_changed(pi_id: int) -> None:
    """Send pi_schedule_changed for `pi_id` when the current transaction commits."""
    transaction.on_commit(lambda: pi_schedule_changed.send(sender=None, pi_id=pi_id))


#: A feature's back-dated state history was imported: the flow of days already past changed.
#: Sent once the import is committed, with `train_id` and `since` (the earliest transition's
#: time, aware: its day depends on the train's time zone), so that the metrics recompute the days
#: from then on (metrics/receivers.py).
history_imported = Signal()


def announce_history_imported(train_id: int, since: dt.datetime) -> None:
    """Send history_imported for the train when the current transaction commits."""
    transaction.on_commit(lambda: history_imported.send(sender=None, train_id=train_id, since=since))
