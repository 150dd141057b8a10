"""The finished features' own flow figures stored by the recompute (issue 15): the flow endpoint
reads one small row per finished feature instead of its history, with the same figures; a
feature changed since the last run is computed from its transitions until the next run stores
it again, and an undated change (its kind edited) makes every stored figure stale."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art import rules
from art.models import Feature
from art.services import feature_transition_add, feature_update
from metrics import selectors, services
from metrics.api import serializers as s
from metrics.models import FinishedFeature, MetricSnapshot, RecomputeRun
from tests.metrics.conftest import make_feature, utc
from tests.metrics.test_recompute_since import change_dated, finished_run
from tests.metrics.test_recompute_since import rows as snapshot_rows
from tests.metrics.test_snapshots import _random_train

HOUR = 3_600_000_000  # microseconds
START, END = dt.date(2026, 5, 1), dt.date(2026, 5, 10)


def stored_rows(train) -> dict:
    return {
        pk: tuple(rest)
        for pk, *rest in FinishedFeature.objects.filter(feature__train=train).values_list(
            "feature_id", "done_at", "kind", "points", "flow_time", "lead_time", "cycle_time", "active_time"
        )
    }


def both(train, start=START, end=END):
    """The flow report read from the stored rows, checked against the one computed."""
    report = selectors.train_flow(train=train, start=start, end=end)
    assert report == selectors.train_flow(train=train, start=start, end=end, stored=False)
    return report


def test_a_finished_run_stores_the_figures_worked_by_hand_and_the_report_reads_them(flow_train):
    train, a, b = flow_train.train, flow_train.features["A"], flow_train.features["B"]
    run = finished_run(train)
    assert run.figures
    # A: ready 3 May 12:00, first active 4 May 08:00, created 1 May 08:00, done 8 May 00:00;
    # active 4→5 May 08:00, 6 May 08:00 → 8 May 00:00. B (reopened): ready 2 May 08:00, first
    # active 3 May 08:00, done again 7 May 10:00; active 3 May 08:00 → 4 May 10:00, 6 May 09:00
    # → 7 May 10:00. C was cancelled: no row.
    assert stored_rows(train) == {
        a.pk: (utc(8), "business", 5, 108 * HOUR, 160 * HOUR, 88 * HOUR, 64 * HOUR),
        b.pk: (utc(7, 10), "business", 3, 122 * HOUR, 146 * HOUR, 98 * HOUR, 51 * HOUR),
    }
    lo, hi = rules.flow.day_bounds(START, END, train.tz)
    assert {f.id for f in selectors.stored_finished(train=train, lo=lo, hi=hi) or []} == {a.pk, b.pk}
    report = both(train)
    assert (report.velocity.count, report.velocity.points) == (2, 8)
    # flow times 4.5 and 5.08 days; 115 h active in 230 h of flow; cycle times 3.67 and 4.08
    assert (report.flow_time.mean, report.efficiency, report.cycle_time.p85) == (4.79, 50.0, 4.08)
    assert report.distribution["business"].features == 2
    # the stored rows are what is read: a row altered by hand shows
    FinishedFeature.objects.filter(pk=a.pk).update(active_time=0)
    assert selectors.train_flow(train=train, start=START, end=END).efficiency == 22.17  # 51 / 230


def test_a_back_dated_move_is_computed_until_the_next_run_stores_it(flow_train):
    train, b = flow_train.train, flow_train.features["B"]
    finished_run(train)
    # B reopened by a move back-dated to 8 May, recorded after the run
    feature_transition_add(actor=flow_train.rte, feature=b, state="in_progress", at=utc(8, 12))
    assert set(
        selectors.changed_features(
            train=train, since=selectors.last_done_run(train=train).started_at
        ).values_list("feature_id", flat=True)
    ) == {b.pk}
    # its stored row is not read (B is no longer done): the report is the computed one
    assert both(train).velocity.count == 1
    # a run from that day stores it again: B's row removed, as a full refresh leaves them
    run = services.recompute_run_execute(
        run_id=RecomputeRun.objects.create(train=train, since=dt.date(2026, 5, 8)).pk
    )
    # (from B's first done day: a reopened feature leaves the throughput of the day it was done)
    assert run.since == dt.date(2026, 5, 4) and run.figures
    assert set(stored_rows(train)) == {flow_train.features["A"].pk}
    assert selectors.changed_features(train=train, since=run.started_at).count() == 0
    assert both(train).velocity.count == 1
    assert services.refresh_finished(train=train) == 0


def test_an_edited_kind_makes_the_stored_figures_stale_until_the_next_run(flow_train):
    train, a = flow_train.train, flow_train.features["A"]
    finished_run(train)
    feature_update(actor=flow_train.rte, feature=a, kind=Feature.Kind.ENABLER)
    assert selectors.stale_snapshots(train=train).full
    lo, hi = rules.flow.day_bounds(START, END, train.tz)
    assert selectors.stored_finished(train=train, lo=lo, hi=hi) is None
    assert both(train).distribution["enabler"].features == 1
    finished_run(train)
    assert stored_rows(train)[a.pk][1] == "enabler"
    assert both(train).distribution["enabler"].features == 1


def test_no_run_with_figures_no_stored_figures(flow_train):
    train = flow_train.train
    finished_run(train)
    RecomputeRun.objects.update(figures=False)  # a run of before the figures were stored
    lo, hi = rules.flow.day_bounds(START, END, train.tz)
    assert selectors.stored_finished(train=train, lo=lo, hi=hi) is None
    # the next run, asked for from a day, stores every feature's, not those of that day only
    FinishedFeature.objects.all().delete()
    services.recompute_run_execute(
        run_id=RecomputeRun.objects.create(train=train, since=dt.date(2026, 5, 9)).pk
    )
    assert len(stored_rows(train)) == 2
    both(train)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_refreshed_from_a_day_are_those_of_a_full_refresh(db, seed):
    train = _random_train(seed, tz="Europe/Berlin")
    start, end = dt.date(2026, 2, 20), dt.date(2026, 5, 1)
    finished_run(train)
    assert stored_rows(train) and both(train, start, end)
    # changes after the run: a feature whose history starts on 1 April, and a done one reopened
    change_dated(train, dt.date(2026, 4, 1))
    rng = random.Random(seed)
    done = sorted(selectors.done_features(train).values_list("pk", "last_at"))  # type: ignore[misc]
    pk, last_at = rng.choice(done)
    feature = Feature.objects.get(pk=pk)
    feature_transition_add(actor=None, feature=feature, state="review", at=max(last_at, utc(2, month=4)))
    report = both(train, start, end)
    run = services.recompute_run_execute(
        run_id=RecomputeRun.objects.create(train=train, since=dt.date(2026, 4, 20)).pk
    )
    assert run.since is not None and run.since <= dt.date(2026, 4, 2)
    incremental = stored_rows(train)
    assert services.refresh_finished(train=train) == 0
    assert stored_rows(train) == incremental and pk not in incremental
    assert both(train, start, end) == report
    # and the snapshots are a full rebuild's (the reopened feature's done day included)
    snapshots = snapshot_rows(train)
    MetricSnapshot.objects.filter(train=train).delete()
    services.recompute_snapshots(train_id=train.pk)
    assert snapshot_rows(train) == snapshots


def test_the_flow_report_reads_a_fixed_number_of_queries(flow_train):
    train = flow_train.train
    finished_run(train)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            both(train)
            selectors.train_flow(train=train, start=START, end=END)
        return len(queries)

    make_feature(train, ("ready", utc(2, 9)), ("done", utc(2, 15)), points=1)  # changed since
    count()  # the content types cached
    before = count()
    for day in range(1, 8):
        make_feature(train, ("ready", utc(day, 9)), ("done", utc(day, 15)), points=1)
    finished_run(train)
    for day in range(2, 5):  # and more changed since, from the same day
        make_feature(train, ("ready", utc(day, 9)), ("done", utc(day, 15)), points=1)
    assert count() == before
    with CaptureQueriesContext(connection) as queries:
        selectors.train_flow(train=train, start=START, end=END)
    assert len(queries) <= 9


def test_the_load_written_directly_is_what_its_point_serializer_writes(flow_train):
    report = selectors.train_flow(train=flow_train.train, start=START, end=END)
    data = s.flow_data(flow_train.train.pk, START, END, report)
    assert s.FlowSerializer(data).data["load"] == [s.LoadPointSerializer(p).data for p in data["load"]]
    assert s.FlowSerializer(data).data["load"][0] == {"date": "2026-05-01", "wip": 0}


def test_a_feature_reopened_after_the_run_leaves_the_day_it_was_done_as_a_full_rebuild(flow_train):
    # B was done on 7 May and counts in that day's throughput; reopened on 9 May after the run,
    # it is no longer done (rules.flow.done_at): 7 May's throughput changes too. The stale days
    # start from its done transitions (the first, on 4 May: a bound, not the exact day)
    train, b = flow_train.train, flow_train.features["B"]
    finished_run(train)
    feature_transition_add(actor=flow_train.rte, feature=b, state="in_progress", at=utc(9, 12))
    assert selectors.stale_snapshots(train=train).since == dt.date(2026, 5, 4)
    run = services.recompute_run_execute(
        run_id=RecomputeRun.objects.create(train=train, since=dt.date(2026, 5, 9)).pk
    )
    assert run.since == dt.date(2026, 5, 4)
    incremental = snapshot_rows(train)
    MetricSnapshot.objects.filter(train=train).delete()
    services.recompute_snapshots(train_id=train.pk)
    assert snapshot_rows(train) == incremental


def test_a_whole_history_run_with_no_feature_changed_leaves_the_figures_as_stored(flow_train, monkeypatch):
    train = flow_train.train
    finished_run(train)
    calls: list[dict] = []
    refresh = services.refresh_finished
    monkeypatch.setattr(services, "refresh_finished", lambda **kw: calls.append(kw) or refresh(**kw))
    # a second "Recompute now" with nothing changed: the stored figures hold
    assert finished_run(train).figures and calls == []
    # any change to a feature since (its title here) has them refreshed, all of them
    feature_update(actor=flow_train.rte, feature=flow_train.features["A"], title="A2")
    finished_run(train)
    assert calls == [{"train": train}]
    # as does a move
    feature_transition_add(actor=flow_train.rte, feature=flow_train.features["A"], state="in_progress")
    finished_run(train)
    assert len(calls) == 2 and flow_train.features["A"].pk not in stored_rows(train)
    both(train)
