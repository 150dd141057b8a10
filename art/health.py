"""`/healthz`: whether this web process can serve. It asks the database (`SELECT 1`), the cache (a
write and a read) and the broker (a connection, when tasks go through Redis; on the embedded
default tasks run in-process and there is no broker to ask), each with a short timeout, and
answers 200 when all answer, else 503 naming the part that failed. Docker compose and the proxy
use it; it needs no sign-in and says nothing about any train."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

BROKER_TIMEOUT_SECONDS = 2
OK = "ok"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def check_cache() -> str:
    key, value = f"healthz:{uuid.uuid4().hex}", "1"
    cache.set(key, value, timeout=10)
    answered = cache.get(key)
    cache.delete(key)
    if answered != value:
        raise RuntimeError("the cache did not give back what was written")
    return OK


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process (no broker)"
    from art.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    failed: list[str] = []
    for name, check in CHECKS.items():
        try:
            checks[name] = check()
        except Exception as exc:  # any failure of the part is the answer, not an error of ours
            checks[name] = f"failed: {type(exc).__name__}: {exc}"[:200]
            failed.append(name)
    if failed:
        return JsonResponse({"status": "failing", "failed": failed, "checks": checks}, status=503)
    return JsonResponse({"status": "ok", "checks": checks})
