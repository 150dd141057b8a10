"""seed_demo's "inspect & adapt" step: the closed PI's workshop was held (problem, ten causes over
the six bones with whys 2–5 deep, dots within everyone's five, the restated problem, solutions,
four improvement items for the PI after it), its objectives are scored; run twice, it adds
nothing; the large train gets the same shape."""

import datetime as dt
import random

import pytest
from django.db.models import Sum
from django.utils import timezone

from art import demo
from art.models import ProgramIncrement
from pi_planning.models import Objective
from sync.demo.workshops import inspect_adapt_step
from sync.models import Cause, CauseVote, ImprovementItem, Solution, Workshop
from sync.selectors.workshops import pareto_rows
from tests.art.factories import PIFactory

pytestmark = pytest.mark.django_db


def context(world, size: str = "demo") -> demo.SeedContext:
    world.pi.state = ProgramIncrement.State.CLOSED
    world.pi.save(update_fields=["state"])
    current = PIFactory(
        train=world.train,
        name="PI 26.2",
        start_date=dt.date(2026, 3, 16),
        state=ProgramIncrement.State.EXECUTING,
    )
    ctx = demo.SeedContext(
        profile=demo.PROFILES[size], today=timezone.localdate(), rng=random.Random(7), actor=None
    )
    ctx.train = world.train
    ctx.teams = [world.team, world.other_team]
    ctx.pis = [world.pi, current]
    ctx.users = {
        "rte": world.rte,
        "product": world.product,
        "owner": world.business_owner,
        "member": world.member,
    }
    ctx.team_users = {world.team.pk: [world.member], world.other_team.pk: [world.other_member]}
    return ctx


def test_the_step_is_one_of_the_train_events(world):
    step = next(s for s in demo.seed_steps() if s.name == "inspect & adapt")
    assert step.order == 350


@pytest.mark.parametrize("size", ["demo", "large"])
def test_the_closed_pi_held_its_workshop_and_a_second_run_adds_nothing(world, size):
    ctx = context(world, size)
    unscored = Objective.objects.create(pi=world.pi, team=world.team, title="Wallet", planned_bv=8)
    inspect_adapt_step(ctx)
    workshop = Workshop.objects.get()
    assert workshop.pi == world.pi and workshop.problem and workshop.restated_problem
    causes = list(Cause.objects.filter(workshop=workshop))
    assert len(causes) == 10
    assert {c.category for c in causes} == {
        "people",
        "process",
        "tools",
        "program",
        "environment",
        "providers",
    }
    assert all(2 <= len(c.whys) <= 5 for c in causes)
    per_voter = CauseVote.objects.values("voter").annotate(total=Sum("dots"))
    assert len(per_voter) >= 4 and all(row["total"] <= 5 for row in per_voter)
    assert pareto_rows(workshop)[0].votes > pareto_rows(workshop)[-1].votes
    assert Solution.objects.filter(workshop=workshop).count() == 5
    items = list(ImprovementItem.objects.filter(workshop=workshop))
    assert len(items) == 4
    assert {i.target_pi.name for i in items} == {"PI 26.2"} and all(i.owner and i.due_date for i in items)
    assert all(i.cause is not None for i in items)
    unscored.refresh_from_db()
    assert unscored.actual_bv is not None
    # when the step runs again, then nothing is added
    counts = (
        Cause.objects.count(),
        CauseVote.objects.count(),
        Solution.objects.count(),
        ImprovementItem.objects.count(),
    )
    inspect_adapt_step(context_again(ctx))
    assert (
        Workshop.objects.count(),
        Cause.objects.count(),
        CauseVote.objects.count(),
        Solution.objects.count(),
        ImprovementItem.objects.count(),
    ) == (1, *counts)


def context_again(ctx):
    ctx.counts = {}
    return ctx
