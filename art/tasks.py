"""Celery tasks of the train's core: thin, take ids or nothing, call a service, safe to run twice."""

from celery import shared_task

from art.services import pi_advance_states as advance


@shared_task(
    name="art.tasks.pi_advance_states", autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def pi_advance_states(today: str | None = None) -> int:
    import datetime as dt

    return advance(today=dt.date.fromisoformat(today) if today else None)
