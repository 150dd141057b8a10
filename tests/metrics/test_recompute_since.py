"""The recompute from the earliest changed day (issue 15): after a change dated D only the days
from D to today are recomputed, and they come out as a full rebuild's; the days before D are not
rewritten. Requests join a run queued or running with the earlier of their days, the nightly run
starts from yesterday or from the earliest change made since the previous run, and the flow
endpoint reads the load of fresh stored days from the snapshots, with the same figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from art.models import FeatureTransition
from art.services import feature_create, feature_transition_add, feature_update, train_update
from metrics import selectors, services, tasks
from metrics.models import MetricSnapshot, RecomputeRun
from tests.metrics.conftest import make_feature, utc
from tests.metrics.test_snapshots import _random_train

TODAY = dt.date(2026, 4, 20)
FIGURES = ("pi_id", *services.FIGURE_COLUMNS)


def rows(train) -> dict:
    return {
        (team, day): rest
        for team, day, *rest in MetricSnapshot.objects.filter(train=train).values_list(
            "team_id", "day", *FIGURES
        )
    }


def stamps(train) -> dict:
    return {
        (team, day): (pk, at)
        for pk, team, day, at in MetricSnapshot.objects.filter(train=train).values_list(
            "id", "team_id", "day", "computed_at"
        )
    }


def change_dated(train, day: dt.date) -> None:
    """A feature whose history starts on `day` (a back-dated import: recorded now)."""
    team = train.teams.order_by("id").first()
    start = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    make_feature(
        train,
        ("ready", start),
        ("in_progress", start + dt.timedelta(hours=30)),
        ("done", start + dt.timedelta(days=3)),
        team=team,
        points=5,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_a_recompute_since_a_changed_day_equals_a_full_rebuild_and_leaves_the_days_before(db, seed):
    train = _random_train(seed, tz="Europe/Berlin")
    services.recompute_snapshots(train_id=train.pk, today=TODAY)
    before = stamps(train)
    day = dt.date(2026, 3, 25)
    # when a change dated D is recomputed from D
    change_dated(train, day)
    result = services.recompute_snapshots(train_id=train.pk, since=day, today=TODAY)
    teams = train.teams.count()
    days = (TODAY - day).days + 1
    assert (result.start, result.end, result.days) == (day, TODAY, days)
    assert result.rows == days * (teams + 1) and 0 < result.written <= result.rows
    after, incremental = stamps(train), rows(train)
    # then the rows before D are the same rows, not rewritten (same id, same computed time)
    assert {k: v for k, v in after.items() if k[1] < day} == {k: v for k, v in before.items() if k[1] < day}
    assert set(after) == set(before)
    # and every row equals a fresh full rebuild's
    MetricSnapshot.objects.filter(train=train).delete()
    services.recompute_snapshots(train_id=train.pk, today=TODAY)
    assert rows(train) == incremental
    # and recomputing again from D writes nothing
    assert services.recompute_snapshots(train_id=train.pk, since=day, today=TODAY).written == 0


def test_since_before_the_history_or_after_today_is_held_to_the_range(db):
    train = _random_train(3)
    full = services.recompute_snapshots(train_id=train.pk, today=TODAY)
    early = services.recompute_snapshots(train_id=train.pk, since=dt.date(2000, 1, 1), today=TODAY)
    assert (early.start, early.days, early.written) == (full.start, full.days, 0)
    late = services.recompute_snapshots(train_id=train.pk, since=TODAY + dt.timedelta(days=5), today=TODAY)
    assert (late.start, late.days) == (TODAY, 1)


def test_requests_join_the_queued_run_with_the_earlier_day(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run, created = services.recompute_request(actor=None, train=world.train, since=dt.date(2026, 5, 9))
        again, joined = services.recompute_request(actor=None, train=world.train, since=dt.date(2026, 5, 3))
        later, _ = services.recompute_request(actor=None, train=world.train, since=dt.date(2026, 5, 7))
    assert created and not joined and run.pk == again.pk == later.pk
    run.refresh_from_db()
    assert run.since == dt.date(2026, 5, 3) and not run.again
    # a request for the whole history makes it a full one
    services.recompute_request(actor=None, train=world.train)
    run.refresh_from_db()
    assert run.since is None and RecomputeRun.objects.count() == 1


def test_a_request_while_running_makes_the_run_go_once_more(flow_train, monkeypatch):
    train = flow_train.train
    services.recompute_snapshots(train_id=train.pk)
    run = RecomputeRun.objects.create(train=train, since=dt.date(2026, 5, 7))
    passes: list[dt.date | None] = []
    real = services.recompute_snapshots

    def recompute(**kwargs):
        passes.append(kwargs["since"])
        if len(passes) == 1:  # a back-dated import arrives while the first pass runs
            joined, created = services.recompute_request(actor=None, train=train, since=dt.date(2026, 5, 2))
            assert joined.pk == run.pk and not created
        return real(**kwargs)

    monkeypatch.setattr(services, "recompute_snapshots", recompute)
    services.recompute_run_execute(run_id=run.pk)
    run.refresh_from_db()
    # no run had finished: the first pass was a full one; the second from the day asked for
    assert passes == [None, dt.date(2026, 5, 2)]
    assert run.state == "done" and not run.again and run.since is None


def nightly(train) -> RecomputeRun:
    """The run the nightly task queued for the train (every train gets one)."""
    [run] = [run for run in services.recompute_all() if run.train_id == train.pk]
    return run


def test_the_nightly_run_starts_yesterday_or_at_the_earliest_change_since_the_last_run(flow_train):
    train = flow_train.train
    today = selectors.train_today(train)
    yesterday = today - dt.timedelta(days=1)
    # the first night: no run finished yet, the whole history
    first = nightly(train)
    services.recompute_run_execute(run_id=first.pk)
    first.refresh_from_db()
    assert first.state == "done" and first.since is None and first.written > 0
    # a night without changes: from yesterday, nothing written
    quiet = nightly(train)
    assert quiet.pk != first.pk and quiet.since == yesterday
    quiet = services.recompute_run_execute(run_id=quiet.pk)
    assert quiet.since == yesterday and quiet.written == 0 and quiet.days == 2
    # a back-dated transition recorded since (its `at` 7 May): from 7 May
    feature = make_feature(train, ("funnel", utc(7, 9)), team=flow_train.team)
    night = nightly(train)
    night = services.recompute_run_execute(run_id=night.pk)
    assert night.since == dt.date(2026, 5, 7) and night.written > 0
    assert night.days == (today - dt.date(2026, 5, 7)).days + 1
    # a feature created and moved today through the services: from today
    created = feature_create(actor=None, train=train, title="New", team=flow_train.team, points=3)
    feature_transition_add(actor=None, feature=created, state="ready")
    today_night = services.recompute_run_execute(run_id=nightly(train).pk)
    assert today_night.since == yesterday and today_night.written > 0
    # a feature moved to another team changes days its transitions do not date: all of them
    feature_update(actor=None, feature=feature, team=flow_train.other_team)
    team_night = nightly(train)
    team_night = services.recompute_run_execute(run_id=team_night.pk)
    assert team_night.since is None and team_night.written > 0


def test_the_celery_task_run_twice_writes_nothing_new(flow_train):
    run = RecomputeRun.objects.create(train=flow_train.train)
    first = tasks.recompute_train.apply(args=[run.pk]).get()
    count = MetricSnapshot.objects.count()
    assert first == count > 0
    assert tasks.recompute_train.apply(args=[run.pk]).get() == 0
    assert MetricSnapshot.objects.count() == count


def test_a_history_import_queues_a_recompute_from_its_earliest_local_day(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    train = world.train
    train.time_zone = "America/New_York"
    train.save(update_fields=["time_zone"])
    feature = make_feature(train, ("funnel", utc(1, 8)), team=world.team)
    asked: list = []
    monkeypatch.setattr(services, "recompute_request", lambda **kwargs: asked.append(kwargs))
    client = APIClient()
    client.force_authenticate(world.product)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/features/{feature.pk}/transitions/",
            # 4 May 02:00 UTC is 3 May 22:00 in New York
            [
                {"state": "ready", "at": "2026-05-04T02:00:00Z"},
                {"state": "in_progress", "at": utc(6).isoformat()},
            ],
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert asked == [{"actor": None, "train": train, "since": dt.date(2026, 5, 3)}]


# --------------------------------------------------------------------------------------------
# The flow endpoint's load from the stored snapshots
# --------------------------------------------------------------------------------------------

#: The flow_train's end-of-day WIP, worked by hand (tests/metrics/conftest.py): 1 May none;
#: 2 May B ready; 3 May A ready, B in progress; 4 May A in progress (B done); 5 May A blocked,
#: C ready; 6 May A and B in progress (C cancelled); 7 May A in review (B done); 8 May none.
HAND_WORKED_LOAD = [0, 1, 2, 1, 2, 2, 1, 0]


def finished_run(train) -> RecomputeRun:
    run = RecomputeRun.objects.create(train=train)
    return services.recompute_run_execute(run_id=run.pk)


def test_the_flow_load_read_from_the_snapshots_is_the_computed_one(flow_train):
    train = flow_train.train
    start, end = dt.date(2026, 4, 28), dt.date(2026, 5, 12)
    computed = selectors.train_flow(train=train, start=start, end=end, stored=False)
    assert [p.wip for p in computed.load][3:11] == HAND_WORKED_LOAD
    # without a finished run nothing is stored and fresh
    assert selectors.stored_load(train=train, start=start, end=end) == {}
    finished_run(train)
    stored = selectors.stored_load(train=train, start=start, end=end)
    assert sorted(stored) == [start + dt.timedelta(days=i) for i in range(14)]
    assert selectors.train_flow(train=train, start=start, end=end) == computed


def test_days_changed_since_the_last_run_are_computed_not_read(flow_train):
    train = flow_train.train
    start, end = dt.date(2026, 5, 1), dt.date(2026, 5, 10)
    finished_run(train)
    # the stored rows are what is read: a row altered by hand shows (proof of the read) …
    MetricSnapshot.objects.filter(train=train, team=None, day=dt.date(2026, 5, 2)).update(waiting=40)
    assert selectors.train_flow(train=train, start=start, end=end).load[1].wip == 40
    # … until a transition dated 2 May is recorded after the run: the days from 2 May are stale
    make_feature(train, ("ready", utc(2, 12)), ("done", utc(5, 12)), team=flow_train.team)
    stale = selectors.stale_snapshots(train=train)
    assert (stale.full, stale.since, stale.fresh_until) == (False, dt.date(2026, 5, 2), dt.date(2026, 5, 2))
    assert sorted(selectors.stored_load(train=train, start=start, end=end)) == [dt.date(2026, 5, 1)]
    report = selectors.train_flow(train=train, start=start, end=end)
    assert report == selectors.train_flow(train=train, start=start, end=end, stored=False)
    assert [p.wip for p in report.load] == [0, 2, 3, 2, 2, 2, 1, 0, 0]


def test_the_load_of_today_and_of_days_after_the_last_run_is_computed(flow_train):
    train = flow_train.train
    run = finished_run(train)
    today = selectors.train_today(train)
    # the last run was three days ago, and the transitions were recorded before it
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    RecomputeRun.objects.filter(pk=run.pk).update(started_at=three_days_ago)
    FeatureTransition.objects.update(recorded_at=three_days_ago - dt.timedelta(hours=1))
    stored = selectors.stored_load(
        train=train, start=today - dt.timedelta(days=6), end=today + dt.timedelta(1)
    )
    assert max(stored) == today - dt.timedelta(days=3)
    # the days after come from the transitions (nothing in flow then)
    report = selectors.train_flow(
        train=train, start=today - dt.timedelta(days=6), end=today + dt.timedelta(1)
    )
    assert [p.wip for p in report.load] == [0] * 7


def test_a_new_time_zone_makes_every_stored_day_stale(flow_train):
    train = flow_train.train
    finished_run(train)
    assert not selectors.stale_snapshots(train=train).full
    train_update(actor=flow_train.rte, train=train, time_zone="Asia/Tokyo")
    train.refresh_from_db()
    assert selectors.stale_snapshots(train=train).full
    assert selectors.stored_load(train=train, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 9)) == {}


def test_transitions_recorded_after_a_run_date_the_change_by_their_at(flow_train):
    train = flow_train.train
    finished_run(train)
    assert selectors.stale_snapshots(train=train).since is None
    FeatureTransition.objects.filter(feature__train=train, to_state="blocked").update(
        recorded_at=timezone.now() + dt.timedelta(seconds=1)
    )
    assert selectors.stale_snapshots(train=train).since == dt.date(2026, 5, 5)


@pytest.mark.parametrize("seed", [1, 2, 5])
def test_the_figures_of_the_last_days_are_those_of_the_whole_history_s(db, seed):
    # the features settled before the first day asked for are counted, not swept (an
    # incremental run reads the transitions of the features moved from its day on only)
    train = _random_train(seed, tz="Europe/Berlin")
    start, end = selectors.snapshot_range(train=train, today=TODAY)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    whole = selectors.snapshot_figures(train=train, days=days)
    for first in (dt.date(2026, 3, 20), dt.date(2026, 4, 5), TODAY):
        k = days.index(first)
        last_days = selectors.snapshot_figures(train=train, days=days[k:])
        assert last_days == {(i - k, team): cell for (i, team), cell in whole.items() if i >= k}
