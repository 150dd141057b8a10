"""Celery tasks of the train's core: thin, take ids or nothing, call a service, safe to run twice."""

from typing import Any

from celery import shared_task

from art.services import pi_advance_states as advance


@shared_task(
    name="art.tasks.pi_advance_states", autoretry_for=(Exception,), retry_backoff=True, max_retries=3
)
def pi_advance_states(today: str | None = None) -> int:
    import datetime as dt

    return advance(today=dt.date.fromisoformat(today) if today else None)


@shared_task(bind=True, name="art.tasks.webhook_deliver", max_retries=None, acks_late=True)
def webhook_deliver(self: Any, delivery_id: int) -> str:
    """One attempt at a webhook delivery; another later (exponential back-off) while it fails
    and attempts are left. A delivery that succeeded is never sent again."""
    from art.services import webhooks

    outcome, attempts = webhooks.delivery_attempt(delivery_id=delivery_id)
    # In-process (the embedded default, tests) no worker comes back later: the attempts follow
    # one another at once, without waiting.
    while outcome == webhooks.RETRY and self.request.is_eager:
        outcome, attempts = webhooks.delivery_attempt(delivery_id=delivery_id)
    if outcome == webhooks.RETRY:
        raise self.retry(countdown=webhooks.retry_delay(attempts))
    return outcome
