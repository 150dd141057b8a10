"""What every service shares: validation that names the field and the rule, versioned writes
that detect concurrent edits, and the change history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction

from art.access import train_id_of
from art.errors import ConflictError
from art.models import ChangeRecord, VersionedModel

M = TypeVar("M", bound=models.Model)


def _field_of_constraint(model: type[models.Model], message: str) -> str | None:
    for constraint in model._meta.constraints:
        if constraint.get_violation_error_message() == message:
            fields = getattr(constraint, "fields", ())
            return fields[-1] if fields else None
    return None


def validate(obj: models.Model, exclude: Iterable[str] | None = None) -> None:
    """full_clean(), with constraint errors moved onto the field they concern."""
    try:
        obj.full_clean(exclude=list(exclude) if exclude else None)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        errors: dict[str, list[str]] = {}
        for field, messages in exc.message_dict.items():
            for message in messages:
                target = field
                if field == NON_FIELD_ERRORS:
                    target = _field_of_constraint(type(obj), message) or NON_FIELD_ERRORS
                errors.setdefault(target, []).append(message)
        raise ValidationError(errors)


def save_validated(
    obj: M, *, exclude: Iterable[str] | None = None, update_fields: Iterable[str] | None = None
) -> M:
    """Validate, then save. A constraint that a concurrent writer broke after validation
    still answers as a validation error rather than a server error."""
    validate(obj, exclude)
    try:
        with transaction.atomic():
            obj.save(update_fields=list(update_fields) if update_fields else None)
    except IntegrityError as exc:
        raise ValidationError({NON_FIELD_ERRORS: [f"the change breaks a rule of the data: {exc}"]})
    return obj


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for the history."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        field = cast(models.Field, obj._meta.get_field(name))  # a concrete field: it has an attname
        out[name] = plain(getattr(obj, field.attname))
    return out


def record_change(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    changes: Mapping[str, Any] | None = None,
    train_id: int | None = None,
) -> ChangeRecord:
    """Keep who changed what and when: `changes` maps field -> [before, after]."""
    return ChangeRecord.objects.create(
        train_id=train_id if train_id is not None else train_id_of(obj),
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:240],
        action=action,
        changes=dict(changes or {}),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}


def update_fields(
    *,
    actor: Any,
    queryset: models.QuerySet[M],
    pk: Any,
    changes: Mapping[str, Any],
    version: int | None = None,
    exclude_from_validation: Iterable[str] | None = None,
) -> M:
    """Apply `changes` to one object, atomically, validated and recorded.

    For versioned cards, `version` is the version the caller's edit was based on: if someone
    else saved in between, nothing is written and ConflictError carries the current card.
    The row is locked (PostgreSQL) or the database is (SQLite, IMMEDIATE transactions) so two
    writers based on the same version cannot both succeed."""
    with transaction.atomic():
        obj = queryset.select_for_update().get(pk=pk)
        versioned = cast(VersionedModel, obj) if hasattr(obj, "version") else None
        if versioned is not None and version is not None and int(version) != versioned.version:
            raise ConflictError(versioned, int(version), {})
        fields = list(changes)
        before = snapshot(obj, fields)
        for name, value in changes.items():
            setattr(obj, name, value)
        validate(obj, exclude_from_validation)
        after = snapshot(obj, fields)
        changed = diff(before, after)
        if not changed:
            return obj
        save_fields = [obj._meta.get_field(n).name for n in fields]
        if versioned is not None:
            versioned.version += 1
            save_fields.append("version")
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            save_fields.append("updated_at")
        try:
            with transaction.atomic():
                obj.save(update_fields=save_fields)
        except IntegrityError as exc:
            raise ValidationError({NON_FIELD_ERRORS: [f"the change breaks a rule of the data: {exc}"]})
        record_change(actor=actor, obj=obj, action=ChangeRecord.Action.UPDATED, changes=changed)
    return obj


def create_validated(*, actor: Any, obj: M, exclude: Iterable[str] | None = None) -> M:
    with transaction.atomic():
        save_validated(obj, exclude=exclude)
        fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key and not f.generated]
        record_change(
            actor=actor,
            obj=obj,
            action=ChangeRecord.Action.CREATED,
            changes={k: [None, v] for k, v in snapshot(obj, fields).items() if v not in (None, "")},
        )
    return obj


def delete_recorded(*, actor: Any, obj: models.Model) -> None:
    with transaction.atomic():
        record_change(actor=actor, obj=obj, action=ChangeRecord.Action.DELETED, train_id=train_id_of(obj))
        obj.delete()


def differs(obj: Any, name: str, value: Any) -> bool:
    """Whether setting `name` to `value` changes `obj` (related objects compared by id)."""
    field = obj._meta.get_field(name)
    current = getattr(obj, field.attname)
    return (value.pk if hasattr(value, "pk") and not isinstance(value, type) else value) != current
