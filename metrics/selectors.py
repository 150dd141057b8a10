"""Reads of the metrics, shared by the pages, the API and the nightly task.

Each selector reads what a rule of art/rules/ needs in a fixed number of queries
(never one per row, team or PI) and hands it to that rule: the rules themselves live only in
art/rules/. Two kinds of reads:

- *Inputs for a Python rule* (percentiles, Monte Carlo, predictability's statuses): one query
  for the features and one for their transitions, or one query of the few columns a rule
  needs (objectives, dependency dates, done_at).
- *Daily aggregates* (the nightly snapshots' counts per state, team and day): one query of the
  train's transitions and one of its dependencies, swept forward once. They are the daily form of
  rules.flow.cumulative_flow / flow_velocity and rules.dependencies.is_aging, and tests check
  that they agree with those functions on the same data.

Dates are local dates in the train's time zone (ReleaseTrain.time_zone); a day runs from local
midnight to the next local midnight, windows are half-open [start, end).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, IntegerField, Max, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from art import rules
from art.models import Feature, FeatureState, FeatureTransition, Iteration, ProgramIncrement, ReleaseTrain
from art.selectors.flow import (  # the flow histories' one home, shared with the ART Kanban
    done_features,
    features_with_last_transition,
    finished_features,
    histories,
)
from metrics.models import FinishedFeature, MetricSnapshot, RecomputeRun
from metrics.staleness import Staleness, stale_snapshots
from metrics.staleness import last_done_run as last_done_run  # for selectors.last_done_run
from pi_planning.models import Dependency, Objective

ONE_DAY = dt.timedelta(days=1)


def train_today(train: ReleaseTrain) -> dt.date:
    """Today's date in the train's time zone."""
    return timezone.localdate(timezone=train.tz)


# --------------------------------------------------------------------------------------------
# Features and their histories
# --------------------------------------------------------------------------------------------


def features_touching(train: ReleaseTrain, lo: dt.datetime, hi: dt.datetime) -> QuerySet[Feature]:
    """Features that can count in any flow figure of the window [lo, hi): with a transition
    before hi, and not out of the flow for the whole window (a feature whose last transition is
    before lo and not into an in-flow state neither finishes in the window nor is in WIP)."""
    return features_with_last_transition(train).filter(_touching(lo, hi))


def _touching(lo: dt.datetime, hi: dt.datetime) -> Q:
    """features_touching's condition, on features annotated with their last transition."""
    in_flow = sorted(rules.flow.IN_FLOW_STATES)
    return Q(Exists(FeatureTransition.objects.filter(feature=OuterRef("pk"), at__lt=hi))) & (
        Q(last_at__gte=lo) | Q(last_state__in=in_flow)
    )


def train_flow(
    *, train: ReleaseTrain, start: dt.date, end: dt.date, stored: bool = True
) -> rules.flow.FlowReport:
    """Every flow figure of the train for the local dates [start, end) (API metrics/flow).

    The load (end-of-day WIP) of the days whose stored snapshot is fresh is read from the
    snapshots (stored_load: one row a day instead of every transition of every feature in flow);
    that of the others (today, days changed since the last recompute, days never stored) is
    computed from the transitions of the features that can be in flow on them. The figures of
    the features finished in the window are read from their stored rows (stored_finished: one
    small row a feature instead of its history), and computed from the transitions for those
    changed since the last recompute (changed_features). `stored=False` computes everything from
    the transitions (the same figures: tests compare them). At most nine queries."""
    lo, hi = rules.flow.day_bounds(start, end, train.tz)
    staleness = stale_snapshots(train=train) if stored else None
    known = stored_load(train=train, start=start, end=end, staleness=staleness) if stored else {}
    finished = stored_finished(train=train, lo=lo, hi=hi, staleness=staleness) if stored else None
    missing = [d for d in (start + dt.timedelta(days=i) for i in range((end - start).days)) if d not in known]
    wanted = Q(last_state=FeatureState.DONE, last_at__gte=lo, last_at__lt=hi)  # finished in the window
    if finished is not None and staleness is not None and staleness.checked_at is not None:
        wanted &= Q(pk__in=changed_features(train=train, since=staleness.checked_at))
    if missing:
        wanted |= _touching(*rules.flow.day_bounds(missing[0], missing[-1] + ONE_DAY, train.tz))
    items, _ = histories(features_with_last_transition(train).filter(wanted))
    return rules.flow.flow_report(items, start, end, train.tz, known_load=known, known_finished=finished)


