"""Restoring a deleted card from the history: the RTE brings back what a delete took, from the
before-image its history entry kept (art.services.common.delete_recorded), with its id, so that
its history reads on. What it referred to must still exist (restore that first); links to many
(an objective's features) are not part of a before-image and come back empty."""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction

from art.access import TRAIN_PATHS, Action, authorize
from art.models import ChangeRecord, ReleaseTrain, Team

from .common import create_validated
from .train import team_initials_refresh

NOT_A_DELETE = "only a deletion can be restored: this history entry records a {action}"
STILL_THERE = "{name} is here already: it was restored, or never went"
CANNOT_RESTORE = "a {name} is not restored from the history"
GONE_REFERENCE = "{field}: the {what} it belonged to ({pk}) was deleted too: restore that first"


def restorable(record: ChangeRecord) -> bool:
    """Whether a history entry is a deletion of something the RTE may bring back: a card of a
    train, not a whole train."""
    model = record.content_type.model_class()
    return (
        record.action == ChangeRecord.Action.DELETED
        and model is not None
        and model is not ReleaseTrain
        and model._meta.label_lower in TRAIN_PATHS
        and model is not ChangeRecord
    )


def _value(field: models.Field, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(field, models.JSONField):
        return raw
    return field.to_python(raw)


def record_restore(*, actor: Any, record: ChangeRecord) -> models.Model:
    """Bring back what a deletion took, as it was, with its id and a version one above the one it
    had (an edit based on the old card is then a conflict). The history records the restore."""
    authorize(actor, Action.MANAGE_TRAIN, record.train_id)
    if record.action != ChangeRecord.Action.DELETED:
        raise ValidationError({"record": NOT_A_DELETE.format(action=record.get_action_display())})
    model = record.content_type.model_class()
    if model is None or not restorable(record):
        name = model._meta.verbose_name if model is not None else "record"
        raise ValidationError({"record": CANNOT_RESTORE.format(name=name)})
    if model._default_manager.filter(pk=record.object_id).exists():
        raise ValidationError({"record": STILL_THERE.format(name=record.object_repr)})
    image = {name: pair[0] for name, pair in record.changes.items() if isinstance(pair, list) and pair}
    obj = model(pk=record.object_id)
    errors: dict[str, str] = {}
    references: list[tuple[models.Field, Any]] = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        if field.name not in image:
            # the before-image leaves out what was empty: None where the field allows it, else "".
            if field.null:
                setattr(obj, field.attname, None)
            elif isinstance(field, models.CharField | models.TextField):
                setattr(obj, field.attname, "")
            continue
        raw = image[field.name]
        if field.is_relation:
            references.append((field, raw))
            setattr(obj, field.attname, raw)
        else:
            setattr(obj, field.attname, _value(field, raw))
    for field, pk in references:  # one query per reference of the card (a handful, fixed)
        target = cast(type[models.Model], field.related_model)
        if pk is not None and not target._default_manager.filter(pk=pk).exists():
            errors[field.name] = GONE_REFERENCE.format(
                field=field.name, what=target._meta.verbose_name, pk=pk
            )
    if errors:
        raise ValidationError(errors)
    if hasattr(obj, "version"):
        obj.version = int(image.get("version") or 1) + 1
    with transaction.atomic():
        restored = create_validated(
            actor=actor,
            obj=obj,
            note={"restored": [None, f"from the deletion of {record.at:%Y-%m-%d %H:%M}"]},
        )
        if isinstance(restored, Team):  # its initials, and its namesakes', are unique again
            team_initials_refresh(train_id=restored.train_id)
            restored.refresh_from_db(fields=["shown_initials"])
        return restored
