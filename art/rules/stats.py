"""Small numeric helpers every rule shares: half-up rounding to 2 decimals, percentages,
days as decimals, nearest-rank percentiles, medians and means (docs/domain.md, "Numbers")."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from typing import overload

ONE_DAY = timedelta(days=1)


@overload
def round2(value: None) -> None: ...
@overload
def round2(value: Fraction | Decimal | int | float) -> float: ...
def round2(value: Fraction | Decimal | int | float | None) -> float | None:
    """Round half-up (away from zero) to 2 decimals, exactly; None stays None. The API and
    exports show 2 decimals (pages show 1).

    >>> round2(92.0634), round2(Decimal("0.125")), round2(Fraction(2, 3))
    (92.06, 0.13, 0.67)
    """
    if value is None:
        return None
    q = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    scaled = abs(q) * 100
    hundredths = math.floor(scaled + Fraction(1, 2))
    return math.copysign(hundredths / 100, q) if q else 0.0


def percent(numerator: int, denominator: int) -> float | None:
    """100 × numerator ÷ denominator, rounded to 2 decimals; ``None`` when the denominator is 0."""
    if not denominator:
        return None
    return round2(Fraction(100 * numerator, denominator))


def days(delta: timedelta) -> float:
    return delta / ONE_DAY


def percentile_nearest_rank(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile by nearest rank: the ⌈p·n/100⌉-th smallest value (the smallest value
    for p = 0). ``None`` for no values. ``p`` is a number from 0 to 100.

    Example (domain.md): for 1, 2, 2, 3, 3, 4, 5, 6, 8, 13 the 50th is 3 and the 85th is 8.
    """
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[nearest_rank_index(len(ordered), p)]


def nearest_rank_index(n: int, p: float) -> int:
    rank = math.ceil(Fraction(p) * n / 100)
    return max(rank, 1) - 1


def median(values: Iterable[float]) -> float | None:
    """The usual median (mean of the two middle values for an even count); ``None`` for none."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return None
    middle = n // 2
    if n % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(values: Iterable[float]) -> float | None:
    items = list(values)
    if not items:
        return None
    return sum(items) / len(items)


@dataclass(frozen=True)
class Summary:
    """mean, median (usual) and p85 (nearest rank) of a set of values, each rounded to 2
    decimals; all ``None`` (and count 0) for no values."""

    count: int
    mean: float | None
    median: float | None
    p85: float | None


def summarize(values: Iterable[float]) -> Summary:
    items = list(values)
    if not items:
        return Summary(0, None, None, None)
    return Summary(
        count=len(items),
        mean=round2(sum(items) / len(items)),
        median=round2(median(items)),  # type: ignore[arg-type]
        p85=round2(percentile_nearest_rank(items, 85)),  # type: ignore[arg-type]
    )
