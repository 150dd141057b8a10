"""Celery tasks of the metrics: thin, take ids, call a service, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from metrics import services
from metrics.models import RecomputeRun


@shared_task(
    name="metrics.tasks.recompute_train",
    autoretry_for=(Exception,),
    dont_autoretry_for=(RecomputeRun.DoesNotExist,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=3,
    acks_late=True,
)
def recompute_train(run_id: int) -> int:
    """Recompute the snapshots of a RecomputeRun's train; returns the rows written. A run that
    no longer exists (its train was deleted) is nothing to do."""
    try:
        run = services.recompute_run_execute(run_id=run_id)
    except RecomputeRun.DoesNotExist:
        return 0
    return run.written


@shared_task(name="metrics.tasks.recompute_all_nightly", acks_late=True)
def recompute_all_nightly() -> int:
    """Queue a recompute of every train's snapshots (scheduled nightly by Celery beat)."""
    return len(services.recompute_all())
