"""Demo planning readiness: the RTE's ticks on the current PI's checklist (two done, two not) and
improvement items written directly (no workshop) in every status, so that the improvement
backlog and the readiness page show each shape. The workshop's own items come from the Inspect
& Adapt step; nothing here depends on them. Running the step again adds nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from art.demo import BATCH, SeedContext, seed_step
from sync import services
from sync.models import ImprovementItem

S = ImprovementItem.Status

#: (item, done, note) for the current PI.
TICKS = (
    ("vision_briefing", True, "Slides from product management reviewed on Monday"),
    ("logistics", True, ""),
    ("room", False, "Main hall requested; facilities confirm on Friday"),
    ("remote_links", False, ""),
)


@dataclass(frozen=True)
class Spec:
    title: str
    description: str
    owner: str
    status: str
    due_in_days: int | None
    targeted: bool = True


DEMO = [
    Spec(
        "Automate the release checklist",
        "Twelve manual steps before every release; the last two slipped in PI 26.4.",
        "Rita Engel",
        S.IN_PROGRESS,
        21,
    ),
    Spec(
        "Book the shared staging slots a week ahead",
        "Three teams queue behind each other for staging on demo days.",
        "Platform team",
        S.OPEN,
        -3,
    ),
    Spec("Agree a cross-team code-review etiquette", "", "Scrum masters", S.DONE, -10),
    Spec(
        "Run a monthly architecture sync",
        "Replaced by the coach sync's architecture slot.",
        "",
        S.DROPPED,
        None,
        False,
    ),
]


def _demo(ctx: SeedContext) -> int:
    rte = ctx.users.get("rte")
    today = timezone.localdate()
    made = 0
    for spec in DEMO:
        if ImprovementItem.objects.filter(train=ctx.train, title=spec.title).exists():
            continue
        item = services.improvement_item_create(
            actor=rte,
            train=ctx.train,
            title=spec.title,
            owner=spec.owner,
            description=spec.description,
            due_date=today + dt.timedelta(days=spec.due_in_days) if spec.due_in_days is not None else None,
            target_pi=ctx.current_pi if spec.targeted else None,
        )
        if spec.status != S.OPEN:
            services.improvement_item_update(actor=rte, item=item, status=spec.status)
        made += 1
    return made


def _large(ctx: SeedContext) -> int:
    """One item per three teams, the statuses in turn, written in bulk."""
    today = timezone.localdate()
    existing = set(ImprovementItem.objects.filter(train=ctx.train).values_list("title", flat=True))
    now = timezone.now()
    rows = []
    for index in range(max(len(DEMO), len(ctx.teams) // 3)):
        spec = DEMO[index % len(DEMO)]
        title = spec.title if index < len(DEMO) else f"{spec.title} ({index // len(DEMO) + 1})"
        if title in existing:
            continue
        rows.append(
            ImprovementItem(
                train=ctx.train,
                title=title,
                description=spec.description,
                owner=spec.owner,
                status=spec.status,
                due_date=today + dt.timedelta(days=spec.due_in_days)
                if spec.due_in_days is not None
                else None,
                target_pi=ctx.current_pi if spec.targeted else None,
                created_by=ctx.users.get("rte"),
                done_at=now if spec.status == S.DONE else None,
            )
        )
    ImprovementItem.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


@seed_step(360, "planning readiness")
def readiness_step(ctx: SeedContext) -> None:
    if not ctx.pis or ctx.current_pi.state == "closed":
        return
    for item, done, note in TICKS:
        services.readiness_check_set(
            actor=ctx.users.get("rte"), pi=ctx.current_pi, item=item, done=done, note=note
        )
    made = _demo(ctx) if ctx.profile.size == "demo" else _large(ctx)
    ctx.count("readiness checks", len(TICKS))
    ctx.count("improvement items", made)
