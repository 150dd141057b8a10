"""The impediment log: anything in the way of a team or the train, logged until resolved.

Anyone who takes part in the train (`take_part`: everyone but viewers) raises, edits, resolves
and reopens impediments; only the RTE deletes one (`manage_train`), and the history keeps what
it was. An impediment open 14 days or more is aging (art.rules.syncs.impediment_is_aging).
The words of every refusal come from here, so that the page and the API say the same thing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art.access import Action, authorize
from art.errors import ConflictError
from art.models import ReleaseTrain, Team
from art.services.common import (
    author,
    create_validated,
    created_at_refusal,
    delete_recorded,
    stripped,
    update_fields,
)
from sync.models import Impediment

IMPEDIMENT_FIELDS = frozenset({"title", "description", "category", "team", "owner", "escalation", "status"})
TITLE_REFUSAL = "title is required"
TEAM_REFUSAL = "team must be one of this train's teams"


def not_one_of(name: str, allowed: Iterable[str]) -> str:
    """The refusal of a value outside a field's choices, naming the field and what it allows."""
    return f"{name} must be one of {', '.join(allowed)}"


CATEGORY_REFUSAL = not_one_of("category", Impediment.Category.values)
ESCALATION_REFUSAL = not_one_of("escalation", Impediment.Escalation.values)
STATUS_REFUSAL = not_one_of("status", Impediment.Status.values)


def _choice_errors(values: dict[str, Any]) -> dict[str, str]:
    refusals = {
        "category": (Impediment.Category.values, CATEGORY_REFUSAL),
        "escalation": (Impediment.Escalation.values, ESCALATION_REFUSAL),
        "status": (Impediment.Status.values, STATUS_REFUSAL),
    }
    return {
        name: refusals[name][1]
        for name, value in values.items()
        if name in refusals and value not in refusals[name][0]
    }


def impediment_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    title: str,
    category: str = Impediment.Category.OTHER,
    team: Team | None = None,
    owner: str = "",
    escalation: str = Impediment.Escalation.TEAM,
    description: str = "",
    created_at: dt.datetime | None = None,
) -> Impediment:
    """Log an impediment, open. `created_at` (imports, or "in the way since") defaults to now."""
    authorize(actor, Action.TAKE_PART, train.pk)
    now = timezone.now()
    errors = _choice_errors({"category": category, "escalation": escalation})
    if not stripped(title):
        errors["title"] = TITLE_REFUSAL
    if created_at is not None:
        if timezone.is_naive(created_at):
            created_at = timezone.make_aware(created_at, timezone.get_default_timezone())
        refusal = created_at_refusal(created_at, now, what="an impediment")
        if refusal:
            errors["created_at"] = refusal
    if team is not None and team.train_id != train.pk:
        errors["team"] = TEAM_REFUSAL
    if errors:
        raise ValidationError(errors)
    impediment = Impediment(
        train=train,
        team=team,
        title=stripped(title),
        description=stripped(description),
        category=category,
        owner=stripped(owner),
        escalation=escalation,
        status=Impediment.Status.OPEN,
        created_by=author(actor),
        created_at=min(created_at, now) if created_at is not None else now,
    )
    return create_validated(actor=actor, obj=impediment)


def impediment_update(
    *, actor: Any, impediment: Impediment, version: int | None = None, **changes: Any
) -> Impediment:
    """Edit an impediment, resolve it or open it again: resolving sets resolved_at, reopening
    clears it. Based on a stale `version`, nothing changes (ConflictError with the current card)."""
    authorize(actor, Action.TAKE_PART, impediment.train_id)
    unknown = set(changes) - IMPEDIMENT_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in sorted(unknown)})
    for name in ("title", "owner", "description"):
        if name in changes:
            changes[name] = stripped(changes[name])
    errors = _choice_errors(changes)
    if "title" in changes and not changes["title"]:
        errors["title"] = TITLE_REFUSAL
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Impediment.objects.select_for_update().get(pk=impediment.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        status = changes.get("status", current.status)
        if status != current.status:
            changes["resolved_at"] = timezone.now() if status == Impediment.Status.RESOLVED else None
        return update_fields(
            actor=actor,
            queryset=Impediment.objects.all(),
            pk=current.pk,
            changes=changes,
            version=current.version,
        )


def impediment_delete(*, actor: Any, impediment: Impediment) -> None:
    """The RTE deletes an impediment logged by mistake; the history keeps its before-image."""
    authorize(actor, Action.MANAGE_TRAIN, impediment.train_id)
    delete_recorded(actor=actor, obj=impediment)
