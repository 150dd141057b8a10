"""Demo ART syncs: the last closed PI's syncs were held, with decisions, action items (most done
since, a few still open and carried over into today's syncs) and the odd escalation; the current
PI's syncs are ready to run. Runs after the calendar step (which generates every PI's events)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from art.demo import SeedContext, seed_step
from sync import services
from sync.models import ActionItem, Decision, Escalation, Event

DECISIONS = [
    "Fraud Shield takes the 3-D Secure fallback; Checkout keeps the old flow until it lands.",
    "Move the payout reconciliation demo to the next system demo.",
    "Freeze the scope of the wallet top-up feature: new asks go to the next PI.",
    "Pair Card Acquiring with Payouts on the ledger export for two days.",
    "Accept the risk of the card scheme change for this PI; review at I&A.",
    "Platform Runway gives the staging cluster priority over the perf lab this week.",
]
ACTIONS = [
    ("Book the integration environment for the end-to-end test", "Priya Shah"),
    ("Ask legal about storing the device fingerprint", "Tom Becker"),
    ("Share the settlement file spec with Card Acquiring", "Lena Novak"),
    ("Find a second reviewer for the PSD2 exemption engine", "Mateo Silva"),
    ("Raise the sandbox rate limit with the vendor", "Aisha Khan"),
    ("Write the rollback plan for the wallet migration", "Jonas Weber"),
    ("Check the holiday calendar with the Berlin team", "Sofia Rossi"),
    ("Set up the dashboard for chargeback latency", "Daniel Kim"),
]
ESCALATIONS = [
    ("Business owners", "Two features compete for Platform Runway's only SRE in iteration 3."),
    ("Portfolio", "The card scheme's new rules need budget for a certification run."),
]


@seed_step(320, "ART syncs held")
def syncs(ctx: SeedContext) -> None:
    if not ctx.closed_pis or not ctx.teams:
        return
    rng = ctx.rng
    now = min(timezone.now(), dt.datetime.combine(ctx.today, dt.time(0, 0), tzinfo=ctx.tz))
    pi = ctx.closed_pis[-1]
    held = list(
        Event.objects.filter(pi=pi, kind__in=[Event.Kind.ART_SYNC, Event.Kind.COACH_SYNC], ends_at__lt=now)
        .exclude(state=Event.State.CANCELLED)
        .order_by("starts_at")
    )
    rte, member = ctx.users["rte"], ctx.users["member"]
    decisions = actions = escalations = 0
    for index, event in enumerate(held):
        start = event.starts_at
        for n in range(rng.choice([1, 1, 2])):
            decision = services.decision_add(
                actor=rte, event=event, text=DECISIONS[(index * 2 + n) % len(DECISIONS)]
            )
            Decision.objects.filter(pk=decision.pk).update(
                created_at=start + dt.timedelta(minutes=20 + n * 15)
            )
            decisions += 1
        for n in range(rng.choice([1, 2])):
            title, owner = ACTIONS[(index * 3 + n) % len(ACTIONS)]
            item = services.action_item_create(
                actor=rng.choice([rte, member]),
                train=ctx.train,
                event=event,
                title=title,
                owner=owner,
                due_date=(start + dt.timedelta(days=7)).date(),
                created_at=start + dt.timedelta(minutes=30 + n * 10),
            )
            actions += 1
            # Most are done before the next sync; the last sync's, and a few others, stay open.
            if index < len(held) - 1 and rng.random() < 0.85:
                done_at = min(start + dt.timedelta(days=rng.randint(2, 6)), now)
                ActionItem.objects.filter(pk=item.pk).update(status=ActionItem.Status.DONE, done_at=done_at)
        if index % 4 == 2:
            to, why = ESCALATIONS[(index // 4) % len(ESCALATIONS)]
            escalation = services.escalation_add(actor=rte, event=event, to=to, why=why)
            Escalation.objects.filter(pk=escalation.pk).update(created_at=start + dt.timedelta(minutes=80))
            escalations += 1
    ctx.count("ART sync decisions", decisions)
    ctx.count("action items", actions)
    ctx.count("escalations", escalations)
