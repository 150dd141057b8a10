"""seed_demo's impediments step: every category, open and aging ones, resolved ones, escalations
to the ART and the portfolio; through the services (with history) for the demo train, in bulk
at the large train's scale."""

import datetime as dt
import random

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from art import demo
from art.models import ChangeRecord
from sync.demo.impediments import impediments_step
from sync.models import Impediment
from sync.selectors.impediments import ImpedimentFilters, impediment_list
from tests.art.factories import TeamFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def context(world, size: str, teams: int = 2) -> demo.SeedContext:
    ctx = demo.SeedContext(
        profile=demo.PROFILES[size], today=timezone.localdate(), rng=random.Random(7), actor=None
    )
    ctx.train = world.train
    ctx.teams = [world.team, world.other_team] + [
        TeamFactory(train=world.train, name=f"Team {n}") for n in range(teams - 2)
    ]
    ctx.people = [TeamMemberFactory(team=team, role="product_owner") for team in ctx.teams]
    ctx.users = {
        "rte": world.rte,
        "product": world.product,
        "owner": world.business_owner,
        "member": world.member,
    }
    return ctx


def test_the_step_is_one_of_the_train_events(world):
    step = next(s for s in demo.seed_steps() if s.name == "impediments")
    assert 300 <= step.order <= 399


def test_the_demo_trains_log_has_every_shape(world, client):
    ctx = context(world, "demo")
    impediments_step(ctx)
    log = impediment_list(train=world.train, filters=ImpedimentFilters(status="all"))
    rows = log.rows
    assert ctx.counts["impediments"] == len(rows) == 15
    assert {r.category for r in rows} == set(Impediment.Category.values)
    open_rows = [r for r in rows if r.status == "open"]
    assert sum(r.aging for r in open_rows) == 5  # raised 31, 22, 16, 15 and 14 days ago
    assert any(not r.aging for r in open_rows) and any(r.age_days == 0 for r in open_rows)
    resolved = [r for r in rows if r.status == "resolved"]
    assert len(resolved) == 5 and all(r.resolved_at < timezone.now() for r in resolved)
    assert all(r.resolved_at > r.created_at for r in resolved)
    assert {r.escalation for r in open_rows} == {"team", "art", "portfolio"}
    assert any(r.team is None for r in rows) and any(not r.owner for r in open_rows)
    # each went through the services: its history is dated when it happened, not now
    records = ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(Impediment))
    oldest = records.filter(action="created").order_by("at").first()
    assert oldest.at < timezone.now() - dt.timedelta(days=30)
    assert records.filter(action="updated", changes__has_key="status").count() == 5
    # the log shows them
    client.force_login(world.viewer)
    page = client.get(f"/trains/{world.train.slug}/impediments/")
    assert page.status_code == 200 and "Aging · 31 days" in page.content.decode()


def test_the_large_train_gets_the_same_shape_at_its_scale(world):
    ctx = context(world, "large", teams=9)
    impediments_step(ctx)
    rows = impediment_list(train=world.train, filters=ImpedimentFilters(status="all")).rows
    # three per team and a train-level one for every third team: 9 × 3 + 3
    assert ctx.counts["impediments"] == len(rows) == 30
    assert {r.category for r in rows} == set(Impediment.Category.values)
    assert any(r.aging for r in rows) and any(r.status == "resolved" for r in rows)
    assert {"art", "portfolio"} <= {r.escalation for r in rows}
    assert all(r.resolved_at is None or r.created_at < r.resolved_at <= timezone.now() for r in rows)
