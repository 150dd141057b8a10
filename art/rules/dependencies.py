"""Dependencies (docs/domain.md, "Dependencies"): their health on the board, their lifecycle,
and their age."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from art.rules.stats import ONE_DAY, round2

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


#: The two sides of a dependency between teams of the train.
REQUESTER, PROVIDER = "requester", "provider"
#: Who moves a dependency into each state, besides the RTE (product rule): the providing team
#: commits (or counter-proposes), starts, delivers and blocks; the requesting team cancels its
#: need; either side may put it back to requested.
STATE_SIDES: dict[str, frozenset[str]] = {
    "committed": frozenset({PROVIDER}),
    "in_progress": frozenset({PROVIDER}),
    "delivered": frozenset({PROVIDER}),
    "blocked": frozenset({PROVIDER}),
    "cancelled": frozenset({REQUESTER}),
    "requested": frozenset({REQUESTER, PROVIDER}),
}
#: Who edits each field, besides the RTE: the requesting team edits its need; the providing
#: team its answer (the iteration it commits to, the feature that delivers it).
FIELD_SIDES: dict[str, frozenset[str]] = {
    "title": frozenset({REQUESTER}),
    "description": frozenset({REQUESTER}),
    "needed_by": frozenset({REQUESTER}),
    "feature": frozenset({REQUESTER}),
    "provider_team": frozenset({REQUESTER}),
    "external_provider": frozenset({REQUESTER}),
    "committed_iteration": frozenset({PROVIDER}),
    "provider_feature": frozenset({PROVIDER}),
    "owner": frozenset({REQUESTER, PROVIDER}),
    "external_key": frozenset({REQUESTER, PROVIDER}),
}
SIDE_NAMES = {REQUESTER: "the requesting team", PROVIDER: "the providing team"}
_STATE_VERBS = {
    "committed": "Committing to it",
    "in_progress": "Starting it",
    "delivered": "Delivering it",
    "blocked": "Blocking it",
    "cancelled": "Cancelling it",
    "requested": "Reopening it",
}


def dependency_sides(
    team_id: int | None, requester_team_id: int | None, provider_team_id: int | None
) -> frozenset[str]:
    """The sides a member of `team_id` takes in a dependency. An external dependency (no
    providing team in the train) is the requesting team's to run on both sides."""
    sides = set()
    if team_id is not None and team_id == requester_team_id:
        sides.add(REQUESTER)
        if provider_team_id is None:
            sides.add(PROVIDER)
    if team_id is not None and team_id == provider_team_id:
        sides.add(PROVIDER)
    return frozenset(sides)


def dependency_side_refusal(
    sides: frozenset[str], *, state: str | None = None, fields: Iterable[str] = (), delete: bool = False
) -> str | None:
    """Why a team on `sides` of a dependency may not move it to `state`, change `fields` or
    delete it (None if it may), in words that name the rule:

    >>> dependency_side_refusal(frozenset({REQUESTER}), state="committed")
    'Committing to it belongs to the providing team (and the RTE)'
    """
    if state is not None and state in STATE_SIDES and not sides & STATE_SIDES[state]:
        owners = " or ".join(SIDE_NAMES[s] for s in sorted(STATE_SIDES[state], reverse=True))
        return f"{_STATE_VERBS[state]} belongs to {owners} (and the RTE)"
    for name in sorted(fields):
        allowed = FIELD_SIDES.get(name, frozenset({REQUESTER, PROVIDER}))
        if not sides & allowed:
            owners = " or ".join(SIDE_NAMES[s] for s in sorted(allowed, reverse=True))
            return f"{name} belongs to {owners} (and the RTE)"
    if delete and REQUESTER not in sides:
        return "Deleting it belongs to the requesting team (and the RTE)"
    return None


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


# --- Dependency age ------------------------------------------------------------------------


@dataclass(frozen=True)
class DependencyDates:
    created_at: datetime
    resolved_at: datetime | None = None


AGING_AFTER_DAYS = 14


def dependency_age_days(dependency: DependencyDates, now: datetime) -> int:
    """(resolved_at or now) − created_at in whole days, rounded down (a resolved dependency
    keeps its age); never below 0."""
    end = dependency.resolved_at or now
    return max((end - dependency.created_at) // ONE_DAY, 0)


def next_age_change(dependency: DependencyDates, now: datetime) -> datetime | None:
    """The moment :func:`dependency_age_days` next moves on (a whole day after the one it
    counted last); None for a resolved dependency, whose age stays."""
    if dependency.resolved_at is not None:
        return None
    return dependency.created_at + (dependency_age_days(dependency, now) + 1) * ONE_DAY


def age_is_aging(age_days: int, *, resolved: bool, aging_after_days: int = AGING_AFTER_DAYS) -> bool:
    """Open and older than ``aging_after_days`` whole days (14 is not aging, 15 is)."""
    return not resolved and age_days > aging_after_days


def is_aging(dependency: DependencyDates, now: datetime, aging_after_days: int = AGING_AFTER_DAYS) -> bool:
    """:func:`age_is_aging` of a dependency's dates: open (no resolved_at) and older than
    ``aging_after_days`` whole days."""
    return age_is_aging(
        dependency_age_days(dependency, now),
        resolved=dependency.resolved_at is not None,
        aging_after_days=aging_after_days,
    )


@dataclass(frozen=True)
class DependencyAgeSummary:
    """Counts, and ages in whole days. ``mean_age`` (2 decimals) and ``max_age`` are over all the
    dependencies given, open and resolved (**decision**: a resolved one keeps its age, so it still
    tells how long dependencies take); ``open_mean_age`` and ``open_max_age`` over the open ones
    only. ``None`` where there is nothing to average."""

    open: int
    resolved: int
    mean_age: float | None
    max_age: int | None
    aging: int
    open_mean_age: float | None
    open_max_age: int | None


def dependency_age_summary(
    dependencies: Iterable[DependencyDates], now: datetime, aging_after_days: int = AGING_AFTER_DAYS
) -> DependencyAgeSummary:
    ages: list[int] = []
    open_ages: list[int] = []
    aging = 0
    for dependency in dependencies:
        age = dependency_age_days(dependency, now)
        ages.append(age)
        if dependency.resolved_at is None:
            open_ages.append(age)
            aging += age_is_aging(age, resolved=False, aging_after_days=aging_after_days)
    return DependencyAgeSummary(
        open=len(open_ages),
        resolved=len(ages) - len(open_ages),
        mean_age=round2(Fraction(sum(ages), len(ages))) if ages else None,
        max_age=max(ages) if ages else None,
        aging=aging,
        open_mean_age=round2(Fraction(sum(open_ages), len(open_ages))) if open_ages else None,
        open_max_age=max(open_ages) if open_ages else None,
    )
