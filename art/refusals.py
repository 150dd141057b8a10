"""How a refused write reads on a page: the one mapping from the services' exceptions to a
status and words, for every app's HTML views (the API's is art.api.errors.exception_handler).

Services refuse in three ways, and nothing changes when they do:
- django.core.exceptions.ValidationError naming the field and the rule → 422;
- PermissionDenied from the access policy (art.access), in words → 403;
- art.errors.ConflictError, a stale version → 409, with the current card;
- art.errors.InUseError, a delete that other records still refer to → 409, naming them.

A view catches `REFUSED` around its service call and renders `refusal_of(exc)` where the thing
refused is (next to the field, on the card, in the board's status line). What a view does not
catch, RefusalMiddleware answers with the same status and words, so no refusal is ever a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_htmx.http import reswap

from art.errors import ConflictError, InUseError
from art.http import toast

logger = logging.getLogger(__name__)

REFUSED = (PermissionDenied, ConflictError, ValidationError, InUseError)


@dataclass(frozen=True)
class Refusal:
    """A refused write: the HTTP status, the reasons by field (NON_FIELD_ERRORS for the rest)
    and, for a stale version, the conflict with the current card."""

    status: int
    errors: dict[str, list[str]] = field(default_factory=dict)
    conflict: ConflictError | None = None

    @property
    def field(self) -> str:
        return next(iter(self.errors), NON_FIELD_ERRORS)

    @property
    def message(self) -> str:
        """The first reason, as a sentence (the page shows the rest next to their fields)."""
        first = next((m for messages in self.errors.values() for m in messages), "")
        return first[:1].upper() + first[1:] if first else "Refused."

    @property
    def messages(self) -> list[str]:
        return [m for messages in self.errors.values() for m in messages]


def refusal_of(exc: Exception) -> Refusal:
    """The status and words of a service's refusal."""
    if isinstance(exc, ConflictError):
        return Refusal(409, {NON_FIELD_ERRORS: [str(exc)]}, conflict=exc)
    if isinstance(exc, InUseError):
        return Refusal(409, {NON_FIELD_ERRORS: [str(exc)]})
    if isinstance(exc, PermissionDenied):
        return Refusal(403, {NON_FIELD_ERRORS: [str(exc) or "You may not do this."]})
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return Refusal(422, {name: list(messages) for name, messages in exc.message_dict.items()})
        return Refusal(422, {NON_FIELD_ERRORS: list(exc.messages)})
    raise TypeError(f"not a refusal: {exc!r}")


def attempt(act: Callable[[], Any]) -> tuple[Any, Refusal | None]:
    """Run a service call: (its result, None), or (None, the refusal) when it refuses."""
    try:
        return act(), None
    except REFUSED as exc:
        return None, refusal_of(exc)


class RefusalMiddleware:
    """Pages: a refusal no view caught answers with its status and words (a toast for htmx, an
    error page otherwise) instead of a server error. The API has its own exception handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/") or not isinstance(exc, ConflictError | ValidationError):
            return None  # PermissionDenied and Http404 have Django's own 403 and 404 pages
        refusal = refusal_of(exc)
        logger.info("refused %s %s: %s", request.method, request.path, refusal.messages)
        if getattr(request, "htmx", False):
            response = HttpResponse(status=refusal.status)
            toast(response, refusal.message, "error")
            return reswap(response, "none")
        return render(request, "refused.html", {"refusal": refusal}, status=refusal.status)
