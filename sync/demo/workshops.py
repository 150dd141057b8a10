"""The demo's Inspect & Adapt: the last closed PI's problem-solving workshop was held. A problem
statement, ten causes over the six bones with their whys (two to five deep), the dots of several
of the train's people (each within their five), the restated problem, the solutions brainstormed
and four improvement items targeted at the PI after it (the one under way or in planning). The
closed PI's objectives are scored where they are not yet (the business owners did it at the PI
system demo). Everything goes through the services, so each write has its history; the large
train gets the same workshop with the dots of many more people.

Idempotent: a workshop that has causes already is left as it is."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from art.demo import SeedContext, seed_step
from art.models import ProgramIncrement
from pi_planning.models import Objective
from pi_planning.services.objectives import objective_update
from sync import services
from sync.models import Cause, CauseVote, Solution, Workshop

PROBLEM = (
    "Features slip out of the iteration they were planned for: a third of the committed features "
    "finished one or two iterations late, and two PI objectives were missed."
)
RESTATED = (
    "We start features before their integrations are ready and find out late, because the shared "
    "staging environment and the test data are bottlenecks nobody owns."
)
#: (bone, cause, whys): ten causes over the six bones.
CAUSES = [
    (
        "environment",
        "Shared staging is down or busy twice a week",
        [
            "Three teams deploy to it at the same time",
            "There is one staging for the whole train",
            "A second one was never budgeted",
            "Nobody owns the environments' cost",
        ],
    ),
    (
        "process",
        "Integration tests run only at night",
        ["They take four hours", "They run against real partner sandboxes", "Nobody wrote contract tests"],
    ),
    (
        "providers",
        "Acquiring bank sandbox answers late or not at all",
        ["The bank has one sandbox for all its clients", "Our rate limit is the default one"],
    ),
    (
        "program",
        "Features enter the PI without acceptance criteria",
        [
            "Product management writes them during PI planning",
            "The backlog refinement before planning was cancelled",
            "The ART had no time slot for it in the IP iteration",
        ],
    ),
    (
        "people",
        "Two developers were pulled onto the incident rota",
        ["The on-call hire starts late", "The rota covers the whole company"],
    ),
    (
        "tools",
        "Test data has to be copied by hand",
        [
            "The anonymiser breaks on the new schema",
            "Its maintainer left",
            "No team owns the tool",
            "It was a side project",
            "It was never put on a backlog",
        ],
    ),
    (
        "process",
        "Dependencies are found after PI planning",
        ["Teams plan their features alone first", "The dependency board is filled on day two"],
    ),
    (
        "people",
        "New joiners wait weeks for access rights",
        ["Access is requested one system at a time", "There is no onboarding checklist"],
    ),
    (
        "providers",
        "Card scheme changes arrive mid-PI",
        ["Their release calendar is not on ours", "Nobody reads the scheme bulletins"],
    ),
    (
        "tools",
        "CI runners queue builds for 40 minutes",
        ["The runner pool is shared with two other trains", "It scales by hand"],
    ),
]
#: Each voter's dots by the index of the cause (each within five).
BALLOTS = [
    {0: 3, 1: 2},
    {0: 2, 5: 2, 1: 1},
    {1: 3, 3: 2},
    {0: 1, 3: 1, 5: 2, 2: 1},
    {0: 2, 1: 1, 6: 2},
    {5: 1, 0: 2, 9: 2},
    {3: 2, 2: 1, 0: 2},
    {1: 2, 4: 1, 7: 2},
]
SOLUTIONS = [
    (0, "A second staging environment, booked by iteration"),
    (1, "Contract tests for the three partner APIs, run on every merge"),
    (5, "Give the anonymiser an owner team and a backlog"),
    (3, "A refinement slot in every IP iteration, before PI planning"),
    (None, "Show integrations, not just features, at every system demo"),
]
#: (title, cause index, owner, days after the next PI starts that it is due)
ITEMS = [
    ("Stand up a second staging environment", 0, "Rita Engel", 28),
    ("Contract tests for the partner APIs on every merge", 1, "Mateo Silva", 42),
    ("Hand the test-data anonymiser to Platform Runway", 5, "Priya Nair", 21),
    ("Book a refinement slot in the IP iteration", 3, "Priya Nair", 14),
]


def _score_objectives(ctx: SeedContext, pi: ProgramIncrement) -> int:
    """Score the closed PI's objectives the business owners have not scored yet (0 when done)."""
    owner = ctx.users.get("owner")
    scored = 0
    for objective in Objective.objects.filter(pi=pi, actual_bv__isnull=True):
        planned = objective.planned_bv or 3
        actual = max(0, planned - ctx.rng.choice([0, 0, 1, 2])) if objective.committed else planned // 2
        objective_update(actor=owner, objective=objective, actual_bv=actual)
        scored += 1
    return scored


