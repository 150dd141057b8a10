"""Demo system demos: every development iteration of the closed PIs, and each finished iteration
of the current PI, has its system demo, held on the iteration's last day: the features finished
in it shown (most accepted, one in each PI not accepted, with the reason), the stakeholders'
feedback and a summary. The demo train's go through the services, so that each has its history;
the large train gets the same shape at its scale, in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from art.demo import BATCH, SeedContext, seed_step
from art.models import Feature, Iteration
from pi_planning.demo.common import backdate
from sync import services
from sync.models import DemoFeedback, DemoItem, SystemDemo
from sync.selectors.releases import finished_items

#: What business owners said when they did not accept a feature (the item's notes).
NOT_ACCEPTED = [
    "Refunds above the daily limit still go through without the second approval: not what we agreed.",
    "The export misses the merchant's VAT number, which finance needs for every line.",
    "Works for cards, not for SEPA payouts yet; show it again when both are in.",
]
#: Notes on accepted features.
ACCEPTED_NOTES = [
    "Shown end to end on staging with a real merchant account.",
    "Accepted; the support team wants a short how-to before go-live.",
    "",
    "",
    "Accepted as shown.",
    "",
]
#: Stakeholder feedback, as it was said: (who said it, what they said, on a shown feature?).
FEEDBACK = [
    (
        "Head of merchant support",
        "Support calls about payout dates should drop with this; can we see the numbers after a month?",
        True,
    ),
    (
        "CFO office",
        "The reconciliation view is the first one finance can use without a spreadsheet next to it.",
        True,
    ),
    (
        "Sales lead DACH",
        "Two prospects asked for exactly this last week. When can they try it in the sandbox?",
        True,
    ),
    (
        "Risk & compliance",
        "Please keep the audit trail of every manual override; the auditors will ask.",
        False,
    ),
    (
        "Product marketing",
        "Good demo flow; next time start with the merchant's view, not the admin screens.",
        False,
    ),
    (
        "Customer advisory board",
        "Faster onboarding matters more to us than new payment methods this quarter.",
        False,
    ),
    ("Head of operations", "The alert noise is much better; the on-call team noticed.", True),
]
SUMMARIES = [
    "{n} features shown end to end on the integrated staging environment. {accepted} accepted; "
    "{not_accepted} goes back to the team with the business owners' remarks. Stakeholders asked for "
    "usage numbers at the next demo.",
    "A calm demo: {n} features, {accepted} accepted. Merchants' feedback on onboarding was the main topic; "
    "product management takes it into the next backlog refinement.",
]


LARGE_SUMMARY = (
    "The features finished in the iteration, shown on the integrated staging environment; the business "
    "owners accepted most of them. Stakeholders' notes below."
)
NOTHING_SHOWN = (
    "Nothing was finished yet: the teams showed their work in progress on staging, and the business "
    "owners asked to see the onboarding flow end to end at the next demo."
)


def _summary(shown: int, accepted: int) -> str:
    if not shown:
        return NOTHING_SHOWN
    template = SUMMARIES[0] if accepted < shown else SUMMARIES[1]
    return template.format(n=shown, accepted=accepted, not_accepted=shown - accepted)


def _demo_iterations(ctx: SeedContext) -> list[Iteration]:
    """Development iterations of the closed PIs, and the current PI's finished ones."""
    chosen = []
    for pi in ctx.pis:
        for iteration in ctx.iterations.get(pi.pk, []):
            if iteration.is_ip:
                continue
            if pi in ctx.closed_pis or iteration.end_date < ctx.today:
                chosen.append(iteration)
    return chosen


def _held_at(ctx: SeedContext, iteration: Iteration) -> dt.datetime:
    """The end of the demo hour on the iteration's last working day (as the calendar has it)."""
    day = iteration.end_date
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    held = dt.datetime.combine(day, dt.time(15, 0), tzinfo=ctx.tz)
    return min(held, timezone.now())


