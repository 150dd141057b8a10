"""Times on a train's pages are in the train's time zone (docs/domain.md, "Times"): baseline
commits, print headers, history entries, exports' generated-at. Every train page fetches its
train through art.access.train_for_user, which calls train_time_zone(); this middleware marks
which requests are pages (the API answers in UTC, as its contract says) and ends each request
in the default zone again, so no zone leaks from one request to the next on a worker thread.
Templates then show every aware datetime in the train's zone without each template asking."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

_PAGE: ContextVar[bool] = ContextVar("railyard_page_request", default=False)


def train_time_zone(train: Any) -> None:
    """Show the rest of this page request in `train`'s zone (no-op for the API and outside requests)."""
    if _PAGE.get():
        timezone.activate(train.tz)


class TrainTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _PAGE.set(not request.path.startswith("/api/"))
        timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            _PAGE.reset(token)
            timezone.deactivate()