def _voters(ctx: SeedContext) -> list:
    """The demo's logins who take part, then people of the teams who have a login."""
    people = [ctx.users[name] for name in ("rte", "product", "owner", "member") if name in ctx.users]
    for team in ctx.teams:
        people += [user for user in ctx.team_users.get(team.pk, []) if user not in people]
    return people


def _workshop(ctx: SeedContext, pi: ProgramIncrement, target: ProgramIncrement | None) -> int:
    rte = ctx.users["rte"]
    workshop = services.workshop_open(actor=rte, pi=pi)
    if Cause.objects.filter(workshop=workshop).exists():
        return 0
    workshop = services.workshop_update(actor=rte, workshop=workshop, problem=PROBLEM)
    authors = [ctx.users[name] for name in ("rte", "member", "product", "owner") if name in ctx.users]
    causes = [
        services.cause_add(
            actor=authors[index % len(authors)], workshop=workshop, category=bone, text=text, whys=whys
        )
        for index, (bone, text, whys) in enumerate(CAUSES)
    ]
    voters = _voters(ctx)
    # The demo: one ballot each; the large train: every third person with a login votes too.
    count = len(BALLOTS) if ctx.profile.size == "demo" else max(len(BALLOTS), len(voters) // 3)
    for index, voter in enumerate(voters[:count]):
        for cause_index, dots in BALLOTS[index % len(BALLOTS)].items():
            services.cause_vote(actor=voter, cause=causes[cause_index], dots=dots)
    for solved, text in SOLUTIONS:
        services.solution_add(
            actor=authors[len(text) % len(authors)],
            workshop=workshop,
            text=text,
            cause=causes[solved] if solved is not None else None,
        )
    services.workshop_update(actor=rte, workshop=workshop, restated_problem=RESTATED)
    for title, cause_index, owner, due_in in ITEMS:
        services.improvement_item_create(
            actor=rte,
            train=ctx.train,
            title=title,
            owner=owner,
            due_date=(target.start_date + dt.timedelta(days=due_in)) if target else None,
            target_pi=target,
            workshop=workshop,
            cause=causes[cause_index],
        )
    _backdate(workshop, pi)
    return len(causes)


def _backdate(workshop: Workshop, pi: ProgramIncrement) -> None:
    """The workshop was held at the end of the PI, not today."""
    held = min(timezone.now(), dt.datetime.combine(pi.end_date, dt.time(13, 0), tzinfo=dt.UTC))
    Workshop.objects.filter(pk=workshop.pk).update(created_at=held - dt.timedelta(hours=3))
    for index, cause in enumerate(Cause.objects.filter(workshop=workshop).order_by("id")):
        Cause.objects.filter(pk=cause.pk).update(created_at=held - dt.timedelta(hours=2, minutes=-3 * index))
    Solution.objects.filter(workshop=workshop).update(created_at=held - dt.timedelta(minutes=30))


@seed_step(350, "inspect & adapt")
def inspect_adapt_step(ctx: SeedContext) -> None:
    if not ctx.closed_pis or not ctx.teams or "rte" not in ctx.users:
        return
    pi = ctx.closed_pis[-1]
    later = [p for p in ctx.pis if p.start_date > pi.start_date and p.state != ProgramIncrement.State.CLOSED]
    target = min(later, key=lambda p: p.start_date, default=None)
    ctx.count("objectives scored at the PI system demo", _score_objectives(ctx, pi))
    made = _workshop(ctx, pi, target)
    if made:
        ctx.count("workshop causes", made)
        ctx.count("dot votes", CauseVote.objects.filter(workshop__pi=pi).count())
        ctx.count("improvement items", len(ITEMS))
