"""The metrics' seed step: right after seed_demo (both sizes) the dashboard has figures."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from art import demo
from art.models import ReleaseTrain
from metrics import selectors, services
from metrics.models import FinishedFeature, MetricSnapshot


def test_seed_demo_computes_the_snapshots_of_the_whole_history(db):
    # given the benchmark profile made small, built as if today were 17 June 2026
    profile = demo.PROFILES["large"].scaled(
        teams=3, people_per_team=(5, 6), closed_pis=2, features_per_team_pi=(4, 5), backlog_features=4
    )
    ctx = demo.build(profile, today=dt.date(2026, 6, 17))
    train = ReleaseTrain.objects.get(slug=profile.train_slug)
    # then the metric step ran last and covered every day up to that today, per team and train
    assert [s.name for s in demo.seed_steps()][-1] == "metric snapshots"
    snapshots = MetricSnapshot.objects.filter(train=train)
    days = snapshots.filter(team=None).count()
    assert ctx.counts["metric snapshots"] == snapshots.count() == days * 4
    assert snapshots.filter(team=None).latest("day").day == dt.date(2026, 6, 17)
    assert snapshots.filter(team=None).earliest("day").day <= train.pis.earliest("start_date").start_date
    # and the closed PIs' features count in the throughput
    assert sum(snapshots.filter(team=None).values_list("throughput_count", flat=True)) >= 2 * 3 * 4 * 0.8
    # and a recompute now changes none of the figures
    before = list(snapshots.order_by("id").values_list("id", "wip", "done", "throughput_count"))
    services.recompute_snapshots(train_id=train.pk, today=dt.date(2026, 6, 17))
    assert list(snapshots.order_by("id").values_list("id", "wip", "done", "throughput_count")) == before
    # and it is recorded as a finished run that stored the finished features' figures, which
    # the flow figures read from the start
    run = selectors.last_done_run(train=train)
    assert run is not None and run.figures
    assert FinishedFeature.objects.filter(feature__train=train).count() >= 2 * 3 * 4 * 0.8
    assert services.refresh_finished(train=train) == 0


def test_demo_dashboard_shows_figures_right_after_seeding(db):
    demo.build(demo.PROFILES["demo"])
    train = ReleaseTrain.objects.get(slug=demo.PROFILES["demo"].train_slug)
    client = Client()
    client.force_login(train.memberships.get(role="viewer").user)
    html = client.get(f"/trains/{train.slug}/metrics/").content.decode()
    assert "No figures computed yet" not in html
    assert "Computed " in html and "features" in html
