"""Demo impediments: every category, some open and aging (raised weeks ago), some resolved, a few
escalated to the ART or the portfolio. The demo train's go through the services, so that each
has its history; the large train gets the same shape at its scale, in bulk."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from art.demo import BATCH, SeedContext, seed_step
from art.models import Membership, Team
from pi_planning.demo.common import backdate, owner_names
from sync import services
from sync.models import Impediment

C = Impediment.Category
E = Impediment.Escalation


@dataclass(frozen=True)
class Spec:
    category: str
    title: str
    description: str
    age_days: int
    resolved_after: int | None = None  # days after it was raised; None: still open
    escalation: str = E.TEAM
    whole_train: bool = False
    owned: bool = True


#: The demo train's log, hand-written so that it reads like a PI in progress: five open ones are
#: aging (14 days or more), the youngest was raised today.
DEMO = [
    Spec(
        C.ENVIRONMENT,
        "Shared staging environment down twice a week",
        "Deployments of three teams queue behind each other; the infrastructure team has no slot.",
        31,
        escalation=E.ART,
        whole_train=True,
    ),
    Spec(
        C.FEEDBACK,
        "Card scheme has not answered the certification questions",
        "Sent on the first day of the PI; the certification slot depends on the answer.",
        22,
        escalation=E.PORTFOLIO,
    ),
    Spec(
        C.DEPENDENCY,
        "Payout file format from the Ledger team not agreed",
        "Two drafts, no decision: the reconciliation stories cannot start.",
        16,
        escalation=E.ART,
    ),
    Spec(C.PRIORITIES, "Two developers pulled onto the incident rota", "Until the on-call hire starts.", 15),
    Spec(
        C.REQUIREMENTS,
        "Rounding rules for multi-currency payouts unclear",
        "Product and finance disagree; the acceptance criteria wait for them.",
        14,
        owned=False,
    ),
    Spec(C.ENVIRONMENT, "CI runners queue builds for 40 minutes", "", 9),
    Spec(
        C.DEPENDENCY,
        "Fraud-scoring endpoint of the risk engine returns stale scores",
        "Integration tests fail every other night.",
        5,
    ),
    Spec(C.OTHER, "Laptops for the two new joiners not delivered", "", 3, owned=False),
    Spec(C.FEEDBACK, "Legal has not reviewed the new merchant terms", "", 1, escalation=E.ART),
    Spec(C.REQUIREMENTS, "Dashboard export: which columns does sales need?", "", 0, owned=False),
    Spec(C.ENVIRONMENT, "Load-test cluster booked by another train", "", 26, resolved_after=6),
    Spec(
        C.DEPENDENCY,
        "Sandbox credentials from the acquiring bank",
        "",
        19,
        resolved_after=12,
        escalation=E.ART,
    ),
    Spec(C.PRIORITIES, "Platform team asked to support the data-centre move", "", 40, resolved_after=25),
    Spec(C.FEEDBACK, "Security review of the tokenisation design", "", 12, resolved_after=4),
    Spec(
        C.OTHER,
        "No room for the PI planning dry run",
        "",
        35,
        resolved_after=3,
        escalation=E.PORTFOLIO,
        whole_train=True,
    ),
]


def _demo(ctx: SeedContext) -> int:
    rng, now = ctx.rng, timezone.now()
    owners = owner_names(ctx)
    users = ctx.users
    member = users["member"]
    member_team = (
        Membership.objects.filter(user=member, train=ctx.train).values_list("team_id", flat=True).first()
    )
    history = []
    for index, spec in enumerate(DEMO):
        team: Team | None = None if spec.whole_train else rng.choice(ctx.teams)
        # Whoever raises it: the member for their own team, else the RTE, product or an owner.
        if team is not None and team.pk == member_team:
            actor = member
        else:
            actor = users[("rte", "product", "owner")[index % 3]]
        created = now - dt.timedelta(days=spec.age_days, hours=rng.randint(1, 6))
        impediment = services.impediment_create(
            actor=actor,
            train=ctx.train,
            title=spec.title,
            category=spec.category,
            team=team,
            owner=rng.choice(owners) if spec.owned else "",
            escalation=spec.escalation,
            description=spec.description,
            created_at=created,
        )
        end = created
        if spec.resolved_after is not None:
            end = created + dt.timedelta(days=spec.resolved_after, hours=rng.randint(0, 5))
            services.impediment_update(
                actor=users["rte"], impediment=impediment, status=Impediment.Status.RESOLVED
            )
            Impediment.objects.filter(pk=impediment.pk).update(resolved_at=end)
        history.append((impediment.pk, created, end))
    backdate(Impediment, history)
    return len(DEMO)


def _large(ctx: SeedContext) -> int:
    """The same shape for every team of the large train: about three per team, a third resolved,
    one in four aging, some escalated; written in bulk."""
    rng, now = ctx.rng, timezone.now()
    owners = owner_names(ctx)
    creator: Any = ctx.users.get("rte")
    rows = []
    places: list[Team | None] = [team for team in ctx.teams for _ in range(3)] + [None] * max(
        2, len(ctx.teams) // 3
    )
    for index, team in enumerate(places):
        spec = DEMO[index % len(DEMO)]
        age = rng.choice([0, 1, 2, 3, 5, 8, 10, 13, 14, 16, 21, 30, 45, 60])
        created = now - dt.timedelta(days=age, hours=rng.randint(1, 6))
        resolved = rng.random() < 0.33 and age > 1
        resolved_at = created + dt.timedelta(days=rng.randint(1, age)) if resolved else None
        if resolved_at is not None and resolved_at > now:
            resolved_at = now
        escalation = rng.choices([E.TEAM, E.ART, E.PORTFOLIO], weights=[7, 2, 1])[0]
        rows.append(
            Impediment(
                train=ctx.train,
                team=team,
                title=spec.title if team is None else f"{spec.title} ({team.name})",
                description=spec.description,
                category=Impediment.Category.values[index % len(Impediment.Category.values)],
                owner=rng.choice(owners) if rng.random() < 0.8 else "",
                escalation=escalation,
                status=Impediment.Status.RESOLVED if resolved_at else Impediment.Status.OPEN,
                created_by=creator,
                created_at=created,
                resolved_at=resolved_at,
            )
        )
    Impediment.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@seed_step(330, "impediments")
def impediments_step(ctx: SeedContext) -> None:
    if not ctx.teams:
        return
    made = _demo(ctx) if ctx.profile.size == "demo" else _large(ctx)
    ctx.count("impediments", made)
