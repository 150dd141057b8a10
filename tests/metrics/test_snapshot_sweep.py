"""The snapshot figures as one forward pass over the train's history: the same figures as the
set-based SQL they replaced (kept here as the reference, one statement per batch of days with
LEAD() over every transition), and a recompute that writes only the rows that changed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art import rules
from art.models import Feature, FeatureTransition, ProgramIncrement
from metrics import selectors, services
from metrics.models import MetricSnapshot
from pi_planning.models import Dependency
from tests.metrics.conftest import make_feature, utc
from tests.metrics.test_snapshots import _random_train

_FLOW_SQL = """
WITH {days},
spans AS (
    SELECT f.team_id AS team_id, f.points AS points, t.to_state AS state, t.at AS start_at,
           LEAD(t.at) OVER (PARTITION BY t.feature_id ORDER BY t.at, t.id) AS end_at
    FROM {transition} t JOIN {feature} f ON f.id = t.feature_id
    WHERE f.train_id = %s
)
SELECT d.i, s.team_id, s.state, COUNT(*),
       SUM(CASE WHEN s.end_at IS NULL AND s.state = %s AND s.start_at >= d.sod THEN 1 ELSE 0 END),
       SUM(CASE WHEN s.end_at IS NULL AND s.state = %s AND s.start_at >= d.sod
                THEN COALESCE(s.points, 0) ELSE 0 END)
FROM spans s JOIN days d ON s.start_at < d.eod AND (s.end_at IS NULL OR s.end_at >= d.eod)
WHERE s.start_at < %s AND (s.end_at IS NULL OR s.end_at >= %s)
GROUP BY d.i, s.team_id, s.state
"""

_DEPENDENCY_SQL = """
WITH {days}
SELECT d.i, dep.requester_team_id, COUNT(*),
       SUM(CASE WHEN dep.created_at <= d.aging_before THEN 1 ELSE 0 END)
