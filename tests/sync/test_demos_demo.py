"""seed_demo's system demos step: the closed PI's development iterations (and the current PI's
finished ones) have held demos with decided items, one not accepted with its reason, and
stakeholder feedback; through the services for the demo train, in bulk for the large one; a second
run of seed_demo changes nothing."""

import datetime as dt
from collections import Counter

import pytest

from art import demo
from art.models import ChangeRecord
from sync.models import DemoFeedback, DemoItem, SystemDemo
from sync.selectors.releases import finished_items

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 18)


def test_the_step_is_one_of_the_train_events():
    step = next(s for s in demo.seed_steps() if s.name == "system demos")
    assert step.order == 340


def test_the_demo_train_has_its_demos_and_a_second_run_changes_nothing(client):
    ctx = demo.build(demo.PROFILES["demo"], today=TODAY)
    closed = ctx.closed_pis[-1]
    demos = list(SystemDemo.objects.filter(train=ctx.train).select_related("iteration"))
    development = [i for i in ctx.iterations[closed.pk] if not i.is_ip]
    finished_current = [i for i in ctx.iterations[ctx.current_pi.pk] if not i.is_ip and i.end_date < TODAY]
    assert {d.iteration for d in demos} == set(development) | set(finished_current)
    assert ctx.counts["system demos"] == len(demos) >= 4
    assert all(
        d.state == "held" and d.held_at.astimezone(ctx.tz).date() <= d.iteration.end_date for d in demos
    )
    assert all(d.held_at.astimezone(ctx.tz).weekday() < 5 and d.summary for d in demos)
    # each shows the features finished in its iteration
    for d in demos:
        shown = set(d.items.values_list("feature_id", flat=True))
        done = {f.id for f in finished_items(ctx.train, d.iteration.start_date, d.iteration.end_date)}
        assert shown == done
    outcomes = Counter(DemoItem.objects.filter(demo__train=ctx.train).values_list("outcome", flat=True))
    assert outcomes["not_accepted"] == 1 and outcomes["accepted"] > 10 and outcomes["pending"] == 0
    declined = DemoItem.objects.get(demo__train=ctx.train, outcome="not_accepted")
    assert len(declined.notes) > 20
    notes = DemoFeedback.objects.filter(demo__train=ctx.train)
    assert notes.count() >= 2 * len(demos) and all(n.stakeholder and n.text for n in notes)
    assert notes.exclude(feature=None).exists() and notes.filter(feature=None).exists()
    # through the services: each demo's history, dated the day it was prepared
    first = demos[0]
    record = ChangeRecord.objects.get(content_type__model="systemdemo", object_id=first.pk, action="created")
    assert record.actor == ctx.users["rte"] and record.at.date() < TODAY
    # the pages show them
    client.force_login(ctx.users["viewer"])
    page = client.get(f"/trains/{ctx.train.slug}/pis/{closed.pk}/demos/").content.decode()
    assert "1 not accepted" in page
    # and running seed_demo again builds nothing: same demos, items and notes
    before = (SystemDemo.objects.count(), DemoItem.objects.count(), DemoFeedback.objects.count())
    assert demo.build(demo.PROFILES["demo"], today=TODAY) is None
    assert (SystemDemo.objects.count(), DemoItem.objects.count(), DemoFeedback.objects.count()) == before


def test_the_large_profile_gets_the_same_shape_in_bulk():
    profile = demo.PROFILES["large"].scaled(
        teams=3,
        people_per_team=(5, 6),
        closed_pis=2,
        features_per_team_pi=(4, 5),
        stories_per_feature=(1, 2),
        current_pi_features_per_team=(1, 2),
        backlog_features=4,
    )
    ctx = demo.build(profile, today=TODAY)
    demos = SystemDemo.objects.filter(train=ctx.train)
    development = [i for pi in ctx.closed_pis for i in ctx.iterations[pi.pk] if not i.is_ip]
    assert demos.count() == ctx.counts["system demos"] >= len(development) == 8
    assert set(demos.values_list("state", flat=True)) == {"held"}
    items = DemoItem.objects.filter(demo__train=ctx.train)
    assert items.exists() and set(items.values_list("outcome", flat=True)) <= {"accepted", "not_accepted"}
    for d in demos.select_related("iteration"):
        done = {f.id for f in finished_items(ctx.train, d.iteration.start_date, d.iteration.end_date)}
        assert set(d.items.values_list("feature_id", flat=True)) == done
    assert DemoFeedback.objects.filter(demo__train=ctx.train).count() == 2 * demos.count()
