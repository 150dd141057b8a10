"""What the models of the train share: the card several people edit at once (VersionedModel)
and the validators of single values (WSJF scores on the modified Fibonacci scale, time zones,
plausible dates)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models

# The modified Fibonacci scale of WSJF inputs (domain.md): any other value is refused.
FIBONACCI = (1, 2, 3, 5, 8, 13, 20)
FIBONACCI_RULE = "must be one of 1, 2, 3, 5, 8, 13, 20 (modified Fibonacci)"


def validate_fibonacci(value: int | None) -> None:
    if value is not None and value not in FIBONACCI:
        raise ValidationError(f"{value} is not allowed: WSJF scores {FIBONACCI_RULE}", code="fibonacci")


def validate_time_zone(value: str) -> None:
    # A name longer than any IANA zone would reach the file system as an over-long path (OSError).
    shown = value if len(value) <= 64 else value[:60] + "…"
    try:
        if len(value) > 64:
            raise ValueError(value)
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(f"'{shown}' is not a known time zone (use an IANA name such as Europe/Berlin)")


#: Dates the product plans with; beyond them a date is a typo (and date arithmetic would overflow).
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def validate_plausible_date(value: dt.date | None) -> None:
    if value is not None and not (EARLIEST_DATE <= value <= LATEST_DATE):
        raise ValidationError(
            f"{value} is out of range: dates must lie between {EARLIEST_DATE} and {LATEST_DATE}"
        )


class VersionedModel(models.Model):
    """A card several people edit at once. Every write through a service states the version it
    was based on and bumps it; a stale version is a conflict (art.services.versioned_update)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True