def stored_load(
    *, train: ReleaseTrain, start: dt.date, end: dt.date, staleness: Staleness | None = None
) -> dict[dt.date, int]:
    """The end-of-day flow load (waiting + active) of the days of [start, end) whose stored
    snapshot (the train's row) is fresh: stored by a finished recompute, and before the first day
    changed since it started (stale_snapshots, unless given: a back-dated move or import makes
    the days from its date stale until the next recompute). At most five queries."""
    until = (staleness or stale_snapshots(train=train)).fresh_until
    if until is None or until <= start:
        return {}
    rows = MetricSnapshot.objects.filter(
        train=train, team__isnull=True, day__gte=start, day__lt=min(end, until)
    ).values_list("day", "waiting", "active")
    return {day: waiting + active for day, waiting, active in rows}


def changed_features(*, train: ReleaseTrain, since: dt.datetime) -> QuerySet[Any]:
    """The ids of the train's features whose own flow figures may have changed since `since`,
    as a subquery: those with a transition recorded since (back-dated ones included). The others
    keep the figures the recompute that started at `since` stored (FinishedFeature), as long as
    nothing undated changed (stale_snapshots' `full`: a feature's kind or points edited, a
    transition restored, a feature deleted)."""
    return FeatureTransition.objects.filter(feature__train=train, recorded_at__gte=since).values("feature_id")


def features_changed(*, train: ReleaseTrain, since: dt.datetime) -> bool:
    """Whether the own flow figures of any of the train's features may have changed since
    `since`: a transition recorded since, or a feature or a transition created, edited, deleted
    or restored since (its ChangeRecord). Two queries at most."""
    from django.contrib.contenttypes.models import ContentType

    from art.models import ChangeRecord

    if changed_features(train=train, since=since).exists():
        return True
    types = ContentType.objects.get_for_models(Feature, FeatureTransition)
    return ChangeRecord.objects.filter(
        train_id=train.pk, at__gte=since, content_type__in=list(types.values())
    ).exists()


#: The columns of FinishedFeature in the order of rules.flow.FinishedFigures.
_FINISHED_COLUMNS = ("feature_id", "kind", "points", "flow_time", "lead_time", "cycle_time", "active_time")


def stored_finished(
    *, train: ReleaseTrain, lo: dt.datetime, hi: dt.datetime, staleness: Staleness | None = None
) -> list[rules.flow.FinishedFigures] | None:
    """The stored figures (FinishedFeature) of the train's features finished in [lo, hi), but
    for those changed since the last finished recompute (changed_features): their figures are
    to be computed. None when the stored figures cannot be trusted at all (no finished recompute
    stored them, or something changed since that no feature dates: stale_snapshots' `full`).
    One query (and those of stale_snapshots, unless given)."""
    staleness = staleness or stale_snapshots(train=train)
    if staleness.full or not staleness.figures or staleness.checked_at is None:
        return None
    rows = (
        FinishedFeature.objects.filter(feature__train=train, done_at__gte=lo, done_at__lt=hi)
        .exclude(feature_id__in=changed_features(train=train, since=staleness.checked_at))
        .values_list(*_FINISHED_COLUMNS)
    )
    make = rules.flow.FinishedFigures._make
    return [make(row) for row in rows]


# --------------------------------------------------------------------------------------------
# Predictability
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamPredictability:
    team_id: int
    name: str
    result: rules.predictability.PredictabilityResult


@dataclass(frozen=True)
class PIPredictability:
    pi_id: int
    name: str
    start_date: dt.date
    end_date: dt.date
    state: str
    result: rules.predictability.PredictabilityResult
    teams: list[TeamPredictability]


def _predictability(
    pis: Iterable[ProgramIncrement], objectives: QuerySet[Objective]
) -> list[PIPredictability]:
    rows = objectives.values_list("pi_id", "team_id", "team__name", "committed", "planned_bv", "actual_bv")
    by_pi: dict[int, list[rules.predictability.ObjectiveScore]] = defaultdict(list)
    names: dict[int, str] = {}
    for pi_id, team_id, team_name, committed, planned, actual in rows:
        by_pi[pi_id].append(rules.predictability.ObjectiveScore(team_id, committed, planned, actual))
        names[team_id] = team_name
    result = []
    for pi in pis:
        figures = rules.predictability.train_predictability(by_pi.get(pi.pk, []))
        teams = sorted(
            (TeamPredictability(team_id, names[team_id], r) for team_id, r in figures.teams.items()),
            key=lambda t: (t.name.lower(), t.team_id),
        )
        result.append(
            PIPredictability(pi.pk, pi.name, pi.start_date, pi.end_date, pi.state, figures.train, teams)
        )
    return result


