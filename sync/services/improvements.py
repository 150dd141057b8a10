"""The improvement backlog: items written at an Inspect & Adapt (or any time) and targeted at
the PI whose planning takes them up.

The RTE owns the backlog (`manage_train`): writes, edits, targets and deletes items. Anyone who
takes part in the train (`take_part`) may also write one and move its status, so that a team
can report its improvement done. A target PI must be one of the train's PIs that is not closed.
The words of every refusal come from here, so that the page and the API say the same thing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from art.access import Action, authorize, can
from art.errors import ConflictError
from art.models import Feature, ProgramIncrement, ReleaseTrain
from art.services.backlog import feature_create
from art.services.common import author, create_validated, delete_recorded, stripped, update_fields
from sync.models import Cause, ImprovementItem, Workshop

ITEM_FIELDS = frozenset({"title", "description", "owner", "status", "due_date", "target_pi", "feature"})
#: What a participant who is not the RTE may change on an item: its status and owner.
TAKE_PART_FIELDS = frozenset({"status", "owner"})
TITLE_REFUSAL = "title is required"
STATUS_REFUSAL = f"status must be one of {', '.join(ImprovementItem.Status.values)}"
TARGET_OTHER_TRAIN = "target_pi must be one of this train's PIs"
TARGET_CLOSED = "target_pi must be a PI that is not closed: {name} is closed"
FEATURE_OTHER_TRAIN = "feature must be one of this train's features"
ONLY_RTE_FIELDS = "{name}: only the RTE changes it; you may change the status and the owner"


def target_pi_refusal(train_id: int, pi: ProgramIncrement | None) -> str:
    """Why `pi` may not be an improvement item's target ("" when it may, or when None)."""
    if pi is None:
        return ""
    if pi.train_id != train_id:
        return TARGET_OTHER_TRAIN
    if pi.state == ProgramIncrement.State.CLOSED:
        return TARGET_CLOSED.format(name=pi.name)
    return ""


def _errors(train_id: int, values: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if "title" in values and not values["title"]:
        errors["title"] = TITLE_REFUSAL
    if "status" in values and values["status"] not in ImprovementItem.Status.values:
        errors["status"] = STATUS_REFUSAL
    if "target_pi" in values:
        refusal = target_pi_refusal(train_id, values["target_pi"])
        if refusal:
            errors["target_pi"] = refusal
    feature = values.get("feature")
    if isinstance(feature, Feature) and feature.train_id != train_id:
        errors["feature"] = FEATURE_OTHER_TRAIN
    return errors


def improvement_item_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    title: str,
    owner: str = "",
    description: str = "",
    due_date: dt.date | None = None,
    target_pi: ProgramIncrement | None = None,
    workshop: Workshop | None = None,
    cause: Cause | None = None,
    status: str = ImprovementItem.Status.OPEN,
) -> ImprovementItem:
    """Write an improvement item; from a workshop (and one of its causes) when it came from one."""
    authorize(actor, Action.TAKE_PART, train.pk)
    values: dict[str, Any] = {
        "title": stripped(title),
        "owner": stripped(owner),
        "description": stripped(description),
        "status": status,
        "target_pi": target_pi,
    }
    errors = _errors(train.pk, values)
    if workshop is not None and workshop.train_id != train.pk:
        errors["workshop"] = "workshop must be one of this train's workshops"
    if cause is not None and (workshop is None or cause.workshop_id != workshop.pk):
        errors["cause"] = "cause must be one of the workshop's causes"
    if errors:
        raise ValidationError(errors)
    item = ImprovementItem(
        train=train,
        workshop=workshop,
        cause=cause,
        due_date=due_date,
        created_by=author(actor),
        done_at=timezone.now() if status == ImprovementItem.Status.DONE else None,
        **values,
    )
    return create_validated(actor=actor, obj=item)


def improvement_item_update(
    *, actor: Any, item: ImprovementItem, version: int | None = None, **changes: Any
) -> ImprovementItem:
    """Edit an item: the RTE changes anything; a participant its status and owner. Done sets
    done_at, leaving done clears it. Based on a stale `version`, nothing changes."""
    authorize(actor, Action.TAKE_PART, item.train_id)
    unknown = set(changes) - ITEM_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in sorted(unknown)})
    if not can(actor, Action.MANAGE_TRAIN, item.train_id) and actor is not None:
        beyond = sorted(set(changes) - TAKE_PART_FIELDS)
        if beyond:
            raise ValidationError({name: ONLY_RTE_FIELDS.format(name=name) for name in beyond})
    for name in ("title", "owner", "description"):
        if name in changes:
            changes[name] = stripped(changes[name])
    errors = _errors(item.train_id, changes)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = ImprovementItem.objects.select_for_update().get(pk=item.pk)
        if version is not None and int(version) != current.version:
            raise ConflictError(current, int(version))
        status = changes.get("status", current.status)
        if status != current.status:
            changes["done_at"] = timezone.now() if status == ImprovementItem.Status.DONE else None
        return update_fields(
            actor=actor,
            queryset=ImprovementItem.objects.all(),
            pk=current.pk,
            changes=changes,
            version=current.version,
        )


def improvement_item_delete(*, actor: Any, item: ImprovementItem) -> None:
    """The RTE deletes an item written by mistake; the history keeps its before-image."""
    authorize(actor, Action.MANAGE_TRAIN, item.train_id)
    delete_recorded(actor=actor, obj=item)


PLAN_NO_TARGET = "target_pi is required to plan the item: the feature goes into that PI"
PLAN_ALREADY = "the item is already planned as {key}"
PLAN_FINISHED = "status is {status}: only an open or in-progress item is planned"


def improvement_item_plan(*, actor: Any, item: ImprovementItem) -> ImprovementItem:
    """Plan an item into its target PI: an enabler feature of that PI, titled after the item,
    which the train then scores and places like any other (product management and the RTE:
    `edit_backlog`). The item links to the feature; planning it twice is refused."""
    authorize(actor, Action.EDIT_BACKLOG, item.train_id)
    with transaction.atomic():
        current = (
            ImprovementItem.objects.select_for_update(of=("self",))
            .select_related("target_pi", "feature")
            .get(pk=item.pk)
        )
        if current.feature is not None:
            raise ValidationError({"feature": PLAN_ALREADY.format(key=current.feature.key)})
        if current.status not in (ImprovementItem.Status.OPEN, ImprovementItem.Status.IN_PROGRESS):
            raise ValidationError(
                {"status": PLAN_FINISHED.format(status=current.get_status_display().lower())}
            )
        if current.target_pi is None:
            raise ValidationError({"target_pi": PLAN_NO_TARGET})
        refusal = target_pi_refusal(current.train_id, current.target_pi)
        if refusal:
            raise ValidationError({"target_pi": refusal})
        feature = feature_create(
            actor=actor,
            train=current.train,
            title=current.title,
            kind=Feature.Kind.ENABLER,
            pi=current.target_pi,
            description=current.description,
        )
        return update_fields(
            actor=actor,
            queryset=ImprovementItem.objects.all(),
            pk=current.pk,
            changes={"feature": feature},
            version=current.version,
        )
