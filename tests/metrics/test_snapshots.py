"""The snapshot recompute: figures worked by hand, agreement of the set-based SQL with the pure
rules of art/rules/, idempotence (run twice, same rows), batches and the task."""

from __future__ import annotations

import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from celery.exceptions import Retry

from art import rules
from art.models import Feature
from metrics import selectors, services, tasks
from metrics.models import MetricSnapshot, RecomputeRun
from pi_planning.models import Dependency
from tests.art.factories import PIFactory, TeamFactory, TrainFactory
from tests.metrics.conftest import make_dependency, make_feature, utc

FIGURES = [
    "pi_id",
    "not_started",
    "waiting",
    "active",
    "done",
    "wip",
    "throughput_count",
    "throughput_points",
    "open_dependencies",
    "aging_dependencies",
]


def rows(train, team="train"):
    queryset = MetricSnapshot.objects.filter(train=train)
    if team == "train":
        queryset = queryset.filter(team__isnull=True)
    elif team is not None:
        queryset = queryset.filter(team=team)
    return {
        s.day.day: (
            s.not_started,
            s.waiting,
            s.active,
            s.done,
            s.wip,
            s.throughput_count,
            s.throughput_points,
        )
        for s in queryset.filter(day__month=5, day__lte=dt.date(2026, 5, 8))
    }


def test_train_and_team_rows_worked_by_hand(flow_train):
    # given the three features of flow_train (A Alpha, B Bravo reopened, C no team, cancelled)
    train = flow_train.train
    # when the snapshots of 1–8 May are recomputed
    result = services.recompute_snapshots(train_id=train.pk, days=8, today=dt.date(2026, 5, 8))
    # then each day's end-of-day counts (not started, waiting, active, done, wip, finished, points):
    assert result.days == 8 and result.rows == 8 * 3  # Alpha, Bravo and the train's row
    assert rows(train) == {
        1: (3, 0, 0, 0, 0, 0, 0),  # A, B, C in the funnel
        2: (2, 1, 0, 0, 1, 0, 0),  # B ready
        3: (1, 1, 1, 0, 2, 0, 0),  # A ready, B in progress
        4: (1, 0, 1, 1, 1, 0, 0),  # B done (but reopened later: its done_at is 7 May, not today)
        5: (0, 2, 0, 1, 2, 0, 0),  # A blocked (waiting), C ready
        6: (0, 0, 2, 0, 2, 0, 0),  # A and B in progress, C cancelled (out)
        7: (0, 0, 1, 1, 1, 1, 3),  # A in review; B done again: finished on 7 May, 3 points
        8: (0, 0, 0, 2, 0, 1, 5),  # A done at 00:00 on 8 May: 8 May's, not 7 May's
    }
    assert rows(train, flow_train.team) == {
        1: (1, 0, 0, 0, 0, 0, 0),
        2: (1, 0, 0, 0, 0, 0, 0),
        3: (0, 1, 0, 0, 1, 0, 0),
        4: (0, 0, 1, 0, 1, 0, 0),
        5: (0, 1, 0, 0, 1, 0, 0),
        6: (0, 0, 1, 0, 1, 0, 0),
        7: (0, 0, 1, 0, 1, 0, 0),
        8: (0, 0, 0, 1, 0, 1, 5),
    }
    # and the day's PI is set where the day lies in one (PI 26.1 runs 5 Jan – 15 Mar 2026)
    assert not MetricSnapshot.objects.filter(train=train, pi__isnull=False).exists()


def test_dependencies_open_and_aging_at_end_of_day(world):
    # given dependencies requested by Alpha: one created 1 Apr 12:00 and resolved 20 Apr 12:00,
    # one created 10 Apr 12:00 still open, and one of Bravo created 16 Apr 00:00
    train, pi = world.train, world.pi
    make_dependency(pi, world.team, world.other_team, utc(1, 12, month=4), utc(20, 12, month=4))
    make_dependency(pi, world.team, world.other_team, utc(10, 12, month=4))
    make_dependency(pi, world.other_team, world.team, utc(16, 0, month=4))
    # when 15–25 April are recomputed
    services.recompute_snapshots(train_id=train.pk, days=11, today=dt.date(2026, 4, 25))
    snapshots = {
        (s.team_id, s.day.day): (s.open_dependencies, s.aging_dependencies)
        for s in MetricSnapshot.objects.filter(train=train)
    }
    # then the first is aging from the end of 15 April (age at end of day: 14 days 12 h → 14
    # whole days, not aging; 16 April: 15 days → aging) until it is resolved on 20 April
    assert snapshots[(world.team.pk, 15)] == (2, 0)
    assert snapshots[(world.team.pk, 16)] == (2, 1)
    assert snapshots[(world.team.pk, 19)] == (2, 1)
    assert snapshots[(world.team.pk, 20)] == (1, 0)
    # the second: created 10 Apr 12:00, 15 whole days at the end of 25 April (25 Apr 24:00)
    assert snapshots[(world.team.pk, 24)] == (1, 0)
    assert snapshots[(world.team.pk, 25)] == (1, 1)
    # Bravo's: created at 00:00 on 16 April, open from the end of that day
    assert snapshots[(world.other_team.pk, 15)] == (0, 0)
    assert snapshots[(world.other_team.pk, 16)] == (1, 0)
    # and the train's row adds them up
    assert snapshots[(None, 16)] == (3, 1)
    assert snapshots[(None, 25)] == (2, 1)


