"""What an ART sync records, live, while it runs: decisions, action items with an owner and a due
date, and escalations. Anyone who takes part in the train (`take_part`: everyone but viewers)
records them; open action items carry over to every later sync until done
(art.rules.syncs.carried_over, computed when an agenda is read). The agenda a sync saw is frozen
with its minutes when it starts (the hourly job)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from art.access import Action, authorize
from art.models import ReleaseTrain
from art.services.common import (
    author,
    create_validated,
    created_at_refusal,
    delete_recorded,
    stripped,
    update_fields,
)
from sync.models import ActionItem, AgendaSnapshot, Decision, Escalation, Event

ACTION_ITEM_FIELDS = {"title", "owner", "due_date", "status", "event"}


def decision_add(*, actor: Any, event: Event, text: str) -> Decision:
    authorize(actor, Action.TAKE_PART, event.train_id)
    if not stripped(text):
        raise ValidationError({"text": "a decision needs some text"})
    return create_validated(
        actor=actor, obj=Decision(event=event, text=stripped(text), created_by=author(actor))
    )


def decision_delete(*, actor: Any, decision: Decision) -> None:
    authorize(actor, Action.TAKE_PART, decision.event.train_id)
    delete_recorded(actor=actor, obj=decision)


def escalation_add(*, actor: Any, event: Event, to: str, why: str) -> Escalation:
    authorize(actor, Action.TAKE_PART, event.train_id)
    errors = {}
    if not stripped(to):
        errors["to"] = "to is required: who the escalation goes to"
    if not stripped(why):
        errors["why"] = "why is required: what the sync could not solve"
    if errors:
        raise ValidationError(errors)
    return create_validated(
        actor=actor, obj=Escalation(event=event, to=stripped(to), why=stripped(why), created_by=author(actor))
    )


def escalation_delete(*, actor: Any, escalation: Escalation) -> None:
    authorize(actor, Action.TAKE_PART, escalation.event.train_id)
    delete_recorded(actor=actor, obj=escalation)


def action_item_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    title: str,
    owner: str,
    due_date: dt.date | None = None,
    event: Event | None = None,
    status: str = ActionItem.Status.OPEN,
    created_at: dt.datetime | None = None,
) -> ActionItem:
    """An action item with an owner and a due date, raised at `event` (a sync) or outside one."""
    authorize(actor, Action.TAKE_PART, train.pk)
    now = timezone.now()
    refusal = created_at_refusal(created_at, now, what="an action item") if created_at is not None else ""
    if refusal:
        raise ValidationError({"created_at": refusal})
    if status not in ActionItem.Status.values:
        raise ValidationError({"status": f"status must be one of {', '.join(ActionItem.Status.values)}"})
    item = ActionItem(
        train=train,
        event=event,
        title=stripped(title),
        owner=stripped(owner),
        due_date=due_date,
        status=status,
        created_by=author(actor),
        created_at=created_at or now,
        done_at=now if status == ActionItem.Status.DONE else None,
    )
    return create_validated(actor=actor, obj=item)


def action_item_update(
    *, actor: Any, item: ActionItem, version: int | None = None, **changes: Any
) -> ActionItem:
    """Edit an action item or mark it done (or open again): done_at follows the status."""
    authorize(actor, Action.TAKE_PART, item.train_id)
    unknown = set(changes) - ACTION_ITEM_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    for name in ("title", "owner"):
        if name in changes:
            changes[name] = stripped(changes[name])
    status = changes.get("status")
    if status is not None:
        if status not in ActionItem.Status.values:
            raise ValidationError({"status": f"status must be one of {', '.join(ActionItem.Status.values)}"})
        current = ActionItem.objects.filter(pk=item.pk).values_list("status", flat=True).first()
        if status != current:
            changes["done_at"] = timezone.now() if status == ActionItem.Status.DONE else None
    return update_fields(
        actor=actor, queryset=ActionItem.objects.all(), pk=item.pk, changes=changes, version=version
    )


def action_item_delete(*, actor: Any, item: ActionItem) -> None:
    authorize(actor, Action.TAKE_PART, item.train_id)
    delete_recorded(actor=actor, obj=item)


# --- the agenda a sync saw -------------------------------------------------------------------


def agenda_freeze(*, event: Event, now: dt.datetime | None = None) -> AgendaSnapshot:
    """Keep the agenda as it reads now with the sync's minutes, once: a sync already frozen
    keeps what it saw (running this twice freezes nothing more)."""
    from sync.selectors.syncs import sync_agenda

    existing = AgendaSnapshot.objects.filter(event=event).first()
    if existing is not None:
        return existing
    agenda = sync_agenda(event=event, now=now)
    try:
        with transaction.atomic():
            return AgendaSnapshot.objects.create(
                event=event, sections=agenda.as_json()["sections"], frozen_at=now or timezone.now()
            )
    except IntegrityError:  # frozen by another worker at the same moment
        return AgendaSnapshot.objects.get(event=event)


def agendas_freeze_due(*, now: dt.datetime | None = None) -> int:
    """Freeze the agenda of every sync (not cancelled) that starts within the next hour, or
    started within the last one and is not frozen yet (the hourly job; idempotent). Returns how
    many were frozen by this run."""
    now = now or timezone.now()
    due = (
        Event.objects.filter(
            kind__in=[Event.Kind.ART_SYNC, Event.Kind.COACH_SYNC, Event.Kind.PO_SYNC],
            starts_at__gte=now - dt.timedelta(hours=1),
            starts_at__lt=now + dt.timedelta(hours=1),
            agenda_snapshot__isnull=True,
        )
        .exclude(state=Event.State.CANCELLED)
        .select_related("train", "pi")
    )
    frozen = 0
    for event in due:
        snapshot = agenda_freeze(event=event, now=now)
        frozen += snapshot.frozen_at == now
    return frozen
