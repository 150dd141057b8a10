"""Celery tasks of the train's events: thin, take ids, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from art.models import ProgramIncrement


@shared_task(
    name="sync.tasks.pi_events_generate",
    autoretry_for=(Exception,),
    dont_autoretry_for=(ProgramIncrement.DoesNotExist,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
)
def pi_events_generate(pi_id: int) -> int:
    """Generate a PI's calendar (after the PI was created or its dates changed); returns how many
    events it holds. A PI deleted meanwhile is nothing to do."""
    from sync.services.calendar import pi_events_generate as generate

    pi = ProgramIncrement.objects.filter(pk=pi_id).first()
    if pi is None:
        return 0
    return len(generate(actor=None, pi=pi))


@shared_task(name="sync.tasks.events_hourly", acks_late=True)
def events_hourly() -> dict[str, int]:
    """Every hour: events that have ended are held, and the agenda of each sync starting within
    the hour is frozen with its minutes (once)."""
    from sync.services.calendar import events_mark_held
    from sync.services.syncs import agendas_freeze_due

    return {"held": events_mark_held(), "frozen": agendas_freeze_due()}