def test_days_follow_the_trains_time_zone(db):
    # given a train in Berlin (UTC+2 in May) with a feature done at 23:00 UTC on 7 May, which
    # is 01:00 on 8 May in Berlin
    train = TrainFactory(time_zone="Europe/Berlin")
    make_feature(train, ("ready", utc(6, 8)), ("in_progress", utc(7, 8)), ("done", utc(7, 23)))
    # when recomputed
    services.recompute_snapshots(train_id=train.pk, days=3, today=dt.date(2026, 5, 8))
    by_day = {
        s.day.day: (s.throughput_count, s.done, s.wip) for s in MetricSnapshot.objects.filter(train=train)
    }
    # then it finished on 8 May, Berlin time, and was in progress at the end of 7 May
    assert by_day == {6: (0, 0, 1), 7: (0, 0, 1), 8: (1, 1, 0)}


def _random_train(seed: int, tz: str = "UTC"):
    """A train with random histories (reopenings, blocking, cancelled, no team, transitions at
    midnight) and dependencies, to compare the SQL with the pure rules."""
    rng = random.Random(seed)
    train = TrainFactory(time_zone=tz)
    pi = PIFactory(train=train, start_date=dt.date(2026, 3, 2))
    teams = [TeamFactory(train=train) for _ in range(3)]
    states = list(rules.flow.FEATURE_STATES)
    for _ in range(40):
        at = utc(1, month=3) + dt.timedelta(hours=rng.randint(0, 24 * 40))
        history, state = [], None
        for _ in range(rng.randint(1, 9)):
            state = rng.choice([s for s in states if s != state])
            # some transitions exactly at midnight, some with microseconds
            at += dt.timedelta(hours=rng.choice([24, 6, 30, 48, 1]), microseconds=rng.choice([0, 0, 250_000]))
            if rng.random() < 0.2:
                at = at.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
            history.append((state, at))
        make_feature(
            train,
            *history,
            team=rng.choice([*teams, None]),
            kind=rng.choice(rules.flow.FEATURE_KINDS),
            points=rng.choice([None, 1, 3, 8]),
        )
    for _ in range(15):
        created = utc(1, month=3) + dt.timedelta(hours=rng.randint(0, 24 * 40))
        resolved = created + dt.timedelta(hours=rng.randint(1, 24 * 30)) if rng.random() < 0.5 else None
        requester, provider = rng.sample(teams, 2)
        make_dependency(pi, requester, provider, created, resolved)
    return train


@pytest.mark.parametrize("tz", ["UTC", "Europe/Berlin", "America/New_York"])
def test_sql_figures_agree_with_the_pure_rules(db, tz):
    # given a train with random histories and dependencies (DST changes fall in March)
    train = _random_train(7, tz)
    start, end = dt.date(2026, 3, 1), dt.date(2026, 5, 10)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days)]
    # when the snapshot figures are computed in SQL
    figures = selectors.snapshot_figures(train=train, days=days)
    # then every day and team equals rules.flow.cumulative_flow / flow_velocity, rules.dependencies.is_aging
    zone = ZoneInfo(tz)
    items, _ = selectors.histories(Feature.objects.filter(train=train))
    teams_of = dict(Feature.objects.filter(train=train).values_list("id", "team_id"))
    dependencies = list(
        Dependency.objects.filter(pi__train=train).values_list(
            "requester_team_id", "created_at", "resolved_at"
        )
    )
    for team in {*teams_of.values()}:
        mine = [f for f in items if teams_of[f.id] == team]
        cfd = rules.flow.cumulative_flow(mine, start, end, zone)
        for i, day in enumerate(days):
            cell = figures.get((i, team), selectors.DayFigures())
            assert cell.categories == cfd[i].categories, (team, day)
            lo, hi = rules.flow.day_bounds(day, day + dt.timedelta(days=1), zone)
            velocity = rules.flow.flow_velocity(mine, lo, hi)
            assert (cell.throughput_count, cell.throughput_points) == (velocity.count, velocity.points)
            eod = hi
            open_now = [
                rules.dependencies.DependencyDates(c, r)
                for t, c, r in dependencies
                if t == team and c < eod and (r is None or r >= eod)
            ]
            assert cell.open_dependencies == len(open_now)
            assert cell.aging_dependencies == sum(
                rules.dependencies.is_aging(rules.dependencies.DependencyDates(d.created_at), eod)
                for d in open_now
            )


