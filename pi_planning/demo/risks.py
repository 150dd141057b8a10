"""Demo risks in every ROAM column, moved through the services so that each card has its
history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from art.demo import SeedContext, seed_step
from art.models import Membership, Team
from pi_planning import services
from pi_planning.demo.common import at_hour, backdate, owner_names
from pi_planning.models import Risk

RISKS = [
    ("Certification slot with the card scheme may slip", "Only two slots left this quarter."),
    ("Key engineer on parental leave in iteration 3", "Knowledge of the ledger sits with one person."),
    ("Shared test environment too small for load tests", "Load tests of two teams collide."),
    ("New strong customer authentication rules", "The regulator publishes the final text mid-PI."),
    ("Vendor SDK end of life", "The fraud vendor drops the SDK version we use."),
    ("Unclear requirements for multi-currency payouts", "Product and finance disagree on rounding."),
    ("Ledger performance under peak load", "Black Friday volumes were 3× the PI's tests."),
    ("Bank API sandbox availability", "The sandbox was down 4 days last PI."),
    ("Hiring freeze delays the platform team", "Two open positions stay open."),
    ("Migration of historic payouts", "Ten years of data, three formats."),
    ("Open findings from the security audit", "Three medium findings without an owner yet."),
    ("Third-party outage during the release window", "Our CDN provider schedules maintenance."),
    ("Scope creep on the merchant dashboard", "Sales promised extra reports."),
    ("Single point of failure in the deployment pipeline", "One runner builds everything."),
    ("Data protection review of new analytics", "The DPO has not seen the design yet."),
]


def _risks(ctx: SeedContext) -> None:
    rng, now = ctx.rng, timezone.now()
    owners = owner_names(ctx)
    rte, member = ctx.users["rte"], ctx.users["member"]
    movers = [rte, member]
    member_team = (
        Membership.objects.filter(user=member, train=ctx.train).values_list("team_id", flat=True).first()
    )

    def mover(team: Team | None) -> Any:
        """Someone who may change the risk: the member changes their own team's or no team's."""
        who = rng.choice(movers)
        return who if who is rte or team is None or team.pk == member_team else rte

    paths = [
        [],  # un-ROAMed
        [],
        [],
        [("owned", True, False)],
        [("owned", True, False)],
        [("accepted", False, False)],
        [("accepted", False, False)],
        [("owned", True, False), ("mitigated", True, True)],
        [("mitigated", True, True)],
        [("resolved", False, False)],
        [("owned", True, False), ("resolved", False, False)],
        [("accepted", False, False), ("mitigated", True, True)],
        [("owned", True, False), ("accepted", False, False)],
    ]
    repeat = 1 if ctx.profile.size == "demo" else 4
    made = 0
    history = []
    catalogue = list(RISKS)
    for round_index in range(repeat):
        rng.shuffle(catalogue)
        for index, path in enumerate(paths):
            title, description = catalogue[index % len(catalogue)]
            if round_index:
                title = f"{title} ({ctx.teams[(index + round_index) % len(ctx.teams)].name})"
            team = rng.choice(ctx.teams) if rng.random() < 0.7 else None
            age = rng.randint(1, 30)
            created = now - dt.timedelta(days=age, hours=rng.randint(0, 8))
            risk = services.risk_create(
                actor=mover(team),
                train=ctx.train,
                pi=ctx.current_pi,
                team=team,
                title=title,
                description=description,
                created_at=created,
            )
            for roam, needs_owner, needs_plan in path:
                risk = services.risk_roam(
                    actor=mover(team),
                    risk=risk,
                    roam=roam,
                    owner=rng.choice(owners) if needs_owner and not risk.owner else None,
                    mitigation_plan=rng.choice(PLANS) if needs_plan and not risk.mitigation_plan else None,
                )
            history.append((risk.pk, created, now - dt.timedelta(hours=1)))
            made += 1
    # The last closed PI's risks, resolved or accepted by now.
    if ctx.closed_pis:
        pi = ctx.closed_pis[-1]
        for title, description in catalogue[:4]:
            created = at_hour(pi.start_date - dt.timedelta(days=5), ctx.tz)
            risk = services.risk_create(
                actor=ctx.users["rte"],
                train=ctx.train,
                pi=pi,
                title=title,
                description=description,
                created_at=created,
            )
            risk = services.risk_roam(
                actor=ctx.users["rte"], risk=risk, roam=rng.choice(["resolved", "accepted"])
            )
            Risk.objects.filter(pk=risk.pk).update(
                roamed_at=at_hour(pi.end_date - dt.timedelta(days=10), ctx.tz)
            )
            history.append((risk.pk, created, at_hour(pi.end_date - dt.timedelta(days=10), ctx.tz)))
            made += 1
    # Risks raised from concerns: dated at the vote.
    for risk in Risk.objects.filter(train=ctx.train, source_vote__isnull=False):
        history.append((risk.pk, risk.created_at, risk.created_at))
    backdate(Risk, history)
    ctx.count("risks", made)


PLANS = [
    "Book the backup slot now and prepare the evidence pack in iteration 1.",
    "Pair two engineers on the ledger from iteration 1; write the runbook.",
    "Reserve the performance environment for two nights per iteration.",
    "Design for both variants; decide when the final text is out.",
    "Upgrade in iteration 2, with the vendor's migration guide.",
    "Workshop with finance in iteration 1; product owner decides by iteration 2.",
]


@seed_step(226, "risks")
def risks_step(ctx: SeedContext) -> None:
    if ctx.teams and ctx.pis:
        _risks(ctx)
