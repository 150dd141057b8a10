"""The rules of PI planning (../shared/domain.md), as pure functions over plain data.

Each rule lives here once and is called by the board, the capacity page, the API, exports and
tasks alike. Selectors load the inputs in a bounded number of queries and pass them in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from metrics import calculations as calc

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


def load_status(load: Decimal | int, capacity: Decimal | int) -> Load:
    """Load % = load ÷ capacity. Above 100 % overloaded, above 85 % no slack (domain.md).
    With no capacity, any load is overloaded."""
    load, capacity = Decimal(load), Decimal(capacity)
    if capacity <= 0:
        return Load(capacity, load, None, "overloaded" if load > 0 else "ok")
    pct = load * 100 / capacity
    status = "overloaded" if pct > OVERLOADED_ABOVE else "no_slack" if pct > NO_SLACK_ABOVE else "ok"
    return Load(capacity, load, pct, status)


def round2(value: Decimal | float | None) -> float | None:
    """Two decimals for the API and exports (pages show one)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# --- WSJF ------------------------------------------------------------------------------------


def wsjf(user_business_value: int, time_criticality: int, risk_reduction: int, job_size: int) -> float:
    """Cost of delay ÷ job size. The database derives the same figure (Feature.wsjf) for SQL
    ordering; this function is the reference the tests hold it to."""
    return (user_business_value + time_criticality + risk_reduction) / job_size


# --- Dependency health -----------------------------------------------------------------------

GREEN, AMBER, RED, DONE = "green", "amber", "red", "done"
HEALTH_LABELS = {GREEN: "Healthy", AMBER: "At risk", RED: "Conflict", DONE: "Done"}
HEALTH_ICONS = {GREEN: "✓", AMBER: "⚠", RED: "✕", DONE: "●"}
HEALTH_RULE = (
    "P is the iteration the provider committed to, or else the delivery iteration of the provider's "
    "feature. P before the needed-by iteration: healthy; the same iteration: at risk; later, not planned, "
    "in the IP iteration or in another PI: conflict. A dependency that looks healthy or at risk but whose "
    "provider feature has stories of the providing team placed after the needed-by iteration is a "
    "hidden conflict. Delivered or cancelled: done (hidden by default)."
)


@dataclass(frozen=True)
class IterationRef:
    id: int
    pi_id: int
    number: int
    name: str
    is_ip: bool
    start_date: dt.date
    pi_name: str = ""


@dataclass(frozen=True)
class StoryRef:
    key: str
    title: str
    iteration: IterationRef


@dataclass(frozen=True)
class Health:
    code: str  # green, amber, red, done
    reason: str
    hidden_conflict: bool = False
    late_stories: tuple[str, ...] = field(default=())

    @property
    def label(self) -> str:
        return HEALTH_LABELS[self.code]

    @property
    def icon(self) -> str:
        return HEALTH_ICONS[self.code]


def dependency_health(
    *,
    state: str,
    needed_by: IterationRef,
    committed: IterationRef | None,
    provider_feature_iteration: IterationRef | None = None,
    provider_stories: Sequence[StoryRef] = (),
    provider_name: str = "the provider",
) -> Health:
    """Health of one dependency on the board (domain.md, "Dependency health")."""
    if state == "delivered":
        return Health(DONE, "Delivered")
    if state == "cancelled":
        return Health(DONE, "Cancelled")
    planned = committed or provider_feature_iteration
    source = "committed" if committed else "planned its feature"
    if planned is None:
        return Health(RED, f"{provider_name} has not planned it yet (needed by {needed_by.name})")
    if planned.pi_id != needed_by.pi_id:
        where = planned.pi_name or "another PI"
        return Health(
            RED,
            f"{provider_name} {source} in another PI ({where}, {planned.name}); needed by {needed_by.name}",
        )
    if planned.is_ip:
        return Health(
            RED,
            f"{provider_name} {source} in the IP iteration, which carries no planned feature "
            f"work; needed by {needed_by.name}",
        )
    if planned.number > needed_by.number:
        return Health(
            RED, f"{provider_name} {source} for {planned.name}, after it is needed ({needed_by.name})"
        )
    late = sorted(
        (s for s in provider_stories if s.iteration.start_date > needed_by.start_date),
        key=lambda s: (s.iteration.start_date, s.key),
    )
    if late:
        names = ", ".join(f"{s.key} in {s.iteration.name}" for s in late[:5])
        more = f" and {len(late) - 5} more" if len(late) > 5 else ""
        return Health(
            RED,
            f"Hidden conflict: {provider_name} {source} for {planned.name}, but its stories "
            f"{names}{more} are placed after {needed_by.name}",
            hidden_conflict=True,
            late_stories=tuple(s.key for s in late),
        )
    if planned.number == needed_by.number:
        return Health(
            AMBER, f"{provider_name} {source} for {planned.name}, the iteration it is needed in: no slack"
        )
    return Health(GREEN, f"{provider_name} {source} for {planned.name}, before {needed_by.name}")


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


