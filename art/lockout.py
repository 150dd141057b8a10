"""Sign-in throttling (django-axes): after `AXES_FAILURE_LIMIT` failed sign-ins in a row for one
account, or from one address, the sign-in page, the admin's sign-in and `POST /api/v1/auth/token/`
refuse for `AXES_COOLOFF_TIME` — 429 with `Retry-After`, in JSON for the API and as a page
otherwise. The attempts live in the database, so every web process sees them; superusers read
them in the admin (Axes: access attempts and failures) and lift a pause there or with
`manage.py axes_reset`."""

from __future__ import annotations

import math
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _minutes(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"{minutes} minute{'' if minutes == 1 else 's'}"


def lockout_message(seconds: int) -> str:
    return f"Too many failed sign-ins: try again in {_minutes(seconds)}."


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
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
            {"message": message, "failure_limit": settings.AXES_FAILURE_LIMIT},
            status=429,
        )
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