def _demo(ctx: SeedContext) -> int:
    rte, owner = ctx.users["rte"], ctx.users["owner"]
    writers = [ctx.users[name] for name in ("rte", "product", "owner", "member") if name in ctx.users]
    made, history = 0, []
    declined_in: set[int] = set()
    for index, iteration in enumerate(_demo_iterations(ctx)):
        iteration.pi = next(pi for pi in ctx.pis if pi.pk == iteration.pi_id)
        iteration.pi.train = ctx.train
        demo, _ = services.system_demo_prepare(actor=rte, iteration=iteration)
        items = list(demo.items.select_related("feature").order_by("position"))
        outcomes: list[str] = []
        for n, item in enumerate(items):
            decline = iteration.pi_id not in declined_in and len(items) >= 3 and n == len(items) - 1
            if decline:
                declined_in.add(iteration.pi_id)
                outcome, notes = (
                    DemoItem.Outcome.NOT_ACCEPTED,
                    NOT_ACCEPTED[len(declined_in) % len(NOT_ACCEPTED)],
                )
            else:
                outcome, notes = DemoItem.Outcome.ACCEPTED, ACCEPTED_NOTES[(index + n) % len(ACCEPTED_NOTES)]
            services.demo_item_update(actor=owner, item=item, outcome=outcome, notes=notes)
            outcomes.append(outcome)
        for k in range(2 + index % 2):
            who, text, on_feature = FEEDBACK[(index * 3 + k) % len(FEEDBACK)]
            feature = items[k % len(items)].feature if on_feature and items else None
            services.demo_feedback_add(
                actor=writers[(index + k) % len(writers)],
                demo=demo,
                text=text,
                stakeholder=who,
                feature=feature,
            )
        accepted = outcomes.count(DemoItem.Outcome.ACCEPTED)
        summary = _summary(len(items), accepted)
        services.system_demo_update(actor=rte, demo=demo, summary=summary, state=SystemDemo.State.HELD)
        held = _held_at(ctx, iteration)
        SystemDemo.objects.filter(pk=demo.pk).update(held_at=held, created_at=held - dt.timedelta(days=1))
        DemoFeedback.objects.filter(demo=demo).update(created_at=held)
        history.append((demo.pk, held - dt.timedelta(days=1), held + dt.timedelta(hours=1)))
        made += 1
    backdate(SystemDemo, history)
    return made


def _large(ctx: SeedContext) -> int:
    """The same shape at the large train's scale, written in bulk: one demo per development
    iteration of the closed PIs, its items the features finished in the iteration, one in
    twelve not accepted, two feedback notes per demo."""
    rte: Any = ctx.users.get("rte")
    iterations = _demo_iterations(ctx)
    if not iterations:
        return 0
    first, last = min(i.start_date for i in iterations), max(i.end_date for i in iterations)
    finished = finished_items(ctx.train, first, last)
    demos = []
    for iteration in iterations:
        held = _held_at(ctx, iteration)
        demos.append(
            SystemDemo(
                train=ctx.train,
                iteration=iteration,
                state=SystemDemo.State.HELD,
                held_at=held,
                summary=LARGE_SUMMARY,
                created_by=rte,
                created_at=held - dt.timedelta(days=1),
                version=2,
            )
        )
    SystemDemo.objects.bulk_create(demos, batch_size=BATCH)
    by_day = sorted(((d.iteration.start_date, d.iteration.end_date, d) for d in demos), key=lambda r: r[0])
    items, notes = [], []
    positions: dict[int, int] = {}
    for item in sorted(finished, key=lambda i: (i.done_at, i.id)):
        day = item.done_at.astimezone(ctx.tz).date()
        demo = next((d for start, end, d in by_day if start <= day <= end), None)
        if demo is None:
            continue
        position = positions.get(demo.pk, 0)
        positions[demo.pk] = position + 1
        declined = ctx.rng.random() < 1 / 12
        items.append(
            DemoItem(
                demo=demo,
                feature_id=item.id,
                position=position,
                outcome=DemoItem.Outcome.NOT_ACCEPTED if declined else DemoItem.Outcome.ACCEPTED,
                notes=NOT_ACCEPTED[position % len(NOT_ACCEPTED)] if declined else "",
                version=2,
            )
        )
    for n, demo in enumerate(demos):
        for k in range(2):
            who, text, _ = FEEDBACK[(n * 2 + k) % len(FEEDBACK)]
            notes.append(
                DemoFeedback(
                    demo=demo,
                    stakeholder=who,
                    text=text,
                    created_by=rte,
                    created_at=demo.held_at or timezone.now(),
                )
            )
    DemoItem.objects.bulk_create(items, batch_size=BATCH)
    DemoFeedback.objects.bulk_create(notes, batch_size=BATCH)
    return len(demos)


@seed_step(340, "system demos")
def system_demos_step(ctx: SeedContext) -> None:
    if not ctx.pis or not Feature.objects.filter(train=ctx.train).exists():
        return
    made = _demo(ctx) if ctx.profile.size == "demo" else _large(ctx)
    ctx.count("system demos", made)
