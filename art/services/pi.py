"""PIs, their iterations and milestones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art.live import events as live
from art.models import (
    ChangeRecord,
    Iteration,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    validate_plausible_date,
)
from art.signals import announce_pi_schedule_changed

from .common import create_validated, delete_recorded, update_fields

MAX_ITERATIONS = 12
MAX_ITERATION_WEEKS = 6


def iteration_plan(start: dt.date, count: int, weeks: int) -> list[tuple[int, str, dt.date, dt.date, bool]]:
    """The iterations a PI generates: `count` back-to-back blocks of `weeks` weeks from `start`,
    the last one the IP iteration. Returns (number, name, start, end, is_ip)."""
    plan = []
    for index in range(count):
        begin = start + dt.timedelta(weeks=weeks * index)
        end = begin + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
        is_ip = index == count - 1 and count > 1
        plan.append((index + 1, "IP" if is_ip else f"Iteration {index + 1}", begin, end, is_ip))
    return plan


def pi_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    name: str,
    start_date: dt.date,
    end_date: dt.date | None = None,
    iterations: int = 5,
    iteration_weeks: int = 2,
    state: str = ProgramIncrement.State.PLANNING,
) -> ProgramIncrement:
    """Create a PI and generate its iterations (the last one IP). Without an end date, the PI
    ends with its last iteration; with one, the iterations must fit inside it."""
    errors: dict[str, str] = {}
    if not isinstance(iterations, int) or not 1 <= iterations <= MAX_ITERATIONS:
        errors["iterations"] = f"iterations must be a whole number from 1 to {MAX_ITERATIONS}"
    if not isinstance(iteration_weeks, int) or not 1 <= iteration_weeks <= MAX_ITERATION_WEEKS:
        errors["iteration_weeks"] = f"iteration_weeks must be a whole number from 1 to {MAX_ITERATION_WEEKS}"
    if start_date is None:
        errors["start_date"] = "start_date is required"
    else:
        try:
            validate_plausible_date(start_date)
        except ValidationError as exc:
            errors["start_date"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    plan = iteration_plan(start_date, iterations, iteration_weeks)
    last_end = plan[-1][3]
    if end_date is None:
        end_date = last_end
    elif end_date < last_end:
        raise ValidationError(
            {
                "end_date": f"{iterations} iterations of {iteration_weeks} weeks run until {last_end}: "
                f"end_date must not be before that"
            }
        )
    with transaction.atomic():
        # Lock the train so two PIs created at once cannot both pass the overlap check.
        ReleaseTrain.objects.select_for_update().filter(pk=train.pk).first()
        pi = ProgramIncrement(
            train=train,
            name=(name or "").strip(),
            start_date=start_date,
            end_date=end_date,
            state=state or ProgramIncrement.State.PLANNING,
        )
        create_validated(actor=actor, obj=pi)
        Iteration.objects.bulk_create(
            Iteration(pi=pi, number=n, name=label, start_date=b, end_date=e, is_ip=ip)
            for n, label, b, e, ip in plan
        )
        announce_pi_schedule_changed(pi.pk)
    return pi


def pi_update(*, actor: Any, pi: ProgramIncrement, **changes: Any) -> ProgramIncrement:
    allowed = {"name", "start_date", "end_date", "state"}
    changes = {k: v for k, v in changes.items() if k in allowed}
    with transaction.atomic():
        ReleaseTrain.objects.select_for_update().filter(pk=pi.train_id).first()
        start = changes.get("start_date", pi.start_date)
        end = changes.get("end_date", pi.end_date)
        outside = pi.iterations.exclude(start_date__gte=start, end_date__lte=end).order_by("number").first()
        if outside is not None:
            field = "start_date" if outside.start_date < start else "end_date"
            raise ValidationError(
                {
                    field: f"{outside.name} ({outside.start_date} to {outside.end_date}) would fall outside "
                    "the PI: move or delete it first"
                }
            )
        updated = update_fields(
            actor=actor, queryset=ProgramIncrement.objects.all(), pk=pi.pk, changes=changes
        )
        if {"start_date", "end_date"} & set(changes):
            announce_pi_schedule_changed(pi.pk)
        return updated


def pi_delete(*, actor: Any, pi: ProgramIncrement) -> None:
    if pi.features.exists():
        raise ValidationError(
            {"pi": f"{pi.name} still has features: move them to another PI or the backlog first"}
        )
    delete_recorded(actor=actor, obj=pi)


def iteration_create(
    *,
    actor: Any,
    pi: ProgramIncrement,
    start_date: dt.date,
    end_date: dt.date,
    name: str = "",
    number: int | None = None,
    is_ip: bool = False,
) -> Iteration:
    with transaction.atomic():
        ProgramIncrement.objects.select_for_update().filter(pk=pi.pk).first()
        if number is None:
            number = (pi.iterations.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        iteration = Iteration(
            pi=pi,
            number=number,
            name=name or ("IP" if is_ip else f"Iteration {number}"),
            start_date=start_date,
            end_date=end_date,
            is_ip=is_ip,
        )
        created = create_validated(actor=actor, obj=iteration)
        announce_pi_schedule_changed(pi.pk)
        return created


def iteration_update(*, actor: Any, iteration: Iteration, **changes: Any) -> Iteration:
    allowed = {"name", "start_date", "end_date", "is_ip", "number"}
    with transaction.atomic():
        ProgramIncrement.objects.select_for_update().filter(pk=iteration.pi_id).first()
        updated = update_fields(
            actor=actor,
            queryset=Iteration.objects.all(),
            pk=iteration.pk,
            changes={k: v for k, v in changes.items() if k in allowed},
        )
        announce_pi_schedule_changed(iteration.pi_id)
        return updated


def iteration_delete(*, actor: Any, iteration: Iteration) -> None:
    if iteration.stories.exists() or iteration.features.exists():
        raise ValidationError(
            {"iteration": f"{iteration.name} still has planned work: move its stories and features first"}
        )
    delete_recorded(actor=actor, obj=iteration)
    announce_pi_schedule_changed(iteration.pi_id)


def milestone_create(
    *, actor: Any, pi: ProgramIncrement, name: str, date: dt.date, description: str = ""
) -> Milestone:
    return create_validated(
        actor=actor, obj=Milestone(pi=pi, name=(name or "").strip(), date=date, description=description or "")
    )


def milestone_update(*, actor: Any, milestone: Milestone, **changes: Any) -> Milestone:
    allowed = {"name", "date", "description"}
    return update_fields(
        actor=actor,
        queryset=Milestone.objects.all(),
        pk=milestone.pk,
        changes={k: v for k, v in changes.items() if k in allowed},
    )


def milestone_delete(*, actor: Any, milestone: Milestone) -> None:
    delete_recorded(actor=actor, obj=milestone)


def pi_advance_states(*, today: dt.date | None = None) -> int:
    """Move PIs along their calendar: planning -> executing once started, -> closed once ended.
    Set-based and safe to run any number of times; returns how many PIs changed."""
    today = today or timezone.localdate()
    pi_type = ContentType.objects.get_for_model(ProgramIncrement)
    moves = [
        (
            ProgramIncrement.objects.filter(end_date__lt=today).exclude(state=ProgramIncrement.State.CLOSED),
            ProgramIncrement.State.CLOSED,
        ),
        (
            ProgramIncrement.objects.filter(
                state=ProgramIncrement.State.PLANNING, start_date__lte=today, end_date__gte=today
            ),
            ProgramIncrement.State.EXECUTING,
        ),
    ]
    changed = 0
    with transaction.atomic():
        for queryset, state in moves:
            rows = list(queryset.select_for_update().values_list("pk", "train_id", "name", "state"))
            if not rows:
                continue
            ProgramIncrement.objects.filter(pk__in=[r[0] for r in rows]).update(state=state)
            records = ChangeRecord.objects.bulk_create(
                ChangeRecord(
                    train_id=train_id,
                    content_type=pi_type,
                    object_id=pk,
                    object_repr=name,
                    action=ChangeRecord.Action.UPDATED,
                    changes={"state": [before, state]},
                )
                for pk, train_id, name, before in rows
            )
            live.announce(records)
            changed += len(rows)
    return changed
