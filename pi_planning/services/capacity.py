"""The train's public holidays: a day off for everyone, which every team's capacity counts
(art.rules.capacity.holiday_days) and the calendar avoids (a system demo on a holiday moves to
the working day before: art.rules.events.pi_calendar)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from art.models import ProgramIncrement, ReleaseTrain
from art.services.common import create_validated, delete_recorded, update_fields
from art.signals import announce_pi_schedule_changed
from pi_planning.models import Holiday


def _schedules_change(train_id: int, days: Iterable[dt.date]) -> None:
    """The PIs holding these days get their calendar generated again."""
    for day in set(days):
        for pi_id in ProgramIncrement.objects.filter(
            train_id=train_id, start_date__lte=day, end_date__gte=day
        ).values_list("pk", flat=True):
            announce_pi_schedule_changed(pi_id)


def holiday_create(*, actor: Any, train: ReleaseTrain, date: dt.date, name: str) -> Holiday:
    with transaction.atomic():
        holiday = create_validated(
            actor=actor, obj=Holiday(train=train, date=date, name=(name or "").strip())
        )
        _schedules_change(train.pk, [holiday.date])
    return holiday


def holiday_update(*, actor: Any, holiday: Holiday, **changes: Any) -> Holiday:
    allowed = {"date", "name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    with transaction.atomic():
        before = holiday.date
        updated = update_fields(actor=actor, queryset=Holiday.objects.all(), pk=holiday.pk, changes=changes)
        if updated.date != before:
            _schedules_change(updated.train_id, [before, updated.date])
    return updated


def holiday_delete(*, actor: Any, holiday: Holiday) -> None:
    with transaction.atomic():
        delete_recorded(actor=actor, obj=holiday)
        _schedules_change(holiday.train_id, [holiday.date])
