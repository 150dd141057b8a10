"""Inspect & Adapt's problem-solving workshop (docs/domain.md, "Inspect & Adapt"): fishbone
causes in six categories, each with its chain of up to five whys; a dot vote in which every
participant spreads a fixed number of dots over the causes; and the Pareto chart of the votes.

Pure functions of plain data; sync.selectors.workshops loads the causes and votes in a fixed
number of queries and hands them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from art.rules.stats import round2

#: The fishbone's six bones, in the order the diagram draws them.
CATEGORIES: tuple[tuple[str, str], ...] = (
    ("people", "People"),
    ("process", "Process"),
    ("tools", "Tools"),
    ("program", "Program"),
    ("environment", "Environment"),
    ("providers", "Providers"),
)
CATEGORY_KEYS: tuple[str, ...] = tuple(key for key, _ in CATEGORIES)
#: A cause's chain of "why?" goes at most five deep.
MAX_WHYS = 5
#: Each participant's dots (product rule); the RTE may change it per workshop.
DEFAULT_DOTS = 5
MAX_DOTS = 20

CATEGORY_REFUSAL = f"category must be one of {', '.join(CATEGORY_KEYS)}"
WHYS_REFUSAL = f"whys: a cause has at most {MAX_WHYS} whys"
DOTS_RANGE_REFUSAL = f"dots_per_participant must be a whole number from 1 to {MAX_DOTS}"


def category_refusal(category: str) -> str:
    """Why `category` is not a fishbone bone ("" when it is one)."""
    return "" if category in CATEGORY_KEYS else CATEGORY_REFUSAL


def whys_refusal(whys: Sequence[str]) -> str:
    """Why a chain of whys is refused ("" when it is fine): more than five, or a blank one."""
    if len(whys) > MAX_WHYS:
        return WHYS_REFUSAL
    if any(not str(why).strip() for why in whys):
        return "whys: every why needs words (leave out the empty ones)"
    return ""


def dots_left(allowance: int, used: int) -> int:
    """The dots a participant may still place: their allowance less those already placed."""
    return max(0, allowance - used)


def vote_refusal(*, allowance: int, used_elsewhere: int, dots: int) -> str:
    """Why a participant may not put `dots` on one cause ("" when they may). `used_elsewhere` are
    the dots they placed on the workshop's other causes; putting dots on a cause replaces what
    they had on it, so a participant with 5 dots, 3 of them elsewhere, may put 0–2 here.

    >>> vote_refusal(allowance=5, used_elsewhere=3, dots=3)
    'dots: you have 2 dots left of 5'
    """
    if dots < 0:
        return "dots must be 0 or more"
    left = dots_left(allowance, used_elsewhere)
    if dots > left:
        return f"dots: you have {left} dot{'' if left == 1 else 's'} left of {allowance}"
    return ""


@dataclass(frozen=True)
class CauseVotes:
    """One cause as the Pareto chart needs it: its id, its words, its category, the dots it got
    and the order it was written in (its tie-break)."""

    id: int
    text: str
    category: str
    votes: int
    order: int


@dataclass(frozen=True)
class ParetoRow:
    cause: CauseVotes
    percent: float | None
    cumulative_percent: float | None

    @property
    def votes(self) -> int:
        return self.cause.votes


def pareto(causes: Iterable[CauseVotes]) -> list[ParetoRow]:
    """The Pareto chart (product rule): causes by votes, descending; ties in the order they were
    written; each with its share of all the dots and the cumulative share so far, both percentages
    rounded half up to 2 decimals (the cumulative one from the exact running sum, so the last row
    says 100.0). With no dots cast yet, the percentages are None.

    >>> rows = pareto([CauseVotes(1, "a", "people", 2, 1), CauseVotes(2, "b", "tools", 5, 2),
    ...                CauseVotes(3, "c", "process", 2, 3)])
    >>> [(r.cause.id, r.percent, r.cumulative_percent) for r in rows]
    [(2, 55.56, 55.56), (1, 22.22, 77.78), (3, 22.22, 100.0)]
    """
    ordered = sorted(causes, key=lambda c: (-c.votes, c.order, c.id))
    total = sum(c.votes for c in ordered)
    rows: list[ParetoRow] = []
    running = 0
    for cause in ordered:
        running += cause.votes
        if total:
            rows.append(
                ParetoRow(
                    cause,
                    round2(Fraction(100 * cause.votes, total)),
                    round2(Fraction(100 * running, total)),
                )
            )
        else:
            rows.append(ParetoRow(cause, None, None))
    return rows


def vital_few(rows: Sequence[ParetoRow], threshold: float = 80.0) -> list[ParetoRow]:
    """The causes that together hold the first `threshold` percent of the dots: every row up to
    and including the first whose cumulative share reaches it (none without votes)."""
    chosen: list[ParetoRow] = []
    for row in rows:
        if row.cumulative_percent is None or row.votes == 0:
            break
        chosen.append(row)
        if row.cumulative_percent >= threshold:
            break
    return chosen
