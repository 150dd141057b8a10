"""Domain errors raised by services and turned into responses by pages and the API.

Validation problems are django.core.exceptions.ValidationError with a message dict that names
the field and the rule; the API answers 400 and pages show the message next to the field.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from art.models import VersionedModel


class ConflictError(Exception):
    """A write was based on a stale version of a card. Nothing was changed.

    `current` is the card as it is now; `changes` maps each field the other writer changed to
    (what the caller saw, what it is now) where the caller told us what it saw."""

    def __init__(self, current: VersionedModel, expected_version: int, changes: dict[str, Any] | None = None):
        self.current = current
        self.expected_version = expected_version
        self.changes = changes or {}
        super().__init__(
            f"{current._meta.verbose_name} was changed by someone else "
            f"(you had version {expected_version}, it is now version {current.version})"
        )


class PreconditionFailed(ConflictError):
    """A stale If-Match header (API): answered 412 rather than 409."""


#: What the API says when Railyard itself fails (the traceback goes to the log).
INTERNAL_ERROR = "Railyard failed on this request; the error is logged. Nothing was changed."


class InUseError(Exception):
    """A delete refused because other records still refer to the object (a PROTECT or RESTRICT
    reference): nothing was deleted. Answered 409, naming what still refers to it."""


class ItemsRefused(Exception):
    """A write of several items at once (bulk, a history import) refused as a whole: nothing was
    written. `errors` maps each refused item's index (as text) to its errors by field; the API
    answers 400 `{"errors": {"1": {"job_size": ["..."]}}}`."""

    def __init__(self, errors: dict[str, dict[str, list[str]]]):
        self.errors = errors
        super().__init__(f"{len(errors)} item(s) refused")