def predictability_for_pi(*, pi: ProgramIncrement) -> PIPredictability:
    """The train's and each team's predictability in one PI (teams with objectives in it, by
    name): one query."""
    return _predictability([pi], Objective.objects.filter(pi=pi))[0]


def predictability_for_train(*, train: ReleaseTrain) -> list[PIPredictability]:
    """predictability_for_pi for every PI of the train, oldest first: two queries."""
    pis = list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))
    return _predictability(pis, Objective.objects.filter(pi__train=train))


# --------------------------------------------------------------------------------------------
# Dependency age
# --------------------------------------------------------------------------------------------


def dependency_dates(
    *, train: ReleaseTrain, pi: ProgramIncrement | None = None
) -> list[rules.dependencies.DependencyDates]:
    queryset = Dependency.objects.filter(pi__train=train)
    if pi is not None:
        queryset = queryset.filter(pi=pi)
    return [
        rules.dependencies.DependencyDates(c, r) for c, r in queryset.values_list("created_at", "resolved_at")
    ]


def dependency_age(
    *, train: ReleaseTrain, pi: ProgramIncrement | None = None, now: dt.datetime | None = None
) -> rules.dependencies.DependencyAgeSummary:
    """Open and resolved counts, mean and max age, aging count of the train's dependencies (or
    one PI's): one query."""
    return rules.dependencies.dependency_age_summary(
        dependency_dates(train=train, pi=pi), now or timezone.now()
    )


# --------------------------------------------------------------------------------------------
# Forecast inputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ThroughputHistory:
    """Features finished per local day, oldest first, ending yesterday (rules.forecast.
    daily_throughput_history): `counts[i]` is the count of `start + i days`."""

    today: dt.date
    counts: list[int]

    @property
    def start(self) -> dt.date:
        return self.today - dt.timedelta(days=len(self.counts))

    @property
    def end(self) -> dt.date:
        """The last day of the history: yesterday."""
        return self.today - ONE_DAY

    @property
    def days(self) -> list[tuple[dt.date, int]]:
        return [(self.start + dt.timedelta(days=i), n) for i, n in enumerate(self.counts)]


def throughput_history(*, train: ReleaseTrain, today: dt.date | None = None) -> ThroughputHistory:
    """The daily throughput a Monte Carlo forecast samples from: the last 90 full days, or from
    the day of the train's first finished feature where that is more recent. Two queries: the
    first done_at, and the done_at of the recent days."""
    tz = train.tz
    today = today or train_today(train)
    first = done_features(train).aggregate(first=Min("last_at"))["first"]  # type: ignore[misc]
    first_day = first.astimezone(tz).date() if first else None
    since = rules.flow.local_midnight(today - dt.timedelta(days=rules.forecast.HISTORY_DAYS), tz)
    recent = finished_features(train, since, rules.flow.local_midnight(today, tz))
    done_ats = list(recent.values_list("last_at", flat=True)) if first else []  # type: ignore[misc]
    return ThroughputHistory(
        today, rules.forecast.daily_throughput_history(done_ats, today, tz, first_done_on=first_day)
    )


def remaining_features(*, pi: ProgramIncrement) -> int:
    """Features of a PI neither done nor cancelled: what is left to finish."""
    return (
        Feature.objects.filter(pi=pi).exclude(state__in=[FeatureState.DONE, FeatureState.CANCELLED]).count()
    )


def current_pi(*, train: ReleaseTrain) -> ProgramIncrement | None:
    """The PI being executed, else the next in planning, else the latest: one query."""
    pis = list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))
    for state in (ProgramIncrement.State.EXECUTING, ProgramIncrement.State.PLANNING):
        found = [pi for pi in pis if pi.state == state]
        if found:
            return found[0]
    return pis[-1] if pis else None


# --------------------------------------------------------------------------------------------
# Snapshot figures: set-based SQL, one statement per batch of days
# --------------------------------------------------------------------------------------------


