"""Railyard's metric calculations: pure, typed functions over plain data.

Nothing here touches Django or the database. Selectors, the nightly snapshot task, the API and
the pages read rows with SQL, turn them into the small frozen dataclasses below and call these
functions, so every figure is computed by one piece of code. The rules are those of
``/work/shared/domain.md`` ("Predictability", "Flow", dependency age, defect escape rate, Monte
Carlo); where the domain is silent the choice made is written in the docstring of the function
that makes it.

Conventions
- Datetimes are timezone-aware. Windows are half-open ``[start, end)``. Where a calendar day is
  needed the caller passes the train's time zone; a day runs from local midnight to the next
  local midnight.
- Percentages are numbers from 0 to 100 (or above where the rule allows) rounded half-up to 2
  decimals, computed exactly (fractions) before rounding; ``None`` where not defined.
- Durations are days with decimals (``timedelta / 1 day``); summaries are rounded to 2 decimals.
- Percentiles are nearest rank: the ⌈p·n⌉-th smallest value. Medians are the usual median.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from fractions import Fraction
from itertools import accumulate
from types import MappingProxyType
from typing import Literal, NamedTuple

# --------------------------------------------------------------------------------------------
# Feature states and their categories (domain.md, "Flow", product rule)
# --------------------------------------------------------------------------------------------

NOT_STARTED = "not_started"
WAITING = "waiting"
ACTIVE = "active"
FINISHED = "finished"
OUT = "out"
CATEGORIES: tuple[str, ...] = (NOT_STARTED, WAITING, ACTIVE, FINISHED, OUT)

STATE_CATEGORY: Mapping[str, str] = MappingProxyType(
    {
        "funnel": NOT_STARTED,
        "analyzing": NOT_STARTED,
        "ready": WAITING,
        "in_progress": ACTIVE,
        "review": ACTIVE,
        "blocked": WAITING,
        "awaiting_deploy": WAITING,
        "done": FINISHED,
        "cancelled": OUT,
    }
)
FEATURE_STATES: tuple[str, ...] = tuple(STATE_CATEGORY)
DONE = "done"
IN_FLOW_CATEGORIES = frozenset({WAITING, ACTIVE})
IN_FLOW_STATES = frozenset(s for s, c in STATE_CATEGORY.items() if c in IN_FLOW_CATEGORIES)
ACTIVE_STATES = frozenset(s for s, c in STATE_CATEGORY.items() if c == ACTIVE)
WAITING_STATES = frozenset(s for s, c in STATE_CATEGORY.items() if c == WAITING)

FEATURE_KINDS: tuple[str, ...] = ("business", "enabler", "defect")

ONE_DAY = timedelta(days=1)
_MICROSECOND = timedelta(microseconds=1)


def state_category(state: str) -> str:
    """The category of a feature state (``not_started``, ``waiting``, ``active``, ``finished``,
    ``out``). Unknown states raise ``ValueError``."""
    try:
        return STATE_CATEGORY[state]
    except KeyError:
        raise ValueError(f"unknown feature state {state!r}") from None


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


class Transition(NamedTuple):
    """A feature entered ``state`` at ``at``. Plain ``(state, at)`` tuples are accepted too."""

    state: str
    at: datetime


@dataclass(frozen=True)
class FeatureHistory:
    """A feature and its state history.

    ``transitions`` are the entries into each state; the first one is the initial state at
    creation. They are sorted by ``at`` here (stably, so rows read ``ORDER BY at, id`` keep their
    order on ties): integrations may back-date transitions, and it is ``at``, not the order in
    which they were recorded, that counts. A feature without transitions has never been in any
    state the flow metrics look at.
    """

    id: int
    kind: str
    points: int | None
    created_at: datetime
    transitions: Sequence[Transition] = ()

    def __post_init__(self) -> None:
        items = tuple(Transition(state, at) for state, at in self.transitions)
        for item in items:
            state_category(item.state)
        object.__setattr__(self, "transitions", tuple(sorted(items, key=lambda t: t.at)))


@dataclass(frozen=True)
class ObjectiveScore:
    """One PI objective: committed or not, planned BV (1–10) and actual BV (0–10, ``None`` while
    not scored)."""

    team_id: int
    committed: bool
    planned_bv: int | None
    actual_bv: int | None


@dataclass(frozen=True)
class DependencyDates:
    created_at: datetime
    resolved_at: datetime | None = None


# --------------------------------------------------------------------------------------------
# Small numeric helpers
# --------------------------------------------------------------------------------------------


def _round2(value: Fraction | int | float) -> float:
    """Round half-up (away from zero) to 2 decimals, exactly."""
    q = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
    scaled = abs(q) * 100
    hundredths = math.floor(scaled + Fraction(1, 2))
    return math.copysign(hundredths / 100, q) if q else 0.0


def _percent(numerator: int, denominator: int) -> float | None:
    """100 × numerator ÷ denominator, rounded to 2 decimals; ``None`` when the denominator is 0."""
    if not denominator:
        return None
    return _round2(Fraction(100 * numerator, denominator))


def _days(delta: timedelta) -> float:
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
    return ordered[_nearest_rank_index(len(ordered), p)]


def _nearest_rank_index(n: int, p: float) -> int:
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
        mean=_round2(sum(items) / len(items)),
        median=_round2(median(items)),  # type: ignore[arg-type]
        p85=_round2(percentile_nearest_rank(items, 85)),  # type: ignore[arg-type]
    )


# --------------------------------------------------------------------------------------------
# Per-feature helpers
# --------------------------------------------------------------------------------------------


def current_state(feature: FeatureHistory) -> str | None:
    """The state the feature is in now (its last transition), ``None`` without history."""
    return feature.transitions[-1].state if feature.transitions else None


def state_at(feature: FeatureHistory, t: datetime, *, inclusive: bool = True) -> str | None:
    """The feature's state at ``t``: that of its last transition at or before ``t`` (strictly
    before ``t`` with ``inclusive=False``, which is how end-of-day snapshots read the state in
    force during the last instant of the day). ``None`` before its first transition."""
    ats = [tr.at for tr in feature.transitions]
    index = bisect_right(ats, t) if inclusive else bisect_left(ats, t)
    return feature.transitions[index - 1].state if index else None


def done_at(feature: FeatureHistory) -> datetime | None:
    """The last entry into ``done`` of a feature that is done now; ``None`` otherwise.

    A feature done, reopened and done again has the later time. Should the history hold two
    ``done`` entries in a row (the database forbids it), the entry is the first of that final run.
    """
    transitions = feature.transitions
    if not transitions or transitions[-1].state != DONE:
        return None
    index = len(transitions) - 1
    while index > 0 and transitions[index - 1].state == DONE:
        index -= 1
    return transitions[index].at


def first_in_flow_at(feature: FeatureHistory) -> datetime | None:
    """The first entry into any in-flow state (ready, in_progress, review, blocked,
    awaiting_deploy); ``None`` if the feature never entered the flow."""
    return next((tr.at for tr in feature.transitions if tr.state in IN_FLOW_STATES), None)


def first_active_at(feature: FeatureHistory) -> datetime | None:
    """The first entry into an active state (in_progress, review); ``None`` if never active."""
    return next((tr.at for tr in feature.transitions if tr.state in ACTIVE_STATES), None)


def created_at(feature: FeatureHistory) -> datetime:
    """When the feature was created, for lead time: ``created_at``, or the first transition where
    a back-dated history starts earlier (**decision**: a back-dated history proves the feature
    existed then, and a lead time shorter than the flow time would make no sense)."""
    if feature.transitions and feature.transitions[0].at < feature.created_at:
        return feature.transitions[0].at
    return feature.created_at


def flow_time(feature: FeatureHistory) -> timedelta | None:
    """done_at − first entry into the flow. ``None`` for a feature not done now, and
    (**decision**) for one that went to done without ever entering the flow (e.g. funnel → done):
    it has no flow time, so it is left out of flow-time figures (it still counts in velocity)."""
    end, start = done_at(feature), first_in_flow_at(feature)
    if end is None or start is None:
        return None
    return end - start


def lead_time(feature: FeatureHistory) -> timedelta | None:
    """done_at − created (see :func:`created_at`); ``None`` for a feature not done now."""
    end = done_at(feature)
    return None if end is None else end - created_at(feature)


def cycle_time(feature: FeatureHistory) -> timedelta | None:
    """done_at − first entry into an active state; ``None`` if not done now or never active."""
    end, start = done_at(feature), first_active_at(feature)
    if end is None or start is None:
        return None
    return end - start


def flow_time_days(feature: FeatureHistory) -> float | None:
    value = flow_time(feature)
    return None if value is None else _days(value)


def lead_time_days(feature: FeatureHistory) -> float | None:
    value = lead_time(feature)
    return None if value is None else _days(value)


def cycle_time_days(feature: FeatureHistory) -> float | None:
    value = cycle_time(feature)
    return None if value is None else _days(value)


def time_in_states(feature: FeatureHistory) -> dict[str, timedelta] | None:
    """Time spent in each state between the first entry into the flow and done_at, measured from
    the transitions; the values add up to the flow time. ``None`` when the feature has no flow
    time. Any time in that span outside an active state counts as not active, including a spell
    in ``done`` before a reopening, or back in the funnel."""
    start, end = first_in_flow_at(feature), done_at(feature)
    if start is None or end is None:
        return None
    spent: dict[str, timedelta] = {}
    transitions = feature.transitions
    for index, (state, at) in enumerate(transitions):
        leaves = transitions[index + 1].at if index + 1 < len(transitions) else end
        lo, hi = max(at, start), min(leaves, end)
        if hi > lo:
            spent[state] = spent.get(state, timedelta()) + (hi - lo)
    return spent


def active_time(feature: FeatureHistory) -> timedelta | None:
    spent = time_in_states(feature)
    if spent is None:
        return None
    return sum((d for s, d in spent.items() if s in ACTIVE_STATES), timedelta())


# --------------------------------------------------------------------------------------------
# Flow over a window
# --------------------------------------------------------------------------------------------


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """The start of ``day`` in the time zone ``tz``."""
    return datetime.combine(day, time(0), tzinfo=tz)


def day_bounds(start: date, end: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The window ``[start, end)`` of local dates as aware datetimes (local midnights)."""
    return local_midnight(start, tz), local_midnight(end, tz)


