"""Reads of system demos: a PI's development iterations with each one's demo and how it was
received (art.rules.releases.demo_outcome), one demo's record (its items and feedback),
and the demo an event of kind system demo belongs to. A fixed number of queries whatever the
number of iterations, items and notes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from art.models import Iteration, ProgramIncrement, ReleaseTrain
from art.rules import releases
from sync.models import DemoFeedback, DemoItem, Event, SystemDemo
from sync.selectors.releases import finished_items


@dataclass
class IterationDemo:
    """One iteration of a PI as the demos page lists it: its demo (None until prepared) and
    how many features finished in it."""

    iteration: Iteration
    demo: SystemDemo | None
    outcome: releases.DemoOutcome | None
    feedback: int
    finished: int

    @property
    def is_ip(self) -> bool:
        return self.iteration.is_ip


def demo_queryset() -> QuerySet[SystemDemo]:
    return SystemDemo.objects.select_related("iteration", "iteration__pi", "created_by")


def with_outcome(queryset: QuerySet[SystemDemo]) -> QuerySet[SystemDemo]:
    return queryset.annotate(
        n_shown=Count("items", distinct=True),
        n_accepted=Count("items", filter=Q(items__outcome=DemoItem.Outcome.ACCEPTED), distinct=True),
        n_not=Count("items", filter=Q(items__outcome=DemoItem.Outcome.NOT_ACCEPTED), distinct=True),
        n_feedback=Count("feedback", distinct=True),
    )


def outcome_of(demo: SystemDemo) -> releases.DemoOutcome:
    """The tally of a demo annotated by with_outcome."""
    shown, accepted, not_accepted = demo.n_shown, demo.n_accepted, demo.n_not  # type: ignore[attr-defined]
    return releases.DemoOutcome(shown, accepted, not_accepted, shown - accepted - not_accepted)


def pi_demos(*, pi: ProgramIncrement) -> list[IterationDemo]:
    """The PI's iterations in order, each with its demo and how it went, and the number of
    features finished in it (what preparing its demo would show). Three queries."""
    train: ReleaseTrain = pi.train
    iterations = list(pi.iterations.order_by("number"))
    demos = {d.iteration_id: d for d in with_outcome(demo_queryset().filter(iteration__pi=pi))}
    finished: Counter[int] = Counter()
    for item in finished_items(train, pi.start_date, pi.end_date):
        day = item.done_at.astimezone(train.tz).date()
        for iteration in iterations:
            if iteration.start_date <= day <= iteration.end_date:
                finished[iteration.pk] += 1
                break
    rows = []
    for iteration in iterations:
        demo = demos.get(iteration.pk)
        rows.append(
            IterationDemo(
                iteration=iteration,
                demo=demo,
                outcome=outcome_of(demo) if demo else None,
                feedback=demo.n_feedback if demo else 0,  # type: ignore[attr-defined]
                finished=finished[iteration.pk],
            )
        )
    return rows


@dataclass
class DemoRecord:
    """One demo's page: the demo, its items in order (feature and team joined), its feedback
    notes (oldest first) and the tally."""

    demo: SystemDemo
    items: list[DemoItem]
    feedback: list[DemoFeedback]
    outcome: releases.DemoOutcome


def demo_items(demo: SystemDemo) -> list[DemoItem]:
    return list(
        DemoItem.objects.filter(demo=demo)
        .select_related("feature", "feature__team")
        .order_by("position", "id")
    )


def demo_feedback(demo: SystemDemo) -> list[DemoFeedback]:
    return list(
        DemoFeedback.objects.filter(demo=demo)
        .select_related("feature", "created_by")
        .order_by("created_at", "id")
    )


def demo_record(*, demo: SystemDemo) -> DemoRecord:
    """A demo's record: items, feedback and the tally, in two queries."""
    items = demo_items(demo)
    return DemoRecord(
        demo=demo,
        items=items,
        feedback=demo_feedback(demo),
        outcome=releases.demo_outcome(item.outcome for item in items),
    )


def demo_item(*, pk: int) -> DemoItem:
    return DemoItem.objects.select_related("feature", "feature__team", "demo").get(pk=pk)


def iteration_of_event(event: Event) -> Iteration | None:
    """The iteration an event falls in (its local start date), among its PI's iterations, else
    among the train's. One query."""
    day: dt.date = event.starts_at.astimezone(event.train.tz).date()
    candidates = Iteration.objects.filter(start_date__lte=day, end_date__gte=day)
    if event.pi_id:
        candidates = candidates.filter(pi_id=event.pi_id)
    else:
        candidates = candidates.filter(pi__train_id=event.train_id)
    return candidates.select_related("pi").order_by("start_date").first()