# --- ROAM ------------------------------------------------------------------------------------

ROAM_RULE = (
    "Every new risk starts un-ROAMed. Any risk may move to Resolved; Owned, Accepted and Mitigated move "
    "among themselves. Owned and Mitigated need an owner; Mitigated a mitigation plan."
)
_ROAM_MOVES = {
    "unroamed": {"resolved", "owned", "accepted", "mitigated"},
    "owned": {"resolved", "accepted", "mitigated"},
    "accepted": {"resolved", "owned", "mitigated"},
    "mitigated": {"resolved", "owned", "accepted"},
    "resolved": set(),
}


def roam_move_allowed(current: str, target: str) -> bool:
    return target in _ROAM_MOVES.get(current, set())


def roam_refusal(current: str, target: str, *, owner: str = "", mitigation_plan: str = "") -> str | None:
    """Why a risk may not move from `current` to `target`, or None if it may."""
    labels = {
        "unroamed": "Un-ROAMed",
        "resolved": "Resolved",
        "owned": "Owned",
        "accepted": "Accepted",
        "mitigated": "Mitigated",
    }
    if target not in labels:
        return f"roam must be one of {', '.join(labels)}"
    if current == target:
        return None
    if target == "unroamed":
        return "a risk cannot go back to Un-ROAMed"
    if current == "resolved":
        return "a Resolved risk stays resolved: raise a new risk instead"
    if not roam_move_allowed(current, target):
        return f"{labels[current]} cannot move to {labels[target]}"
    if target in ("owned", "mitigated") and not (owner or "").strip():
        return f"{labels[target]} needs an owner"
    if target == "mitigated" and not (mitigation_plan or "").strip():
        return "Mitigated needs a mitigation plan"
    return None


# --- Dependency lifecycle --------------------------------------------------------------------

DEPENDENCY_RULE = (
    "requested → committed (the provider accepts the needed-by iteration or counter-proposes another) → "
    "in progress → delivered; or blocked, or cancelled. Delivered and cancelled ones can be reopened."
)
_DEPENDENCY_MOVES = {
    "requested": {"committed", "blocked", "cancelled"},
    "committed": {"requested", "in_progress", "delivered", "blocked", "cancelled"},
    "in_progress": {"committed", "delivered", "blocked", "cancelled"},
    "blocked": {"requested", "committed", "in_progress", "cancelled"},
    "delivered": {"in_progress"},
    "cancelled": {"requested"},
}
DEPENDENCY_STATE_LABELS = {
    "requested": "Requested",
    "committed": "Committed",
    "in_progress": "In progress",
    "delivered": "Delivered",
    "blocked": "Blocked",
    "cancelled": "Cancelled",
}


def dependency_next_states(current: str) -> list[str]:
    return [s for s in DEPENDENCY_STATE_LABELS if s in _DEPENDENCY_MOVES.get(current, set())]


def dependency_state_refusal(
    current: str, target: str, *, committed_iteration: object | None = None
) -> str | None:
    """Why a dependency may not move from `current` to `target`, or None if it may."""
    if target not in DEPENDENCY_STATE_LABELS:
        return f"state must be one of {', '.join(DEPENDENCY_STATE_LABELS)}"
    if current == target:
        return None
    if target not in _DEPENDENCY_MOVES.get(current, set()):
        return (
            f"a {DEPENDENCY_STATE_LABELS[current].lower()} dependency cannot move to "
            f"{DEPENDENCY_STATE_LABELS[target].lower()}"
        )
    if target in ("committed", "in_progress") and committed_iteration is None:
        return (
            f"{DEPENDENCY_STATE_LABELS[target]} needs a committed iteration (accept the needed-by iteration "
            "or counter-propose another)"
        )
    return None


def dependency_age_days(created_at: dt.datetime, resolved_at: dt.datetime | None, now: dt.datetime) -> int:
    """(resolved_at or now) − created_at in whole days; a resolved dependency keeps its age.
    The rule lives in metrics.calculations; this adapter takes the model's fields."""
    return calc.dependency_age_days(calc.DependencyDates(created_at, resolved_at), now)


#: Open dependencies older than this many days are *aging* (domain.md, product rule).
AGING_AFTER_DAYS = calc.AGING_AFTER_DAYS


def dependency_is_aging(age_days: int, resolved: bool) -> bool:
    """Open and older than 14 whole days (the same rule as metrics.calculations.is_aging)."""
    return not resolved and age_days > AGING_AFTER_DAYS


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