FROM {dependency} dep
JOIN {pi} p ON p.id = dep.pi_id
JOIN days d ON dep.created_at < d.eod AND (dep.resolved_at IS NULL OR dep.resolved_at >= d.eod)
WHERE p.train_id = %s
GROUP BY d.i, dep.requester_team_id
"""


def reference_snapshot_figures(*, train, days):
    """selectors.snapshot_figures before the sweep: two SQL statements over a VALUES table of
    the days, grouping in the database."""
    adapt = connection.ops.adapt_datetimefield_value
    aging = dt.timedelta(days=rules.dependencies.AGING_AFTER_DAYS + 1)
    values, params = [], []
    for i, day in enumerate(days):
        sod, eod = rules.flow.day_bounds(day, day + dt.timedelta(days=1), train.tz)
        values.append("(%s, %s, %s, %s)")
        params += [i, adapt(sod), adapt(eod), adapt(eod - aging)]
    days_sql = "days(i, sod, eod, aging_before) AS (VALUES " + ", ".join(values) + ")"
    first_sod = rules.flow.local_midnight(days[0], train.tz)
    last_eod = rules.flow.local_midnight(days[-1] + dt.timedelta(days=1), train.tz)
    figures = defaultdict(selectors.DayFigures)
    with connection.cursor() as cursor:
        cursor.execute(
            _FLOW_SQL.format(
                days=days_sql, transition=FeatureTransition._meta.db_table, feature=Feature._meta.db_table
            ),
            [*params, train.pk, "done", "done", adapt(last_eod), adapt(first_sod + dt.timedelta(days=1))],
        )
        for i, team_id, state, n, finished, finished_points in cursor.fetchall():
            cell = figures[(i, team_id)]
            cell.categories[rules.flow.state_category(state)] += n
            cell.throughput_count += finished or 0
            cell.throughput_points += finished_points or 0
        cursor.execute(
            _DEPENDENCY_SQL.format(
                days=days_sql, dependency=Dependency._meta.db_table, pi=ProgramIncrement._meta.db_table
            ),
            [*params, train.pk],
        )
        for i, team_id, n, aging_n in cursor.fetchall():
            cell = figures[(i, team_id)]
            cell.open_dependencies += n
            cell.aging_dependencies += aging_n or 0
    return figures


def as_plain(figures):
    return {
        key: (
            cell.categories,
            cell.throughput_count,
            cell.throughput_points,
            cell.open_dependencies,
            cell.aging_dependencies,
        )
        for key, cell in figures.items()
        if cell != selectors.DayFigures()
    }


@pytest.mark.parametrize(
    ("seed", "tz"), [(1, "UTC"), (2, "Europe/Berlin"), (3, "America/New_York"), (4, "Australia/Lord_Howe")]
)
def test_the_sweep_equals_the_sql_it_replaced(db, seed, tz):
    # given a train with random histories (reopened, cancelled, back to the funnel, same-instant
    # and midnight transitions, no team) and dependencies, across the March DST changes
    train = _random_train(seed, tz)
    start = dt.date(2026, 2, 20)
    days = [start + dt.timedelta(days=i) for i in range(90)]
    # then every day and team has the same figures as the old SQL, over the whole range and over
    # a batch in the middle (a window starting after some features finished)
    assert as_plain(selectors.snapshot_figures(train=train, days=days)) == as_plain(
        reference_snapshot_figures(train=train, days=days)
    )
    assert as_plain(selectors.snapshot_figures(train=train, days=days[25:40])) == as_plain(
        reference_snapshot_figures(train=train, days=days[25:40])
    )


def test_hand_worked_rows_equal_the_old_ones(world):
    # given a feature reopened and finished again, one cancelled, one without a team
    make_feature(
        world.train,
        ("ready", utc(1)),
        ("in_progress", utc(2, 9)),
        ("done", utc(3, 9)),
        ("in_progress", utc(4)),
        ("done", utc(5, 12)),
        team=world.team,
        points=5,
    )
    make_feature(
        world.train, ("funnel", utc(1)), ("ready", utc(2)), ("cancelled", utc(4)), team=world.other_team
    )
    make_feature(world.train, ("ready", utc(3)), ("done", utc(3, 10)), points=2)
    days = [dt.date(2026, 5, d) for d in range(1, 7)]
    figures = selectors.snapshot_figures(train=world.train, days=days)
    assert as_plain(figures) == as_plain(reference_snapshot_figures(train=world.train, days=days))
    # End of day: 1 May the first ready, the second in the funnel; 2 May in progress and ready;
    # 3 May done, but reopened later, so not its done_at (no throughput); the teamless one done
    # the same day (2 points); 4 May reopened, the second cancelled; 5 May done again: its
    # done_at (throughput 1).
    mine = [(figures[(i, world.team.pk)].wip, figures[(i, world.team.pk)].throughput_count) for i in range(6)]
    assert mine == [(1, 0), (1, 0), (0, 0), (1, 0), (0, 1), (0, 0)]
    assert (
        figures[(2, None)].throughput_points == 2 and figures[(3, world.other_team.pk)].categories["out"] == 1
    )


def writes(queries):
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]


def test_a_night_without_changes_writes_nothing(world):
    # given a train with history, recomputed once
    feature = make_feature(world.train, ("ready", utc(1)), ("in_progress", utc(5)), team=world.team)
    make_feature(world.train, ("ready", utc(2)), ("done", utc(9)), team=world.other_team)
    today = dt.date(2026, 5, 20)
    first = services.recompute_snapshots(train_id=world.train.pk, days=30, today=today)
    assert first.written == first.rows == 90
    stored = list(MetricSnapshot.objects.order_by("id").values_list("id", "day", "wip", "computed_at"))
    # when it runs again with nothing changed
    with CaptureQueriesContext(connection) as queries:
        again = services.recompute_snapshots(train_id=world.train.pk, days=30, today=today)
    # then it writes nothing, and the rows are untouched
    assert again.written == 0 and again.rows == 90 and writes(queries) == []
    assert (
        list(MetricSnapshot.objects.order_by("id").values_list("id", "day", "wip", "computed_at")) == stored
    )
    # and after a day of changes only the rows that differ are written (the team's and the
    # train's from that day on)
    FeatureTransition.objects.create(
        feature=feature, from_state="in_progress", to_state="done", at=utc(18, 12)
    )
    with CaptureQueriesContext(connection) as queries:
        changed = services.recompute_snapshots(train_id=world.train.pk, days=30, today=today)
    assert changed.written == 2 * 3  # 18, 19 and 20 May: the team's row and the train's row
    assert len(writes(queries)) == 2
    assert MetricSnapshot.objects.get(team=world.team, day=dt.date(2026, 5, 18)).throughput_count == 1


def test_a_full_recompute_twice_writes_nothing_the_second_time(world):
    make_feature(
        world.train, ("funnel", utc(1, month=1)), ("ready", utc(1)), ("done", utc(9)), team=world.team
    )
    services.recompute_snapshots(train_id=world.train.pk, today=dt.date(2026, 5, 20))
    with CaptureQueriesContext(connection) as queries:
        result = services.recompute_snapshots(train_id=world.train.pk, today=dt.date(2026, 5, 20))
    assert result.written == 0 and result.rows > 0 and writes(queries) == []
    assert MetricSnapshot.objects.count() == result.rows