def finished_in(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[FeatureHistory]:
    """Features done now whose done_at falls in ``[start, end)``."""
    found = []
    for feature in features:
        at = done_at(feature)
        if at is not None and start <= at < end:
            found.append(feature)
    return found


@dataclass(frozen=True)
class Velocity:
    count: int
    points: int


def flow_velocity(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> Velocity:
    """Throughput: the number and the points (a feature without points counts 0) of features
    whose done_at falls in ``[start, end)``."""
    done = finished_in(features, start, end)
    return Velocity(count=len(done), points=sum(f.points or 0 for f in done))


def flow_times(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[float]:
    """Flow times in days of the features finished in the window (those without one left out)."""
    return [d for f in finished_in(features, start, end) if (d := flow_time_days(f)) is not None]


def lead_times(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[float]:
    return [d for f in finished_in(features, start, end) if (d := lead_time_days(f)) is not None]


def cycle_times(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[float]:
    return [d for f in finished_in(features, start, end) if (d := cycle_time_days(f)) is not None]


def flow_efficiency(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> float | None:
    """100 × Σ active time ÷ Σ flow time over the features finished in ``[start, end)``, pooled
    (not a mean of per-feature ratios). Blocked, ready and awaiting_deploy are waiting. ``None``
    when there is no flow time to divide by."""
    active = total = 0
    for feature in finished_in(features, start, end):
        spent = time_in_states(feature)
        if spent is None:
            continue
        for state, duration in spent.items():
            micro = duration // _MICROSECOND
            total += micro
            if state in ACTIVE_STATES:
                active += micro
    return _percent(active, total)


@dataclass(frozen=True)
class KindShare:
    """A kind's share of the finished features: ``count`` and ``points`` are percentages (``None``
    when nothing, or no points, finished at all); ``features`` and ``point_total`` the raw sums."""

    count: float | None
    points: float | None
    features: int
    point_total: int


def flow_distribution(
    features: Iterable[FeatureHistory], start: datetime, end: datetime
) -> dict[str, KindShare]:
    """Share of the features finished in ``[start, end)`` by kind, by count and by points. Every
    kind of :data:`FEATURE_KINDS` is in the result (0 where none finished), any other kind found
    is added after them."""
    done = finished_in(features, start, end)
    kinds = list(FEATURE_KINDS) + sorted({f.kind for f in done} - set(FEATURE_KINDS))
    counts = dict.fromkeys(kinds, 0)
    points = dict.fromkeys(kinds, 0)
    for feature in done:
        counts[feature.kind] += 1
        points[feature.kind] += feature.points or 0
    all_count, all_points = sum(counts.values()), sum(points.values())
    return {
        kind: KindShare(
            count=_percent(counts[kind], all_count),
            points=_percent(points[kind], all_points),
            features=counts[kind],
            point_total=points[kind],
        )
        for kind in kinds
    }


# --------------------------------------------------------------------------------------------
# Flow load (WIP) and the cumulative flow diagram
# --------------------------------------------------------------------------------------------


def is_in_flow(state: str | None) -> bool:
    return state is not None and state in IN_FLOW_STATES


def wip_at(features: Iterable[FeatureHistory], t: datetime) -> int:
    """Flow load at ``t``: the features in an in-flow state at ``t`` (transitions at ``t``
    included).

    **Decision** (domain.md: "entered the flow at or before t and were not done at t"): a feature
    is counted while its state at ``t`` is in flow. So a feature done and then reopened counts
    again while reopened; a cancelled feature leaves WIP at its cancellation; and one sent back
    to the funnel or to analyzing leaves WIP too (it left the flow) until it re-enters it.
    """
    return sum(1 for f in features if is_in_flow(state_at(f, t)))


def _end_of_day(day: date, tz: tzinfo) -> datetime:
    return local_midnight(day + ONE_DAY, tz)


def _days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


@dataclass(frozen=True)
class WipPoint:
    date: date
    wip: int


def wip_series(features: Iterable[FeatureHistory], start: date, end: date, tz: tzinfo) -> list[WipPoint]:
    """End-of-day flow load for each local day ``start`` ≤ d < ``end``. End of day is the next
    local midnight; the state counted is the one in force just before it (a transition exactly at
    midnight belongs to the next day, as in the half-open windows of flow velocity)."""
    return [
        WipPoint(p.date, p.categories[WAITING] + p.categories[ACTIVE])
        for p in cumulative_flow(features, start, end, tz)
    ]


@dataclass(frozen=True)
class CfdDay:
    """A day of the cumulative flow diagram: features per state and per category at end of day
    (every state and category present, 0 where none). Features not yet created are not counted."""

    date: date
    states: dict[str, int]
    categories: dict[str, int]


def cumulative_flow(features: Iterable[FeatureHistory], start: date, end: date, tz: tzinfo) -> list[CfdDay]:
    """Cumulative flow diagram data for each local day ``start`` ≤ d < ``end``, read at end of
    day like :func:`wip_series`."""
    items = list(features)
    days = _days_between(start, end)
    ends = [_end_of_day(day, tz) for day in days]
    per_day = [dict.fromkeys(FEATURE_STATES, 0) for _ in days]
    for feature in items:
        ats = [tr.at for tr in feature.transitions]
        for i, eod in enumerate(ends):
            index = bisect_left(ats, eod)
            if index:
                per_day[i][feature.transitions[index - 1].state] += 1
    result = []
    for day, states in zip(days, per_day, strict=True):
        categories = dict.fromkeys(CATEGORIES, 0)
        for state, n in states.items():
            categories[STATE_CATEGORY[state]] += n
        result.append(CfdDay(day, states, categories))
    return result


# --------------------------------------------------------------------------------------------
# All flow figures of a window, as the API's metrics/flow view shows them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowReport:
    velocity: Velocity
    flow_time: Summary
    lead_time: Summary
    cycle_time: Summary
    efficiency: float | None
    distribution: dict[str, KindShare]
    load: list[WipPoint]


def flow_report(features: Iterable[FeatureHistory], start: date, end: date, tz: tzinfo) -> FlowReport:
    """Every flow figure for the local dates ``[start, end)`` in the train's time zone ``tz``."""
    items = list(features)
    lo, hi = day_bounds(start, end, tz)
    return FlowReport(
        velocity=flow_velocity(items, lo, hi),
        flow_time=summarize(flow_times(items, lo, hi)),
        lead_time=summarize(lead_times(items, lo, hi)),
        cycle_time=summarize(cycle_times(items, lo, hi)),
        efficiency=flow_efficiency(items, lo, hi),
        distribution=flow_distribution(items, lo, hi),
        load=wip_series(items, start, end, tz),
    )


# --------------------------------------------------------------------------------------------
# Predictability (ART Predictability Measure)
# --------------------------------------------------------------------------------------------

PredictabilityStatus = Literal["ok", "n/a", "not scored"]


@dataclass(frozen=True)
class PredictabilityResult:
    """``planned``: Σ planned BV of the committed objectives. ``actual``: Σ actual BV of all the
    objectives scored so far (partial while ``unscored`` > 0). ``percent``: 100 × actual ÷ planned
    rounded to 2 decimals, uncapped; ``None`` unless ``status`` is ``"ok"``."""

    planned: int
    actual: int
    percent: float | None
    status: PredictabilityStatus
    unscored: int = 0


def predictability(objectives: Iterable[ObjectiveScore]) -> PredictabilityResult:
    """Predictability of a set of objectives: one team's for a PI, or (the same formula over all
    the teams' objectives) the train's: 100 × Σ actual BV of **all** objectives ÷ Σ planned BV of
    the **committed** ones. Never capped. Example: committed 8→8, 5→3, 2→2 and uncommitted 3→3 →
    100 × 16/15 = 106.67.

    Status, in this order:
    - ``"n/a"`` when the committed objectives have no planned BV (none committed, or no
      objective at all): there is nothing to divide by;
    - ``"not scored"`` (**decision**) when any objective, committed or not, has no actual BV
      yet, or a committed one has no planned BV: the percentage is withheld (``None``) rather
      than computed on part of the objectives, which would understate (or, for a missing planned
      BV, overstate) it and then jump once scoring ends. ``actual`` then holds the sum scored so
      far and ``unscored`` how many objectives are missing a score;
    - ``"ok"`` otherwise.
    """
    planned = actual = unscored = 0
    for objective in objectives:
        if objective.committed and objective.planned_bv is not None:
            planned += objective.planned_bv
        if objective.actual_bv is not None:
            actual += objective.actual_bv
        if objective.actual_bv is None or (objective.committed and objective.planned_bv is None):
            unscored += 1
    if not planned:
        return PredictabilityResult(planned, actual, None, "n/a", unscored)
    if unscored:
        return PredictabilityResult(planned, actual, None, "not scored", unscored)
    return PredictabilityResult(planned, actual, _percent(actual, planned), "ok", 0)


@dataclass(frozen=True)
class TrainPredictability:
    train: PredictabilityResult
    teams: dict[int, PredictabilityResult] = field(default_factory=dict)


def train_predictability(objectives: Iterable[ObjectiveScore]) -> TrainPredictability:
    """The train's predictability for a PI and each team's (keyed by team id, in order of first
    appearance). The train % is 100 × Σ actual over all teams ÷ Σ committed planned over all teams
    (a sum, not the mean of team percentages; a team that is n/a still adds its actual BV); the
    train is ``"not scored"`` while any of its objectives is."""
    items = list(objectives)
    by_team: dict[int, list[ObjectiveScore]] = {}
    for objective in items:
        by_team.setdefault(objective.team_id, []).append(objective)
    return TrainPredictability(
        train=predictability(items),
        teams={team: predictability(group) for team, group in by_team.items()},
    )


# --------------------------------------------------------------------------------------------
# Dependency age
# --------------------------------------------------------------------------------------------

AGING_AFTER_DAYS = 14


def dependency_age_days(dependency: DependencyDates, now: datetime) -> int:
    """(resolved_at or now) − created_at in whole days, rounded down (a resolved dependency
    keeps its age); never below 0."""
    end = dependency.resolved_at or now
    return max((end - dependency.created_at) // ONE_DAY, 0)


def is_aging(dependency: DependencyDates, now: datetime, aging_after_days: int = AGING_AFTER_DAYS) -> bool:
    """Open and older than ``aging_after_days`` whole days (14 is not aging, 15 is)."""
    return dependency.resolved_at is None and dependency_age_days(dependency, now) > aging_after_days


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
            aging += age > aging_after_days
    return DependencyAgeSummary(
        open=len(open_ages),
        resolved=len(ages) - len(open_ages),
        mean_age=_round2(Fraction(sum(ages), len(ages))) if ages else None,
        max_age=max(ages) if ages else None,
        aging=aging,
        open_mean_age=_round2(Fraction(sum(open_ages), len(open_ages))) if open_ages else None,
        open_max_age=max(open_ages) if open_ages else None,
    )


# --------------------------------------------------------------------------------------------
# Defect escape rate
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EscapeRate:
    defects: int
    escaped: int
    percent: float | None


def defect_escape_rate(found_after_release: Iterable[bool]) -> EscapeRate:
    """Defects found after release ÷ all defects, as a percentage. The input has one flag per
    defect (features of kind ``defect`` in the period): ``True`` if it was found after release.
    ``percent`` is ``None`` when there are no defects."""
    flags = [bool(flag) for flag in found_after_release]
    escaped = sum(flags)
    return EscapeRate(defects=len(flags), escaped=escaped, percent=_percent(escaped, len(flags)))


# --------------------------------------------------------------------------------------------
# Monte Carlo forecasts
# --------------------------------------------------------------------------------------------

HISTORY_DAYS = 90
MIN_HISTORY_DAYS = 10
DEFAULT_TRIALS = 10_000
MAX_FORECAST_DAYS = 3650
CONFIDENCES: tuple[int, ...] = (50, 85, 95)
_CHUNK = 1 << 20


class ForecastError(ValueError):
    """The history cannot support a forecast; the message says why, for the user."""


def daily_throughput_history(
    done_ats: Iterable[datetime],
    today: date,
    tz: tzinfo,
    *,
    first_done_on: date | None = None,
    days: int = HISTORY_DAYS,
) -> list[int]:
    """Features finished per local day (days with 0 included), oldest first, over the last
    ``days`` full days (yesterday back), or from the day of the train's first finished feature
    where that is more recent. ``done_ats`` are the done_at of the train's features; ``today`` is
    today's date in ``tz``; finishes today or later are ignored (today is not a full day).
    ``first_done_on`` is the local date of the train's first finished feature: pass it when
    ``done_ats`` was cut to the recent days, otherwise it is taken from ``done_ats``. No finished
    feature at all gives an empty history."""
    local_days = [at.astimezone(tz).date() for at in done_ats]
    first = first_done_on if first_done_on is not None else min(local_days, default=None)
    if first is None:
        return []
    start = max(today - timedelta(days=days), first)
    if start >= today:
        return []
    counts = [0] * (today - start).days
    for day in local_days:
        if start <= day < today:
            counts[(day - start).days] += 1
    return counts


def check_history(history: Sequence[int]) -> None:
    """Refuse a history that cannot support a forecast (``ForecastError``)."""
    if any(value < 0 for value in history):
        raise ValueError("daily throughput cannot be negative")
    if len(history) < MIN_HISTORY_DAYS:
        raise ForecastError(
            f"A forecast needs at least {MIN_HISTORY_DAYS} days of throughput history; "
            f"there {'is' if len(history) == 1 else 'are'} {len(history)}."
        )
    if not any(history):
        raise ForecastError(
            f"No feature was finished in the {len(history)} days of history: nothing to forecast from."
        )


def _sampler(history: Sequence[int], rng: random.Random) -> Callable[[int], Sequence[int]]:
    """A function drawing ``count`` days uniformly with replacement from ``history``.

    Fast path (daily throughputs below 256 and at most 256 days, i.e. every real train): random
    bytes mapped onto the history with ``bytes.translate``, the bytes that would bias the draw
    (those ≥ the largest multiple of len(history) below 256) being rejected; all of it runs in C.
    Otherwise ``rng.choices``."""
    n = len(history)
    if n <= 256 and max(history) <= 255:
        accepted = (256 // n) * n
        table = bytes(history[b % n] if b < accepted else 0 for b in range(256))
        rejected = bytes(range(accepted, 256))

        def draw_bytes(count: int) -> bytes:
            out = b""
            while len(out) < count:
                missing = count - len(out)
                raw = rng.randbytes(missing * 256 // accepted + 64)
                out += raw.translate(table, rejected)
            return out[:count]

        return draw_bytes

    population = list(history)

    def draw_list(count: int) -> list[int]:
        return rng.choices(population, k=count)

    return draw_list


def simulate_items_in_days(
    history: Sequence[int], days: int, trials: int = DEFAULT_TRIALS, seed: int | None = None
) -> list[int]:
    """Items finished in each trial of ``days`` sampled days (the raw trial results)."""
    check_history(history)
    if days < 1:
        raise ValueError("days must be at least 1")
    if days > MAX_FORECAST_DAYS:
        raise ForecastError(f"A forecast reaches at most {MAX_FORECAST_DAYS} days ahead.")
    if trials < 1:
        raise ValueError("trials must be at least 1")
    draw = _sampler(history, random.Random(seed))
    results: list[int] = []
    batch = max(1, _CHUNK // days)
    while len(results) < trials:
        size = min(batch, trials - len(results))
        stream = draw(size * days)
        results.extend(sum(stream[i : i + days]) for i in range(0, size * days, days))
    return results


def simulate_days_for_items(
    history: Sequence[int], items: int, trials: int = DEFAULT_TRIALS, seed: int | None = None
) -> list[int]:
    """Days needed in each trial to finish ``items`` items, adding sampled days until the sum
    reaches ``items`` (the raw trial results). Refused (``ForecastError``) when at the history's
    mean throughput it would take more than ``MAX_FORECAST_DAYS`` days."""
    check_history(history)
    if items < 1:
        raise ValueError("items must be at least 1")
    if trials < 1:
        raise ValueError("trials must be at least 1")
    expected = items * len(history) / sum(history)
    if expected > MAX_FORECAST_DAYS:
        raise ForecastError(
            f"At the recorded throughput {items} items would take about {round(expected)} days, "
            f"beyond the {MAX_FORECAST_DAYS} days a forecast reaches."
        )
    draw = _sampler(history, random.Random(seed))
    chunk = min(_CHUNK, max(1024, int(expected * trials * 1.1)))
    results: list[int] = []
    days, needed = 0, items
    # One long stream of sampled days, cut into trials: each trial takes days from the stream
    # until its sum reaches `items`. Cumulative sums make the cut a binary search.
    while True:
        acc = list(accumulate(draw(chunk)))
        pos, base, end = 0, 0, len(acc)
        while True:
            j = bisect_left(acc, base + needed, pos)
            if j == end:  # the trial goes on in the next chunk
                days += end - pos
                needed -= acc[-1] - base
                break
            results.append(days + j - pos + 1)
            if len(results) == trials:
                return results
            days, needed, base, pos = 0, items, acc[j], j + 1


def _percentiles(samples: Sequence[int], ranks: dict[int, float]) -> dict[int, int]:
    ordered = sorted(samples)
    return {key: ordered[_nearest_rank_index(len(ordered), p)] for key, p in ranks.items()}


@dataclass(frozen=True)
class DaysForecast:
    """When will ``items`` be done: ``days[c]`` is the number of days within which they are done
    with c % confidence (the c-th percentile of the trials, nearest rank)."""

    items: int
    days: dict[int, int]
    history_days: int
    trials: int


@dataclass(frozen=True)
class ItemsForecast:
    """How many items in ``days`` days: ``items[c]`` are done with c % confidence (the
    (100 − c)-th percentile of the trials, nearest rank)."""

    days: int
    items: dict[int, int]
    history_days: int
    trials: int


def forecast_days_for_items(
    history: Sequence[int],
    k: int,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    confidences: Sequence[int] = CONFIDENCES,
) -> DaysForecast:
    """Monte Carlo "when will K items be done": per trial add days sampled uniformly with
    replacement from ``history`` until K; report the 50/85/95th percentiles of days (nearest
    rank). ``history`` is a daily throughput series (see :func:`daily_throughput_history`);
    refused with ``ForecastError`` when shorter than 10 days or all zeros. Same seed, same
    answer."""
    samples = simulate_days_for_items(history, k, trials, seed)
    return DaysForecast(k, _percentiles(samples, {c: c for c in confidences}), len(history), trials)


def forecast_items_in_days(
    history: Sequence[int],
    d: int,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    confidences: Sequence[int] = CONFIDENCES,
) -> ItemsForecast:
    """Monte Carlo "how many items in D days": per trial sum D days sampled uniformly with
    replacement from ``history``; the c % answer is the (100 − c)-th percentile (85 % → p15),
    nearest rank. Refusals and seeding as :func:`forecast_days_for_items`."""
    samples = simulate_items_in_days(history, d, trials, seed)
    return ItemsForecast(d, _percentiles(samples, {c: 100 - c for c in confidences}), len(history), trials)
