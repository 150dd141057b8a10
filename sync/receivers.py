"""What sync does when the train's core changes: a PI's calendar follows its dates, its
iterations and the train's holidays (generated again on commit, by a task), and a PI that is
deleted takes its generated events with it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import pre_delete
from django.dispatch import receiver

from art.models import ProgramIncrement
from art.queue import enqueue
from art.signals import pi_schedule_changed


@receiver(pi_schedule_changed)
def regenerate_pi_calendar(sender: Any, pi_id: int, **kwargs: Any) -> None:
    from sync import tasks

    enqueue(tasks.pi_events_generate, pi_id)


@receiver(pre_delete, sender=ProgramIncrement)
def remove_pi_calendar(sender: Any, instance: ProgramIncrement, **kwargs: Any) -> None:
    """Generated events nobody touched go with their PI; edited, held ones and those with minutes
    stay on the train's calendar (their PI becomes empty). Only when the PI itself is deleted:
    a train that goes takes all its events anyway."""
    from sync.services.calendar import pi_events_remove

    origin = kwargs.get("origin")
    if isinstance(origin, ProgramIncrement) or getattr(origin, "model", None) is ProgramIncrement:
        pi_events_remove(actor=None, pi=instance)
