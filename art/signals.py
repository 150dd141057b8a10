"""Signals the train's core sends for the apps above it, which art does not import: apps listen
in their AppConfig.ready (sync regenerates a PI's calendar when its dates change)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

#: A PI was created, or its dates or its iterations changed. Sent once the change is committed,
#: with `pi_id`.
pi_schedule_changed = Signal()


def announce_pi_schedule_changed(pi_id: int) -> None:
    """Send pi_schedule_changed for `pi_id` when the current transaction commits."""
    transaction.on_commit(lambda: pi_schedule_changed.send(sender=None, pi_id=pi_id))
