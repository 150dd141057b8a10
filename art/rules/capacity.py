"""Capacity and load of a team in an iteration (docs/domain.md, "Capacity" and "Load")."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

# --- Capacity and load -----------------------------------------------------------------------

#: Normalized story points of a full-time person in a 2-week (10-workday) iteration (SAFe: 10
#: workdays less 2 for overhead).
POINTS_PER_FULL_ITERATION = Decimal(8)
WORKDAYS_PER_FULL_ITERATION = 10
#: Load above this share of capacity leaves no slack (amber); above 100 % is overloaded (red).
NO_SLACK_ABOVE = Decimal(85)
OVERLOADED_ABOVE = Decimal(100)
#: A team's measured velocity replaces the normalized estimate once it has this many finished iterations.
VELOCITY_ITERATIONS = 3

CAPACITY_RULE = (
    "Capacity = Σ over delivering members of FTE × (8 × workdays ÷ 10 − absence days), never below 0; "
    "1 point less per day of absence or public holiday. Load = points of the team's stories placed in "
    "the iteration. Above 85 % of capacity: no slack; above 100 %: overloaded."
)


def member_capacity(fte: Decimal, workdays: int, absence_days: Decimal = Decimal(0)) -> Decimal:
    """fte × (8 × workdays / 10 − absence_days), never below 0 (domain.md, product rule).

    >>> member_capacity(Decimal("0.5"), 10, Decimal(1))
    Decimal('3.5')
    """
    base = POINTS_PER_FULL_ITERATION * Decimal(workdays) / WORKDAYS_PER_FULL_ITERATION
    return max(Decimal(0), Decimal(fte) * (base - Decimal(absence_days)))


@dataclass(frozen=True)
class MemberInput:
    fte: Decimal
    delivering: bool
    absence_days: Decimal = Decimal(0)


def team_capacity(members: Iterable[MemberInput], workdays: int) -> Decimal:
    """Sum of the delivering members' capacities for one iteration."""
    return sum(
        (member_capacity(m.fte, workdays, m.absence_days) for m in members if m.delivering), Decimal(0)
    )


def holiday_days(holidays: Iterable[dt.date], start: dt.date, end: dt.date) -> int:
    """Public holidays that fall on a workday inside [start, end]: each costs everyone a day."""
    return sum(1 for day in set(holidays) if start <= day <= end and day.weekday() < 5)


def measured_velocity(done_points: Sequence[Decimal | int]) -> Decimal | None:
    """Mean points done over the last 3 finished iterations, most recent last; None with fewer."""
    if len(done_points) < VELOCITY_ITERATIONS:
        return None
    recent = [Decimal(p) for p in done_points[-VELOCITY_ITERATIONS:]]
    return sum(recent, Decimal(0)) / VELOCITY_ITERATIONS


@dataclass(frozen=True)
class Load:
    capacity: Decimal
    load: Decimal
    pct: Decimal | None  # None when there is no capacity
    status: str  # "ok", "no_slack", "overloaded"

    @property
    def label(self) -> str:
        return {"ok": "OK", "no_slack": "No slack", "overloaded": "Overloaded"}[self.status]


def placed_load(stories: Iterable[tuple[int, int | None, int | None]]) -> dict[tuple[int, int], Decimal]:
    """Load per (team, iteration) of a plan held as data (a baseline's snapshot): the points of
    the team's stories placed in the iteration, as (team, iteration, points) triples; a story not
    placed carries no load, a story without points counts 0. The live board sums the same in SQL
    (pi_planning.selectors.capacity.placed_loads).

    >>> placed_load([(1, 10, 3), (1, 10, 5), (1, None, 8), (2, 11, None)])
    {(1, 10): Decimal('8'), (2, 11): Decimal('0')}
    """
    loads: dict[tuple[int, int], Decimal] = {}
    for team, iteration, points in stories:
        if iteration is None:
            continue
        loads[(team, iteration)] = loads.get((team, iteration), Decimal(0)) + Decimal(points or 0)
    return loads


def load_status(load: Decimal | int, capacity: Decimal | int) -> Load:
    """Load % = load ÷ capacity. Above 100 % overloaded, above 85 % no slack (domain.md).
    With no capacity, any load is overloaded."""
    load, capacity = Decimal(load), Decimal(capacity)
    if capacity <= 0:
        return Load(capacity, load, None, "overloaded" if load > 0 else "ok")
    pct = load * 100 / capacity
    status = "overloaded" if pct > OVERLOADED_ABOVE else "no_slack" if pct > NO_SLACK_ABOVE else "ok"
    return Load(capacity, load, pct, status)
