"""Plan baselines: what changed since the committed plan (docs/domain.md, "Plan baseline")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# --- Plan baselines --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanChange:
    kind: str  # "feature" or "story"
    id: int
    change: str  # "added", "removed", "moved"
    before: dict | None
    after: dict | None


def plan_changes(baseline: dict, current: dict) -> list[PlanChange]:
    """What changed since the committed plan: cards added, removed, or moved (another team or
    iteration). Both arguments map kind -> {id (str): {"team": id, "iteration": id, ...}}."""
    changes: list[PlanChange] = []
    for kind in ("features", "stories"):
        before, after = baseline.get(kind, {}), current.get(kind, {})
        label = kind[:-1] if kind == "features" else "story"
        for key in sorted(set(before) | set(after), key=lambda k: int(k)):
            b, a = before.get(key), after.get(key)
            if b is None:
                changes.append(PlanChange(label, int(key), "added", None, a))
            elif a is None:
                changes.append(PlanChange(label, int(key), "removed", b, None))
            elif (b.get("team"), b.get("iteration")) != (a.get("team"), a.get("iteration")):
                changes.append(PlanChange(label, int(key), "moved", b, a))
    return changes


@dataclass(frozen=True)
class Commit:
    """A committed baseline as the default rule sees it: when, and the PI's state then ("" when
    not recorded: baselines committed before the state was kept)."""

    id: int
    committed_at: dt.datetime
    pi_state: str


def end_of_planning(commits: list[Commit]) -> int | None:
    """The baseline a comparison starts from unless another is chosen: the plan as committed at
    the end of PI planning, i.e. the latest commit made while the PI was in planning; when no
    commit is known to be from planning, the first commit. None without commits.

    >>> day = lambda n: dt.datetime(2026, 1, n)
    >>> end_of_planning([Commit(1, day(8), "planning"), Commit(2, day(9), "planning"),
    ...                  Commit(3, day(20), "executing")])
    2
    >>> end_of_planning([Commit(4, day(9), ""), Commit(5, day(20), "executing")])
    4
    """
    ordered = sorted(commits, key=lambda c: (c.committed_at, c.id))
    planning = [c for c in ordered if c.pi_state == "planning"]
    if planning:
        return planning[-1].id
    return ordered[0].id if ordered else None


@dataclass(frozen=True)
class TeamLoadChange:
    team: int
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def team_load_changes(
    before: dict[tuple[int, int], Decimal], after: dict[tuple[int, int], Decimal], teams: list[int]
) -> list[TeamLoadChange]:
    """Per team, in the order of `teams` (then any other team either side names, by id): the
    points placed in the PI before and after, from loads per (team, iteration) as
    art.rules.capacity.placed_load gives them."""

    def per_team(loads: dict[tuple[int, int], Decimal]) -> dict[int, Decimal]:
        out: dict[int, Decimal] = {}
        for (team, _iteration), points in loads.items():
            out[team] = out.get(team, Decimal(0)) + points
        return out

    b, a = per_team(before), per_team(after)
    others = sorted((set(b) | set(a)) - set(teams))
    return [TeamLoadChange(t, b.get(t, Decimal(0)), a.get(t, Decimal(0))) for t in [*teams, *others]]
