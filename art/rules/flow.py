"""Flow (docs/domain.md, "Flow"): feature states and their categories, flow, lead and cycle
time, velocity, efficiency, distribution, flow load (WIP) and the cumulative flow diagram.

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

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from types import MappingProxyType
from typing import NamedTuple

from art.rules.stats import (
    ONE_DAY,
    Summary,
    days,
    percent,
    summarize,
)

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
    return None if value is None else days(value)


def lead_time_days(feature: FeatureHistory) -> float | None:
    value = lead_time(feature)
    return None if value is None else days(value)


def cycle_time_days(feature: FeatureHistory) -> float | None:
    value = cycle_time(feature)
    return None if value is None else days(value)


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


class FinishedFigures(NamedTuple):
    """A finished feature's own figures: what every figure of the features finished in a window
    (velocity, flow, lead and cycle time, efficiency, distribution) is made of, so that they can
    be computed once per feature and stored (metrics.FinishedFeature holds them, computed here).

    Durations are whole microseconds (``timedelta // 1 µs``: exact), ``None`` where the feature
    has none (:func:`flow_time`, :func:`cycle_time`); ``active_time`` is the time spent in an
    active state within the flow time (:func:`active_time`), ``None`` with it."""

    id: int
    kind: str
    points: int | None
    flow_time: int | None
    lead_time: int
    cycle_time: int | None
    active_time: int | None


def _micro(value: timedelta | None) -> int | None:
    return None if value is None else value // _MICROSECOND


#: A day in microseconds: ``micro / DAY_MICRO`` is the same float as ``timedelta / ONE_DAY``
#: (both divide the two whole numbers of microseconds).
DAY_MICRO = ONE_DAY // _MICROSECOND


def finished_figures(feature: FeatureHistory) -> FinishedFigures | None:
    """The feature's :class:`FinishedFigures`; ``None`` for a feature not done now."""
    lead = lead_time(feature)
    if lead is None:
        return None
    return FinishedFigures(
        feature.id,
        feature.kind,
        feature.points,
        _micro(flow_time(feature)),
        lead // _MICROSECOND,
        _micro(cycle_time(feature)),
        _micro(active_time(feature)),
    )


def finished_figures_in(
    features: Iterable[FeatureHistory], start: datetime, end: datetime
) -> list[FinishedFigures]:
    """:func:`finished_figures` of the features whose done_at falls in ``[start, end)``."""
    return [f for f in map(finished_figures, finished_in(features, start, end)) if f is not None]


def velocity_of(figures: Sequence[FinishedFigures]) -> Velocity:
    """Throughput of these finished features: their number and their points (a feature without
    points counts 0)."""
    return Velocity(count=len(figures), points=sum(f.points or 0 for f in figures))


def flow_velocity(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> Velocity:
    """Throughput: the number and the points (a feature without points counts 0) of features
    whose done_at falls in ``[start, end)``."""
    return velocity_of(finished_figures_in(features, start, end))


def days_of(figures: Iterable[FinishedFigures], figure: str) -> list[float]:
    """One duration (``flow_time``, ``lead_time``, ``cycle_time``) of these finished features
    in days, those without one left out."""
    return [micro / DAY_MICRO for f in figures if (micro := getattr(f, figure)) is not None]


def flow_times(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[float]:
    """Flow times in days of the features finished in the window (those without one left out)."""
    return days_of(finished_figures_in(features, start, end), "flow_time")


def lead_times(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[float]:
    return days_of(finished_figures_in(features, start, end), "lead_time")


def cycle_times(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> list[float]:
    return days_of(finished_figures_in(features, start, end), "cycle_time")


def efficiency_of(figures: Iterable[FinishedFigures]) -> float | None:
    """100 × Σ active time ÷ Σ flow time over these finished features, pooled (not a mean of
    per-feature ratios); ``None`` when there is no flow time to divide by. (The time in each
    state, :func:`time_in_states`, adds up to the flow time.)"""
    active = total = 0
    for f in figures:
        if f.flow_time is not None and f.active_time is not None:
            total += f.flow_time
            active += f.active_time
    return percent(active, total)


def flow_efficiency(features: Iterable[FeatureHistory], start: datetime, end: datetime) -> float | None:
    """100 × Σ active time ÷ Σ flow time over the features finished in ``[start, end)``, pooled
    (not a mean of per-feature ratios). Blocked, ready and awaiting_deploy are waiting. ``None``
    when there is no flow time to divide by."""
    return efficiency_of(finished_figures_in(features, start, end))


@dataclass(frozen=True)
class KindShare:
    """A kind's share of the finished features: ``count`` and ``points`` are percentages (``None``
    when nothing, or no points, finished at all); ``features`` and ``point_total`` the raw sums."""

    count: float | None
    points: float | None
    features: int
    point_total: int


def distribution_of(figures: Sequence[FinishedFigures]) -> dict[str, KindShare]:
    """Share of these finished features by kind, by count and by points. Every kind of
    :data:`FEATURE_KINDS` is in the result (0 where none finished), any other kind found is
    added after them."""
    kinds = list(FEATURE_KINDS) + sorted({f.kind for f in figures} - set(FEATURE_KINDS))
    counts = dict.fromkeys(kinds, 0)
    points = dict.fromkeys(kinds, 0)
    for f in figures:
        counts[f.kind] += 1
        points[f.kind] += f.points or 0
    all_count, all_points = sum(counts.values()), sum(points.values())
    return {
        kind: KindShare(
            count=percent(counts[kind], all_count),
            points=percent(points[kind], all_points),
            features=counts[kind],
            point_total=points[kind],
        )
        for kind in kinds
    }


def flow_distribution(
    features: Iterable[FeatureHistory], start: datetime, end: datetime
) -> dict[str, KindShare]:
    """Share of the features finished in ``[start, end)`` by kind, by count and by points
    (:func:`distribution_of`)."""
    return distribution_of(finished_figures_in(features, start, end))


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
    day like :func:`wip_series`.

    A forward sweep: each stay in a state, from its transition to the next one, adds 1 to that
    state on the days whose end it spans (:func:`stay_days`) and −1 after them, in one array of
    changes per state summed once over the days: O(transitions · log days + days), compared as
    integers (microseconds since the epoch), not as aware datetimes."""
    days = _days_between(start, end)
    ends = end_of_day_ticks(days, tz)
    changes = {state: [0] * (len(days) + 1) for state in FEATURE_STATES}
    for feature in features:
        for state, lo, hi in feature_stays(feature, ends):
            changes[state][lo] += 1
            changes[state][hi] -= 1
    running = dict.fromkeys(FEATURE_STATES, 0)
    result = []
    for i, day in enumerate(days):
        categories = dict.fromkeys(CATEGORIES, 0)
        for state in FEATURE_STATES:
            running[state] += changes[state][i]
            categories[STATE_CATEGORY[state]] += running[state]
        result.append(CfdDay(day, dict(running), categories))
    return result


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def ticks(at: datetime) -> int:
    """An aware datetime as an integer: microseconds since the epoch (ordered as the instants)."""
    return (at - _EPOCH) // _MICROSECOND


def end_of_day_ticks(days: Sequence[date], tz: tzinfo) -> list[int]:
    """The end of each local day (the next local midnight) as :func:`ticks`."""
    return [ticks(_end_of_day(day, tz)) for day in days]


def stay_days(start_at: int, end_at: int | None, ends: Sequence[int]) -> tuple[int, int]:
    """The days ``[lo, hi)`` (indexes into ``ends``, the end-of-day ticks) at whose end a stay in
    a state from ``start_at`` to ``end_at`` (``None``: still there) is in force: those with
    ``start_at < end of day <= end_at``, the state in force just before midnight."""
    lo = bisect_right(ends, start_at)
    hi = len(ends) if end_at is None else bisect_right(ends, end_at)
    return lo, max(lo, hi)


def feature_stays(feature: FeatureHistory, ends: Sequence[int]) -> Iterable[tuple[str, int, int]]:
    """Each stay of the feature in a state as ``(state, lo, hi)``: the days ``[lo, hi)`` at whose
    end it is in force (stays that span no end of day left out)."""
    transitions = feature.transitions
    count = len(transitions)
    next_at = ticks(transitions[0].at) if count else 0
    for index in range(count):
        at = next_at
        next_at = ticks(transitions[index + 1].at) if index + 1 < count else 0
        lo, hi = stay_days(at, next_at if index + 1 < count else None, ends)
        if hi > lo:
            yield transitions[index].state, lo, hi


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


def _by_id(figures: FinishedFigures) -> int:
    return figures.id


def flow_report(
    features: Iterable[FeatureHistory],
    start: date,
    end: date,
    tz: tzinfo,
    *,
    known_load: Mapping[date, int] | None = None,
    known_finished: Sequence[FinishedFigures] | None = None,
) -> FlowReport:
    """Every flow figure for the local dates ``[start, end)`` in the train's time zone ``tz``.

    ``known_load`` gives the end-of-day flow load of some of the days, already known (the
    metrics' stored daily snapshots, which count it by the same rule): the load of the others is
    computed from ``features`` by :func:`wip_series`, over the span of the days not given only.
    ``known_finished`` gives the figures of some of the features finished in the window, already
    computed by :func:`finished_figures` (the metrics' stored ones): those of the others finished
    in it are computed from ``features`` (a feature given in both counts once, as given). The
    features need then be only those finished in the window and not given, and those that can be
    in flow on a day not given."""
    items = list(features)
    lo, hi = day_bounds(start, end, tz)
    finished = list(known_finished or ())
    given = {f.id for f in finished}
    finished += [f for f in finished_figures_in(items, lo, hi) if f.id not in given]
    finished.sort(key=_by_id)  # the same order (the mean's float sum) whoever computed them
    return FlowReport(
        velocity=velocity_of(finished),
        flow_time=summarize(days_of(finished, "flow_time")),
        lead_time=summarize(days_of(finished, "lead_time")),
        cycle_time=summarize(days_of(finished, "cycle_time")),
        efficiency=efficiency_of(finished),
        distribution=distribution_of(finished),
        load=load_series(items, start, end, tz, known_load or {}),
    )


def load_series(
    features: Iterable[FeatureHistory], start: date, end: date, tz: tzinfo, known: Mapping[date, int]
) -> list[WipPoint]:
    """:func:`wip_series` of ``[start, end)``, taking the days of ``known`` from it (their load)
    and computing the others, over the span from the first to the last of them."""
    missing = [day for day in _days_between(start, end) if day not in known]
    computed = {}
    if missing:
        for point in wip_series(features, missing[0], missing[-1] + ONE_DAY, tz):
            computed[point.date] = point.wip
    return [WipPoint(day, known[day] if day in known else computed[day]) for day in _days_between(start, end)]
