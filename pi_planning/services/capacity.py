"""The train's public holidays: a day off for everyone, which every team's capacity counts
(art.rules.capacity.holiday_days)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError

from art.models import ReleaseTrain
from art.services.common import create_validated, delete_recorded, update_fields
from pi_planning.models import Holiday


def holiday_create(*, actor: Any, train: ReleaseTrain, date: dt.date, name: str) -> Holiday:
    return create_validated(actor=actor, obj=Holiday(train=train, date=date, name=(name or "").strip()))


def holiday_update(*, actor: Any, holiday: Holiday, **changes: Any) -> Holiday:
    allowed = {"date", "name"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    return update_fields(actor=actor, queryset=Holiday.objects.all(), pk=holiday.pk, changes=changes)


def holiday_delete(*, actor: Any, holiday: Holiday) -> None:
    delete_recorded(actor=actor, obj=holiday)
