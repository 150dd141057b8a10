"""Sign-in throttling (django-axes): after `AXES_FAILURE_LIMIT` failed sign-ins in a row for one
account, or from one address, the sign-in page, the admin's sign-in and `POST /api/v1/auth/token/`
refuse for `AXES_COOLOFF_TIME` — 429 with `Retry-After`, in JSON for the API and as a page
otherwise. The attempts live in the database, so every web process sees them; superusers read
them in the admin (Axes: access attempts and failures) and lift a pause there or with
`manage.py axes_reset`.

Before that pause, a slow-down: from the `RAILYARD_SIGNIN_SLOWDOWN_FROM`th failure on, the next
try must wait 1 s after the last failure, then 2, 4, 8 … (at most
`RAILYARD_SIGNIN_SLOWDOWN_MAX_SECONDS`), per account and per address alike. A try made sooner is
refused with 429 and `Retry-After` without checking the password and without counting as a
failure; nothing sleeps in the web process (a sleeping worker is one an attacker can tie up).
The wait is worked out from axes' AccessAttempt rows (failures and the time of the last), so
every process sees the same."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def lockout_message(seconds: int) -> str:
    return f"Too many failed sign-ins: try again in {_minutes(seconds)}."


def slow_down_message(seconds: int) -> str:
    return f"Too many failed sign-ins: try again in {seconds} second{'' if seconds == 1 else 's'}."


def slow_down_delay(failures: int, start: int, most: int) -> int:
    """Seconds the next try must wait after the last of `failures` failures in a row: none
    before the `start`th failure, then 1, 2, 4 … doubling with each failure, at most `most`.

    >>> [slow_down_delay(n, 3, 60) for n in range(1, 11)]
    [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    """
    if start <= 0 or failures < start:
        return 0
    return min(2 ** min(failures - start, 32), most)


class SignInHandler(AxesDatabaseHandler):
    """axes' database handler, with the slow-down in front of the pause."""

    def slow_down_wait(self, request: Any, credentials: dict | None = None) -> int:
        """Whole seconds this try comes too early (0 when it may go ahead): the longest wait of
        the account's and the address's failures (one query each)."""
        start = settings.RAILYARD_SIGNIN_SLOWDOWN_FROM
        most = settings.RAILYARD_SIGNIN_SLOWDOWN_MAX_SECONDS
        wait = 0.0
        for attempts in self.get_user_attempts(request, credentials):
            row = attempts.aggregate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            delay = slow_down_delay(row["failures"] or 0, start, most)
            if delay and row["last"] is not None:
                ready = row["last"] + dt.timedelta(seconds=delay)
                wait = max(wait, (ready - request.axes_attempt_time).total_seconds())
        return math.ceil(wait) if wait > 0 else 0

    def is_allowed(self, request: Any, credentials: dict | None = None) -> bool:
        if not super().is_allowed(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        wait = self.slow_down_wait(request, credentials)
        if wait:
            request.railyard_retry_after = wait
            request.axes_locked_out = True  # answered by lockout_response, through AxesMiddleware
            return False
        return True

    def user_login_failed(self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
        if getattr(request, "railyard_retry_after", 0):
            return  # refused for coming too early: no password was tried, so it is no failure
        super().user_login_failed(sender, credentials, request, **kwargs)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    slowed = int(getattr(request, "railyard_retry_after", 0) or 0)
    if slowed:
        seconds, message = slowed, slow_down_message(slowed)
    else:
        cool_off = get_cool_off(request)
        seconds = int(cool_off.total_seconds()) if cool_off else 0
        message = lockout_message(seconds)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = render(
            request,
            "registration/locked_out.html",
            {"message": message, "failure_limit": settings.AXES_FAILURE_LIMIT, "slowed": bool(slowed)},
            status=429,
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
