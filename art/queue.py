"""Sending work to the task queue without depending on it. `enqueue(task, *args)` hands the task
to Celery's broker; when the broker does not answer (Redis down), the task runs here instead, in
a thread of this process, so that the request answers at once and the work is still done (every
task is idempotent: running it here and again later from the queue is safe). On the embedded
default (no broker) tasks run in-process: inline (`enqueue`), or in a thread of this process for
work that must not hold the request (`enqueue_background`: webhook deliveries, "Recompute now")."""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

HERE = "here"
QUEUED = "queued"
INLINE = "inline"


def _run(task: Any, args: tuple[Any, ...]) -> None:
    try:
        task.run(*args)
    except Exception:  # logged: a thread has nobody else to tell
        logger.exception("task %s%r failed in a thread of this process", task.name, args)
    finally:
        connection.close()


def start_here(task: Any, args: tuple[Any, ...]) -> None:
    """Run the task in a daemon thread of this process (tests replace it to run inline)."""
    close_old_connections()
    threading.Thread(target=_run, args=(task, args), name=f"fallback-{task.name}", daemon=True).start()


def enqueue(task: Any, *args: Any) -> str:
    """Queue `task(*args)`; "queued", "inline" (the embedded default runs it now) or "here" (the
    broker did not answer: it runs in a thread of this process)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        task.delay(*args)
        return INLINE
    try:
        task.apply_async(args=args, retry=False)
    except Exception as exc:  # kombu's OperationalError, redis' ConnectionError, OSError, …
        logger.warning("broker not answering (%s: %s): running %s here", type(exc).__name__, exc, task.name)
        start_here(task, args)
        return HERE
    return QUEUED


def enqueue_background(task: Any, *args: Any) -> str:
    """As enqueue, for work that may take long (webhook deliveries with their retries, a train's
    metric recompute): on the embedded default it runs in a thread of this process rather than
    inside the request, so that the page answers at once and shows the work's progress. Tests
    (RAILYARD_BACKGROUND_INLINE) run it inline."""
    if settings.CELERY_TASK_ALWAYS_EAGER and not getattr(settings, "RAILYARD_BACKGROUND_INLINE", False):
        start_here(task, args)
        return HERE
    return enqueue(task, *args)
