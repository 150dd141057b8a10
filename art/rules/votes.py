"""The confidence vote, fist of five (docs/domain.md, "Confidence vote")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from art.rules.stats import round2

# --- Confidence vote -------------------------------------------------------------------------

CONFIDENCE_RULE = "Average of the fist-of-five votes: 3 or more accepts the plan; below 3, rework it."
ACCEPTED, REWORK = "accepted", "rework"


@dataclass(frozen=True)
class Confidence:
    votes: int
    average: float | None
    result: str | None  # accepted, rework, or None without votes
    concerns: int  # votes of 1 or 2: concerns to hear
    distribution: dict[int, int]


def confidence(scores: Iterable[int]) -> Confidence:
    """Fist of five: average ≥ 3 → accepted, below 3 → rework; a vote of 1 or 2 is a concern
    to hear. The 3.0 boundary is decided on exact sums, not a rounded average.

    >>> confidence([5, 4, 3, 3, 2, 4]).average, confidence([5, 4, 3, 3, 2, 4]).result
    (3.5, 'accepted')
    """
    scores = list(scores)
    distribution = {n: 0 for n in range(1, 6)}
    for score in scores:
        distribution[score] += 1
    if not scores:
        return Confidence(0, None, None, 0, distribution)
    total, count = sum(scores), len(scores)
    result = ACCEPTED if total >= 3 * count else REWORK
    return Confidence(
        count, round2(Decimal(total) / count), result, distribution[1] + distribution[2], distribution
    )
