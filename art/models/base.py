"""What the models of the train share: the card several people edit at once (VersionedModel)
and the validators of single values (WSJF scores on the modified Fibonacci scale, time zones,
plausible dates)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any, ClassVar, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction

from art.rules import kanban

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


def validate_wip_limits(value: Any) -> None:
    """The ART Kanban's WIP limits (art.rules.kanban.wip_limits_errors)."""
    errors = kanban.wip_limits_errors(value)
    if errors:
        raise ValidationError("; ".join(errors.values()))


def validate_kanban_policies(value: Any) -> None:
    """The ART Kanban's column policies (art.rules.kanban.policies_errors)."""
    errors = kanban.policies_errors(value)
    if errors:
        raise ValidationError("; ".join(errors.values()))


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


class NumberedCard(models.Model):
    """A card numbered within its train (features, stories, dependencies): its key is
    art.rules.keys.card_key(KEY_KIND, number, external_key), F-1, S-1, D-1 in each train. The
    number is given once, when the card is first saved: the train's counter for its kind
    (NUMBER_COUNTER), one up. The counter's UPDATE locks the train's row until the creating
    transaction ends, so concurrent creates in one train take turns and never share a number; it
    only goes up, so a deleted card's number is never given again (a restore keeps its own)."""

    KEY_KIND: ClassVar[str]
    NUMBER_COUNTER: ClassVar[str]

    # blank: validation passes before the first save gives it (see save()).
    number = models.PositiveIntegerField(
        blank=True, editable=False, help_text="The card's number in its train, as in its key (F-12)."
    )

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.number is not None:
            super().save(*args, **kwargs)
            return
        with transaction.atomic(using=kwargs.get("using")):
            self.number = self.take_numbers(cast(Any, self).train_id, 1)
            super().save(*args, **kwargs)

    @classmethod
    def take_numbers(cls, train_id: int, count: int) -> int:
        """Raise the train's counter by `count` and return the new last number (the caller's
        numbers are last - count + 1 … last). Call inside a transaction."""
        train_model = cast(type[models.Model], cls._meta.get_field("train").related_model)
        trains = train_model._default_manager.filter(pk=train_id)
        trains.update(**{cls.NUMBER_COUNTER: models.F(cls.NUMBER_COUNTER) + count})
        last = trains.values_list(cls.NUMBER_COUNTER, flat=True).first()
        if last is None:
            raise ValidationError({"train": "train is required: a card is numbered within its train"})
        return cast(int, last)

    @classmethod
    def number_all(cls, cards: Iterable[NumberedCard]) -> None:
        """Number cards about to be bulk-inserted (the demo seed), one counter update per train,
        in the order given."""
        by_train: dict[int, list[NumberedCard]] = {}
        for card in cards:
            if card.number is None:
                by_train.setdefault(cast(Any, card).train_id, []).append(card)
        for train_id, numbered in by_train.items():
            last = cls.take_numbers(train_id, len(numbered))
            for offset, card in enumerate(numbered):
                card.number = last - len(numbered) + 1 + offset
