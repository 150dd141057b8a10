"""Seed steps of the train's calendar: the PIs with their iterations and milestones (through the
services), and the absences of people in the current PI."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from art import services
from art.models import Absence, Iteration, ProgramIncrement

from . import BATCH, SeedContext, data, seed_step
from .timeline import pi_calendar


@seed_step(140, "program increments")
def program_increments(ctx: SeedContext) -> None:
    """The closed PIs back to back, then the current one in planning, starting next Monday;
    milestones in the last closed PI and the current one."""
    slots = pi_calendar(ctx.today, ctx.profile.closed_pis)
    for slot in slots:
        state = ProgramIncrement.State.CLOSED if slot.closed else ProgramIncrement.State.PLANNING
        pi = services.pi_create(
            actor=ctx.users["rte"],
            train=ctx.train,
            name=slot.name,
            start_date=slot.start,
            end_date=slot.end,
            iterations=5,
            iteration_weeks=2,
            state=state,
        )
        ctx.pis.append(pi)
        ctx.iterations[pi.pk] = list(Iteration.objects.filter(pi=pi).order_by("number"))
    generic = [
        (0, "PI planning", "Two days, all teams."),
        (40, "Release to key accounts", "Shipped to the five largest customers first."),
        (62, "Inspect & Adapt", "PI system demo, measurements and the problem-solving workshop."),
    ]
    plans = [(ctx.current_pi, data.MILESTONES_CURRENT if ctx.profile.size == "demo" else generic)]
    if ctx.closed_pis:
        plans.append((ctx.closed_pis[-1], data.MILESTONES_CLOSED if ctx.profile.size == "demo" else generic))
    milestones = 0
    for pi, items in plans:
        for offset, name, description in items:
            services.milestone_create(
                actor=ctx.users["rte"],
                pi=pi,
                name=name,
                date=pi.start_date + dt.timedelta(days=offset),
                description=description,
            )
            milestones += 1
    ctx.count("PIs", len(ctx.pis))
    ctx.count("iterations", sum(len(v) for v in ctx.iterations.values()))
    ctx.count("milestones", milestones)


@seed_step(170, "absences")
def absences(ctx: SeedContext) -> None:
    """A few people away in the current PI, and a public holiday for one team."""
    rng, pi = ctx.rng, ctx.current_pi
    work = [i for i in ctx.iterations[pi.pk] if not i.is_ip]
    rows: dict[tuple[int, int], Absence] = {}
    holiday_team = ctx.teams[min(3, len(ctx.teams) - 1)]
    for person in ctx.people:
        if person.team_id == holiday_team.pk:
            rows[(person.pk, work[1].pk)] = Absence(
                member=person, iteration=work[1], days=Decimal("1"), reason="Public holiday"
            )
    for person in rng.sample(ctx.people, k=min(len(ctx.people), max(6, len(ctx.people) // 8))):
        iteration = rng.choice(work)
        reason = rng.choice(data.ABSENCE_REASONS[:1] * 4 + data.ABSENCE_REASONS[2:])
        days = Decimal(rng.choice([1, 2, 3, 5, 5, 10] if reason == "Vacation" else [1, 2, 3]))
        rows[(person.pk, iteration.pk)] = Absence(
            member=person, iteration=iteration, days=days, reason=reason
        )
    Absence.objects.bulk_create(rows.values(), batch_size=BATCH)
    ctx.count("absences", len(rows))