@dataclass
class DayFigures:
    """One (day, team) cell of the snapshots: features per category at end of day, finished
    that day, open and aging dependencies at end of day."""

    categories: dict[str, int] = field(default_factory=lambda: dict.fromkeys(rules.flow.CATEGORIES, 0))
    throughput_count: int = 0
    throughput_points: int = 0
    open_dependencies: int = 0
    aging_dependencies: int = 0

    def add(self, other: DayFigures) -> None:
        for key, n in other.categories.items():
            self.categories[key] += n
        self.throughput_count += other.throughput_count
        self.throughput_points += other.throughput_points
        self.open_dependencies += other.open_dependencies
        self.aging_dependencies += other.aging_dependencies

    @property
    def wip(self) -> int:
        return self.categories[rules.flow.WAITING] + self.categories[rules.flow.ACTIVE]


def snapshot_figures(
    *, train: ReleaseTrain, days: Sequence[dt.date]
) -> dict[tuple[int, int | None], DayFigures]:
    """The snapshot figures of the given local days (ascending), per (index of the day, team
    id): team None holds the features without a team (the train's row adds every team to it).

    Three queries (the features whose last transition is before the first day, counted per team
    and state: in it on every day; the transitions of the others with their feature's team and
    points; the train's dependencies) and one forward pass over each, as
    rules.flow.cumulative_flow does: every stay in a state adds 1 to the days at whose end it is
    in force and −1 after them, summed once over the days. Linear in the history read:
    O(rows · log days + days · teams), where the rows are those of the features moved from the
    first day on (all of them for the whole history, the few moved lately for the last days).
    A feature whose last transition is into `done` is done now and that transition is its
    done_at: it counts in that day's throughput (rules.flow.flow_velocity). Dependencies count
    for their requester team (the team that waits for them) while open at end of day, and are
    *aging* once more than 14 whole days old (rules.dependencies.is_aging: created at least 15
    days before the end of the day)."""
    figures: dict[tuple[int, int | None], DayFigures] = defaultdict(DayFigures)
    if not days:
        return figures
    tz, n = train.tz, len(days)
    ends = rules.flow.end_of_day_ticks(days, tz)
    starts = [rules.flow.ticks(rules.flow.local_midnight(day, tz)) for day in days]
    changes: dict[tuple[int | None, str], list[int]] = defaultdict(lambda: [0] * (n + 1))
    # A feature whose last transition is before the first day is in that state at the end of
    # every day: counted per (team, state) in SQL rather than swept (an incremental recompute's
    # few days need only the features moved since, whatever the length of the history).
    first_start = rules.flow.local_midnight(days[0], tz)
    moved_since = FeatureTransition.objects.filter(feature__train=train, at__gte=first_start).values(
        "feature_id"
    )
    settled = (
        features_with_last_transition(train)
        .filter(last_state__isnull=False)  # type: ignore[misc]
        .exclude(pk__in=moved_since)
        .order_by()
        .values_list("team_id", "last_state")
        .annotate(count=Count("pk"))
    )
    for team, state, count in settled:
        changes[(team, state)][0] += count
        changes[(team, state)][n] -= count
    transitions = (
        FeatureTransition.objects.filter(feature__train=train, feature__in=moved_since)
        .order_by("feature_id", "at", "id")
        .values_list("feature_id", "feature__team_id", "feature__points", "to_state", "at")
    )
    rows = [(fid, team, points, state, rules.flow.ticks(at)) for fid, team, points, state, at in transitions]
    for index, (fid, team, points, state, at) in enumerate(rows):
        last = index + 1 == len(rows) or rows[index + 1][0] != fid
        lo, hi = rules.flow.stay_days(at, None if last else rows[index + 1][4], ends)
        if hi > lo:
            changes[(team, state)][lo] += 1
            changes[(team, state)][hi] -= 1
        if last and state == rules.flow.DONE and lo < n and starts[lo] <= at:
            cell = figures[(lo, team)]
            cell.throughput_count += 1
            cell.throughput_points += points or 0
    for (owner, in_state), steps in changes.items():
        category, running = rules.flow.state_category(in_state), 0
        for i in range(n):
            running += steps[i]
            if running:
                figures[(i, owner)].categories[category] += running
    aging_before = [
        rules.flow.ticks(rules.flow.local_midnight(day + ONE_DAY, tz) - AGING_SPAN) for day in days
    ]
    dependencies = Dependency.objects.filter(pi__train=train).values_list(
        "requester_team_id", "created_at", "resolved_at"
    )
    opened: dict[int | None, list[int]] = defaultdict(lambda: [0] * (n + 1))
    aging: dict[int | None, list[int]] = defaultdict(lambda: [0] * (n + 1))
    for requester, created, resolved in dependencies:
        c = rules.flow.ticks(created)
        lo, hi = rules.flow.stay_days(c, None if resolved is None else rules.flow.ticks(resolved), ends)
        aging_from = max(lo, bisect_left(aging_before, c))
        if hi > lo:
            opened[requester][lo] += 1
            opened[requester][hi] -= 1
        if hi > aging_from:
            aging[requester][aging_from] += 1
            aging[requester][hi] -= 1
    for owner, steps in opened.items():
        running_open = running_aging = 0
        for i in range(n):
            running_open += steps[i]
            running_aging += aging[owner][i]
            if running_open:
                cell = figures[(i, owner)]
                cell.open_dependencies += running_open
                cell.aging_dependencies += running_aging
    return figures


