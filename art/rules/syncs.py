"""The ART sync (docs/domain.md, "The ART sync agenda"): its timed sections, what fills each of
them from the train's live data, action items carried over from earlier syncs, and impediments
and their age.

Pure functions of plain data; sync.selectors.syncs loads the candidates in a fixed number of
queries and hands them here.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from art.rules.dependencies import DependencyDates, dependency_age_days
from art.rules.events import ART_SYNC, COACH_SYNC, PO_SYNC

# --- the agenda and its sections -------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    starts_min: int
    ends_min: int

    @property
    def minutes(self) -> int:
        return self.ends_min - self.starts_min


#: The 90-minute ART sync of docs/domain.md.
AGENDA: tuple[Section, ...] = (
    Section("trend", "Trend snapshot", 0, 10),
    Section("blockers", "Cross-team blockers and dependencies", 10, 40),
    Section("risks", "Risks and ROAM updates, decisions", 40, 70),
    Section("scope", "Scope rebalancing and next best actions", 70, 85),
    Section("summary", "Summary and owners", 85, 90),
)
AGENDA_MINUTES = 90
#: Each sync's emphasis (product rule): the coach sync (scrum of scrums) looks at blockers and
#: dependencies, the PO sync at scope; both review the trend, the risks and the owners.
SECTIONS_BY_KIND: dict[str, tuple[str, ...]] = {
    ART_SYNC: ("trend", "blockers", "risks", "scope", "summary"),
    COACH_SYNC: ("trend", "blockers", "risks", "summary"),
    PO_SYNC: ("trend", "scope", "risks", "summary"),
}
BLOCKERS_SHOWN = 5
#: Owned, accepted or mitigated risks come back to the sync when unchanged this long.
RISK_REVIEW_DAYS = 14
#: An impediment open this many days or more is aging.
IMPEDIMENT_AGING_DAYS = 14


def agenda_sections(kind: str, minutes: int) -> list[Section]:
    """The sections of a sync of `kind` lasting `minutes`, timed (product rule): the sections of
    its emphasis in the order of docs/domain.md, their lengths those of the 90-minute ART sync
    scaled to the meeting's length, boundaries rounded half up to whole minutes (the last one ends with
    the meeting). A 90-minute ART sync is exactly 0–10, 10–40, 40–70, 70–85, 85–90; a 45-minute
    coach sync (trend, blockers, risks, summary: 10 + 30 + 30 + 5 of 75) is 0–6, 6–24, 24–42, 42–45.
    """
    keys = SECTIONS_BY_KIND.get(kind, SECTIONS_BY_KIND[ART_SYNC])
    chosen = sorted((s for s in AGENDA if s.key in keys), key=lambda s: keys.index(s.key))
    total = sum(s.minutes for s in chosen)
    out, elapsed = [], 0
    for index, section in enumerate(chosen):
        start = math.floor(elapsed * minutes / total + 0.5)
        elapsed += section.minutes
        end = minutes if index == len(chosen) - 1 else math.floor(elapsed * minutes / total + 0.5)
        out.append(Section(section.key, section.title, start, end))
    return out


# --- blockers --------------------------------------------------------------------------------

DEPENDENCY, IMPEDIMENT = "dependency", "impediment"
_KIND_ORDER = {DEPENDENCY: 0, IMPEDIMENT: 1}


@dataclass(frozen=True)
class Blocker:
    """A candidate cross-team blocker: a red or blocked dependency, or an open impediment."""

    kind: str  # "dependency" or "impediment"
    id: int
    title: str
    age_days: int
    detail: str = ""


def top_blockers(candidates: Iterable[Blocker], limit: int = BLOCKERS_SHOWN) -> list[Blocker]:
    """The `limit` oldest blockers: by age in whole days, oldest first; ties by id (a dependency
    before an impediment of the same id). Example: ages 30, 21 (id 4), 21 (id 2), 9, 5, 3 and 1
    → 30, 21 (id 2), 21 (id 4), 9, 5."""
    return sorted(candidates, key=lambda b: (-b.age_days, b.id, _KIND_ORDER.get(b.kind, 9)))[:limit]


# --- risks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskItem:
    id: int
    title: str
    roam: str
    created_at: dt.datetime
    changed_at: dt.datetime  # the last change of the risk (ROAM move or edit)


def risks_to_review(risks: Iterable[RiskItem], now: dt.datetime) -> list[RiskItem]:
    """The risks a sync reviews: every un-ROAMed one, oldest first; then the owned, accepted or
    mitigated ones unchanged for RISK_REVIEW_DAYS whole days or more, longest unchanged first
    (ties by id). Resolved risks are done with."""
    items = list(risks)
    unroamed = sorted((r for r in items if r.roam == "unroamed"), key=lambda r: (r.created_at, r.id))
    stale = sorted(
        (
            r
            for r in items
            if r.roam in ("owned", "accepted", "mitigated")
            and (now - r.changed_at) >= dt.timedelta(days=RISK_REVIEW_DAYS)
        ),
        key=lambda r: (r.changed_at, r.id),
    )
    return [*unroamed, *stale]


# --- scope -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadItem:
    team_id: int
    team: str
    iteration_id: int
    iteration: str
    iteration_number: int
    load: float
    capacity: float
    load_pct: float | None  # None when there is no capacity


def overloaded(loads: Iterable[LoadItem]) -> list[LoadItem]:
    """Team-iterations above 100 % load (load with no capacity at all counts as the most
    overloaded), highest first; ties by team name, then iteration number."""
    over = [
        item
        for item in loads
        if (item.load_pct is not None and item.load_pct > 100) or (item.load_pct is None and item.load > 0)
    ]
    return sorted(
        over,
        key=lambda i: (
            -(i.load_pct if i.load_pct is not None else math.inf),
            i.team.lower(),
            i.iteration_number,
        ),
    )


# --- action items carried over ---------------------------------------------------------------


@dataclass(frozen=True)
class ActionItemRef:
    id: int
    title: str
    owner: str
    due_date: dt.date | None
    done: bool
    event_id: int | None  # the sync it was raised at
    raised_at: dt.datetime  # that sync's start, or when it was written down without one


def carried_over(
    items: Iterable[ActionItemRef], *, event_id: int, starts_at: dt.datetime
) -> list[ActionItemRef]:
    """The open action items a sync's summary lists (product rule): those raised at this sync
    or before it, until done; earliest due first (no due date last), then by id. Computed when
    the agenda is read, so carrying over never depends on a job having run."""
    chosen = [i for i in items if not i.done and (i.event_id == event_id or i.raised_at < starts_at)]
    return sorted(chosen, key=lambda i: (i.due_date or dt.date.max, i.id))


# --- impediments -----------------------------------------------------------------------------


def impediment_age_days(created_at: dt.datetime, resolved_at: dt.datetime | None, now: dt.datetime) -> int:
    """(resolved_at or now) − created_at in whole days: the age rule of dependencies
    (art.rules.dependencies.dependency_age_days), a resolved impediment keeping its age."""
    return dependency_age_days(DependencyDates(created_at, resolved_at), now)


def impediment_is_aging(age_days: int, *, open_: bool) -> bool:
    """Open for IMPEDIMENT_AGING_DAYS (14) days or more: 13 is not aging, 14 is."""
    return open_ and age_days >= IMPEDIMENT_AGING_DAYS


def sections_text(sections: Sequence[Section]) -> str:
    """ "0–10 Trend snapshot; 10–40 …": the agenda in one line, for the event's description."""
    return "; ".join(f"{s.starts_min}–{s.ends_min} {s.title}" for s in sections)
