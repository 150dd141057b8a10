"""Selectors of the metrics on small trains worked by hand: back-dated and out-of-order
histories, the features a window reads, the forecast's history."""

from __future__ import annotations

import datetime as dt

from art import rules
from art import services as art_services
from art.models import Feature, FeatureTransition
from metrics import selectors, services
from metrics.models import MetricSnapshot
from tests.art.factories import FeatureFactory, TrainFactory
from tests.metrics.conftest import make_feature, utc


def test_history_back_dated_through_the_service_counts_when_it_happened(world):
    # given a feature imported on 20 May with its history back-dated to early May
    feature = art_services.feature_create(
        actor=world.rte, train=world.train, title="Imported", points=8, team=world.team, created_at=utc(1, 9)
    )
    for state, at in [("ready", utc(2, 9)), ("in_progress", utc(3, 9)), ("done", utc(6, 15))]:
        art_services.feature_transition_add(actor=world.rte, feature=feature, state=state, at=at)
    # when the flow of the first week of May is read
    report = selectors.train_flow(train=world.train, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 8))
    # then it finished on 6 May: cycle time 3 d 6 h, flow time 4 d 6 h, lead time 5 d 6 h
    assert (report.velocity.count, report.velocity.points) == (1, 8)
    assert (report.cycle_time.mean, report.flow_time.mean, report.lead_time.mean) == (3.25, 4.25, 5.25)
    assert [p.wip for p in report.load] == [0, 1, 1, 1, 1, 0, 0]
    # and the snapshots, recomputed later, put it on 6 May
    services.recompute_snapshots(train_id=world.train.pk, days=10, today=dt.date(2026, 5, 10))
    done_on = MetricSnapshot.objects.filter(train=world.train, team=None, throughput_count=1).get()
    assert done_on.day == dt.date(2026, 5, 6) and done_on.throughput_points == 8


def test_history_recorded_out_of_order_is_read_in_the_order_of_its_times(world):
    # given an import that stored the states in the wrong order (ids not in time order)
    feature = FeatureFactory(train=world.train, team=world.team, state="done", created_at=utc(1))
    for state, at in [("done", utc(5, 12)), ("in_progress", utc(3)), ("ready", utc(2)), ("funnel", utc(1))]:
        FeatureTransition.objects.create(feature=feature, to_state=state, at=at)
    # then the SQL snapshots and the Python flow agree: in progress on 3–4 May, done on 5 May
    services.recompute_snapshots(train_id=world.train.pk, days=6, today=dt.date(2026, 5, 6))
    rows = MetricSnapshot.objects.filter(train=world.train, team=None).order_by("day")
    assert [(r.day.day, r.waiting, r.active, r.done, r.throughput_count) for r in rows] == [
        (1, 0, 0, 0, 0),
        (2, 1, 0, 0, 0),
        (3, 0, 1, 0, 0),
        (4, 0, 1, 0, 0),
        (5, 0, 0, 1, 1),
        (6, 0, 0, 1, 0),
    ]
    report = selectors.train_flow(train=world.train, start=dt.date(2026, 5, 1), end=dt.date(2026, 5, 7))
    assert report.cycle_time.mean == 2.5 and [p.wip for p in report.load] == [0, 1, 1, 1, 0, 0]


def test_a_window_reads_only_the_features_that_can_count_in_it(flow_train):
    train = flow_train.train
    # given also a feature done in April and one still in the funnel, and one in flow since March
    make_feature(train, ("ready", utc(1, month=4)), ("done", utc(10, month=4)), title="old")
    make_feature(train, ("funnel", utc(1, month=4)), title="funnel")
    make_feature(train, ("ready", utc(1, month=3)), ("blocked", utc(2, month=3)), title="stuck")
    lo, hi = rules.flow.day_bounds(dt.date(2026, 5, 4), dt.date(2026, 5, 8), train.tz)
    # when the features of 4–7 May are read
    titles = set(selectors.features_touching(train, lo, hi).values_list("title", flat=True))
    # then those that finish or are in flow in the window, and not the others
    assert titles == {"A", "B", "C", "stuck"}
    # and the figures are those of all the train's features
    everything, _ = selectors.histories(Feature.objects.filter(train=train))
    assert selectors.train_flow(
        train=train, start=dt.date(2026, 5, 4), end=dt.date(2026, 5, 8)
    ) == rules.flow.flow_report(everything, dt.date(2026, 5, 4), dt.date(2026, 5, 8), train.tz)


def test_throughput_history_counts_full_days_up_to_yesterday(db):
    # given a train in Berlin: first finished feature on 2 May (local), one reopened and
    # finished again on 9 May, and one finished today (not a full day yet)
    train = TrainFactory(time_zone="Europe/Berlin")
    make_feature(train, ("ready", utc(1)), ("done", utc(1, 23)))  # 2 May 01:00 in Berlin
    make_feature(train, ("ready", utc(1)), ("done", utc(4)), ("in_progress", utc(5)), ("done", utc(9, 10)))
    make_feature(train, ("ready", utc(1)), ("done", utc(12, 10)))
    make_feature(train, ("ready", utc(1)), ("done", utc(3, 10)), ("cancelled", utc(4)))  # not done now
    # when the history is read on 12 May
    history = selectors.throughput_history(train=train, today=dt.date(2026, 5, 12))
    # then from 2 May to 11 May, one on 2 May and one on 9 May (the reopened one, once)
    assert history.start == dt.date(2026, 5, 2) and history.end == dt.date(2026, 5, 11)
    assert history.counts == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    # and 90 days at most
    later = selectors.throughput_history(train=train, today=dt.date(2026, 9, 30))
    assert len(later.counts) == rules.forecast.HISTORY_DAYS and later.start == dt.date(2026, 7, 2)


def test_dependency_age_of_one_pi_only(world):
    from tests.metrics.conftest import make_dependency

    now = dt.datetime(2026, 5, 20, 12, tzinfo=dt.UTC)
    make_dependency(world.pi, world.team, world.other_team, utc(1, 12))
    summary = selectors.dependency_age(train=world.train, now=now)
    assert (summary.open, summary.aging, summary.max_age) == (1, 1, 19)