#: rules.dependencies.is_aging: a dependency open at end of day is aging if created at or before
#: end of day minus this (more than 14 whole days old).
AGING_SPAN = dt.timedelta(days=rules.dependencies.AGING_AFTER_DAYS + 1)


#: A full recompute looks back at most this many days (three years): the dashboard's trends and
#: forecasts read far less, and a feature back-dated to 1990 must not make 13,000 days of rows.
MAX_SNAPSHOT_DAYS = 1096


def snapshot_range(*, train: ReleaseTrain, today: dt.date) -> tuple[dt.date, dt.date]:
    """The local days a full recompute covers: from the train's first PI or first feature
    transition, whichever is earlier, to today (both included), and at most MAX_SNAPSHOT_DAYS.
    One query."""
    bounds = ProgramIncrement.objects.filter(train=train).aggregate(first=Min("start_date"))
    first_transition = FeatureTransition.objects.filter(feature__train=train).aggregate(first=Min("at"))[
        "first"
    ]
    candidates = [today]
    if bounds["first"]:
        candidates.append(bounds["first"])
    if first_transition:
        candidates.append(first_transition.astimezone(train.tz).date())
    return max(min(candidates), today - dt.timedelta(days=MAX_SNAPSHOT_DAYS - 1)), today


# --------------------------------------------------------------------------------------------
# Snapshots as read by the dashboard
# --------------------------------------------------------------------------------------------


def latest_run(*, train: ReleaseTrain) -> RecomputeRun | None:
    return RecomputeRun.objects.filter(train=train).order_by("-requested_at", "-id").first()


def train_snapshots(*, train: ReleaseTrain, start: dt.date, end: dt.date) -> list[MetricSnapshot]:
    """The train's own rows (team empty) for the local days [start, end), oldest first."""
    return list(
        MetricSnapshot.objects.filter(train=train, team__isnull=True, day__gte=start, day__lt=end).order_by(
            "day"
        )
    )


def iteration_throughput(*, train: ReleaseTrain, start: dt.date, end: dt.date) -> list[Iteration]:
    """The train's iterations overlapping [start, end), oldest first, each annotated with the
    features finished (`throughput_count`, `throughput_points`) from the snapshots: one query
    (the sums are subqueries over the snapshot table)."""

    def total(column: str) -> Coalesce:
        rows = (
            MetricSnapshot.objects.filter(
                train=train,
                team__isnull=True,
                day__gte=OuterRef("start_date"),
                day__lte=OuterRef("end_date"),
            )
            .order_by()
            .values("train")
            .annotate(total=Sum(column))
            .values("total")
        )
        return Coalesce(Subquery(rows, output_field=IntegerField()), 0)

    return list(
        Iteration.objects.filter(pi__train=train, start_date__lt=end, end_date__gte=start)
        .select_related("pi")
        .annotate(throughput_count=total("throughput_count"), throughput_points=total("throughput_points"))
        .order_by("start_date", "number")
    )


def snapshot_totals(*, train: ReleaseTrain, today: dt.date, weeks: int = 4) -> dict[str, Any]:
    """Throughput of the last `weeks` weeks (today included) and of the `weeks` before, and
    when the figures were computed: one aggregate query over the train's snapshot rows."""
    span = dt.timedelta(weeks=weeks)
    last_start = today - span + ONE_DAY
    previous_start = last_start - span
    return MetricSnapshot.objects.filter(train=train, team__isnull=True).aggregate(
        last=Sum("throughput_count", filter=Q(day__gte=last_start, day__lte=today)),
        last_points=Sum("throughput_points", filter=Q(day__gte=last_start, day__lte=today)),
        previous=Sum("throughput_count", filter=Q(day__gte=previous_start, day__lt=last_start)),
        previous_points=Sum("throughput_points", filter=Q(day__gte=previous_start, day__lt=last_start)),
        first_day=Min("day"),
        computed_at=Max("computed_at"),
        last_day=Max("day"),
    )