def test_recompute_twice_gives_identical_rows(world):
    # given a random train
    train = _random_train(3)
    # when recomputed twice (its whole history)
    services.recompute_snapshots(train_id=train.pk, today=dt.date(2026, 5, 10))
    first = list(
        MetricSnapshot.objects.filter(train=train).order_by("id").values("id", "team_id", "day", *FIGURES)
    )
    services.recompute_snapshots(train_id=train.pk, today=dt.date(2026, 5, 10))
    second = list(
        MetricSnapshot.objects.filter(train=train).order_by("id").values("id", "team_id", "day", *FIGURES)
    )
    # then the rows are the same, ids included (an upsert, not delete and insert)
    assert first == second
    assert len(first) == 4 * len({r["day"] for r in first})
    # and the whole history is covered: from the PI's start (2 Mar) or the first transition
    assert min(r["day"] for r in first) <= dt.date(2026, 3, 2)


def test_large_trains_are_done_in_batches_reporting_progress(world, monkeypatch):
    # given small batches
    monkeypatch.setattr(services, "BATCH_ROWS", 21)  # 7 days × 3 rows
    make_feature(world.train, ("ready", utc(1)), ("done", utc(20)), team=world.team)
    seen = []
    # when 30 days are recomputed
    result = services.recompute_snapshots(
        train_id=world.train.pk, days=30, today=dt.date(2026, 5, 30), on_progress=lambda *a: seen.append(a)
    )
    # then in 5 batches of 7 days, the last one shorter
    assert [p for p, _, _ in seen] == [20, 40, 60, 80, 100]
    assert seen[-1] == (100, 30, 90)
    assert result.rows == 90 == MetricSnapshot.objects.filter(train=world.train).count()
    assert (
        MetricSnapshot.objects.get(train=world.train, team=None, day=dt.date(2026, 5, 20)).throughput_count
        == 1
    )


def test_task_run_twice_gives_identical_rows(world, django_capture_on_commit_callbacks):
    # given a train with history, and a recompute asked for by the RTE
    make_feature(world.train, ("ready", utc(1, month=1)), ("in_progress", utc(5, month=1)), team=world.team)
    make_feature(world.train, ("ready", utc(2, month=1)), ("done", utc(9, month=1)), team=world.other_team)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, created = services.recompute_request(actor=world.rte, train=world.train)
    assert created and len(callbacks) == 1  # queued after commit, not before
    # when the task runs twice for that run
    tasks.recompute_train.apply(args=[run.pk]).get()
    first = list(
        MetricSnapshot.objects.filter(train=world.train)
        .order_by("id")
        .values("id", "team_id", "day", *FIGURES)
    )
    tasks.recompute_train.apply(args=[run.pk]).get()
    second = list(
        MetricSnapshot.objects.filter(train=world.train)
        .order_by("id")
        .values("id", "team_id", "day", *FIGURES)
    )
    # then the rows are identical, and the run is done at 100 %
    assert first == second and first
    run.refresh_from_db()
    assert (run.state, run.progress, run.rows) == ("done", 100, len(first))
    assert run.started_at and run.finished_at
    # and days inside the PI carry it
    in_pi = MetricSnapshot.objects.get(train=world.train, team=None, day=dt.date(2026, 1, 9))
    assert in_pi.pi == world.pi and in_pi.throughput_count == 1


def test_a_second_request_while_one_is_queued_reuses_it(world):
    first, created = services.recompute_request(actor=world.rte, train=world.train)
    second, created_again = services.recompute_request(actor=world.rte, train=world.train)
    assert created and not created_again and first == second
    assert RecomputeRun.objects.count() == 1


def test_a_failed_recompute_is_marked_failed_and_retried(world, monkeypatch):
    # given a recompute that breaks
    run = RecomputeRun.objects.create(train=world.train)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "recompute_snapshots", broken)
    # when the task runs, then it fails and asks to be retried (with backoff), and the run says why
    with pytest.raises(Retry):
        tasks.recompute_train.apply(args=[run.pk])
    run.refresh_from_db()
    assert run.state == "failed" and "database went away" in run.error


def test_nightly_task_queues_every_train(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queued = tasks.recompute_all_nightly.apply().get()
    assert queued == 2  # the world's train and the outsider's
    assert set(RecomputeRun.objects.values_list("state", flat=True)) == {"done"}
    assert MetricSnapshot.objects.filter(train=world.train).exists()
