"""seed_demo's planning-readiness step: the RTE's ticks on the current PI (some done, some not)
and improvement items written directly in every status; the same shape at the large train's
scale; running it twice adds nothing."""

import random

import pytest
from django.utils import timezone

from art import demo
from sync.demo.readiness import readiness_step
from sync.models import ImprovementItem, ReadinessCheck
from sync.selectors.improvements import improvement_backlog
from tests.art.factories import TeamFactory

pytestmark = pytest.mark.django_db


def context(world, size: str, teams: int = 2) -> demo.SeedContext:
    ctx = demo.SeedContext(
        profile=demo.PROFILES[size], today=timezone.localdate(), rng=random.Random(7), actor=None
    )
    ctx.train = world.train
    ctx.teams = [world.team, world.other_team] + [TeamFactory(train=world.train) for _ in range(teams - 2)]
    ctx.pis = [world.pi]
    ctx.users = {
        "rte": world.rte,
        "product": world.product,
        "owner": world.business_owner,
        "member": world.member,
    }
    return ctx


def test_the_step_is_numbered_360():
    step = next(s for s in demo.seed_steps() if s.name == "planning readiness")
    assert step.order == 360


def test_the_demo_train_gets_ticks_and_every_status_twice_over_the_same(world, client):
    readiness_step(context(world, "demo"))
    readiness_step(context(world, "demo"))  # again: nothing more

    checks = ReadinessCheck.objects.filter(pi=world.pi)
    assert checks.count() == 4
    assert checks.filter(done=True).count() == 2
    backlog = improvement_backlog(train=world.train)
    assert {c.value: c.count for c in backlog.counts} == {
        "open": 1,
        "in_progress": 1,
        "done": 1,
        "dropped": 1,
    }
    assert all(row.workshop_id is None for row in backlog.rows)
    assert backlog.overdue == 1
    client.force_login(world.viewer)
    page = client.get(f"/trains/{world.train.slug}/pis/{world.pi.pk}/readiness/").content.decode()
    assert "Automate the release checklist" in page and "Ticked by" in page


def test_the_large_train_gets_the_same_shape_at_its_scale(world):
    ctx = context(world, "large", teams=24)
    readiness_step(ctx)
    readiness_step(ctx)
    items = ImprovementItem.objects.filter(train=world.train)
    assert items.count() == 8  # one per three teams
    assert set(items.values_list("status", flat=True)) == set(ImprovementItem.Status.values)
    assert ReadinessCheck.objects.filter(pi=world.pi).count() == 4
