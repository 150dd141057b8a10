"""Restoring a deleted card from the history: the RTE brings back what a delete took, from the
before-image its history entry kept (art.services.common.delete_recorded), with its id, so that
its history reads on — and, by default, everything deleted with it (its cascade: a feature's
stories, their dependencies, its links to objectives), parents before children, all or nothing.
What it referred to must still exist (restore that first)."""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction

from art.access import TRAIN_PATHS, Action, authorize
from art.models import ChangeRecord, NumberedCard, ReleaseTrain, Team

from .common import DELETED_IN, create_validated
from .train import team_initials_refresh

NOT_A_DELETE = "only a deletion can be restored: this history entry records a {action}"
STILL_THERE = "{name} is here already: it was restored, or never went"
CANNOT_RESTORE = "a {name} is not restored from the history"
GONE_REFERENCE = "{field}: the {what} it belonged to ({pk}) was deleted too: restore that first"
PART_REFUSED = "{name} ({kind}, deleted with it) cannot come back, so nothing was restored: {why}"
SHOWN_REFUSALS = 5


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


def cascade_of(record: ChangeRecord) -> models.QuerySet[ChangeRecord]:
    """The history entries of what was deleted with the deletion `record` records (one query)."""
    return (
        ChangeRecord.objects.filter(
            train_id=record.train_id,
            action=ChangeRecord.Action.DELETED,
            **{f"changes__{DELETED_IN}__0": record.pk},
        )
        .select_related("content_type")
        .order_by("id")
    )


def _value(field: models.Field, raw: Any) -> Any:
    if raw is None:
        return None
    if isinstance(field, models.JSONField):
        return raw
    return field.to_python(raw)


@dataclass
class _Part:
    """One row coming back: its deletion's entry, the row rebuilt, and what it refers to."""

    record: ChangeRecord
    obj: models.Model
    references: list[tuple[models.Field, Any]] = dataclass_field(default_factory=list)

    @property
    def key(self) -> tuple[type[models.Model], Any]:
        return _key(type(self.obj), self.obj.pk)


def _key(model: type[models.Model], pk: Any) -> tuple[type[models.Model], Any]:
    return cast(type[models.Model], model._meta.concrete_model), pk


def _rebuild(record: ChangeRecord, model: type[models.Model]) -> _Part:
    """The row as its before-image kept it, with its id and a version one above the one it had
    (an edit based on the old card is then a conflict); nothing is read or written."""
    image = {name: pair[0] for name, pair in record.changes.items() if isinstance(pair, list) and pair}
    part = _Part(record, model(pk=record.object_id))
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated:
            continue
        if field.name not in image:
            # the before-image leaves out what was empty: None where the field allows it, else "".
            if field.null:
                setattr(part.obj, field.attname, None)
            elif isinstance(field, models.CharField | models.TextField):
                setattr(part.obj, field.attname, "")
            continue
        raw = image[field.name]
        if field.is_relation:
            part.references.append((field, raw))
            setattr(part.obj, field.attname, raw)
        else:
            setattr(part.obj, field.attname, _value(field, raw))
    if isinstance(part.obj, NumberedCard) and "number" not in image:
        # deleted before cards were numbered per train, when its key was its id (F-<id>)
        part.obj.number = record.object_id
    if hasattr(part.obj, "version"):
        part.obj.version = int(image.get("version") or 1) + 1
    return part


def _kind(part: _Part) -> str:
    return str(type(part.obj)._meta.verbose_name)


def _part_refusal(part: _Part, why: str) -> str:
    return PART_REFUSED.format(name=part.record.object_repr, kind=_kind(part), why=why)


def _refuse(messages: list[str]) -> ValidationError:
    shown = messages[:SHOWN_REFUSALS]
    if len(messages) > SHOWN_REFUSALS:
        shown.append(f"… and {len(messages) - SHOWN_REFUSALS} more that cannot come back")
    return ValidationError({"record": shown})


def _parents_first(parts: list[_Part]) -> list[_Part]:
    """The parts in an order where each comes after what it refers to among them (a feature
    before its stories, a story before the dependency on it); otherwise in the order deleted."""
    index = {part.key: i for i, part in enumerate(parts)}
    needs: list[set[int]] = [set() for _ in parts]
    needed_by: list[list[int]] = [[] for _ in parts]
    for i, part in enumerate(parts):
        for ref_field, pk in part.references:
            j = index.get(_key(cast(type[models.Model], ref_field.related_model), pk))
            if j is not None and j != i and j not in needs[i]:
                needs[i].add(j)
                needed_by[j].append(i)
    ready = [i for i in range(len(parts)) if not needs[i]]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        i = heapq.heappop(ready)
        order.append(i)
        for k in needed_by[i]:
            needs[k].discard(i)
            if not needs[k]:
                heapq.heappush(ready, k)
    placed = set(order)
    left = [i for i in range(len(parts)) if i not in placed]  # a cycle: as deleted
    return [parts[i] for i in order + left]


def record_restore(*, actor: Any, record: ChangeRecord, cascade: bool = True) -> list[models.Model]:
    """Bring back what a deletion took, as it was, with its id and a version one above the one it
    had; with `cascade` (the default) also everything deleted with it, in one transaction:
    refused as a whole, in words, when any part cannot come back (already here, or what it
    belonged to is gone). Each restored row gets a history entry. What came back, the deleted
    card first."""
    authorize(actor, Action.MANAGE_TRAIN, record.train_id)
    if record.action != ChangeRecord.Action.DELETED:
        raise ValidationError({"record": NOT_A_DELETE.format(action=record.get_action_display())})
    model = record.content_type.model_class()
    if model is None or not restorable(record):
        name = model._meta.verbose_name if model is not None else "record"
        raise ValidationError({"record": CANNOT_RESTORE.format(name=name)})
    if model._default_manager.filter(pk=record.object_id).exists():
        raise ValidationError({"record": STILL_THERE.format(name=record.object_repr)})
    root = _rebuild(record, model)
    parts, refusals = [root], []
    for entry in cascade_of(record) if cascade else ():
        part_model = entry.content_type.model_class()
        if part_model is None or not (restorable(entry) or part_model._meta.auto_created):
            # auto_created: a many-to-many link (an objective's feature), restored with its ends
            name = part_model._meta.verbose_name if part_model is not None else entry.content_type.model
            refusals.append(
                f"{entry.object_repr} cannot come back, so nothing was restored: "
                + CANNOT_RESTORE.format(name=name)
            )
            continue
        parts.append(_rebuild(entry, part_model))
    by_model: dict[type[models.Model], list[_Part]] = defaultdict(list)
    for part in parts[1:]:
        by_model[type(part.obj)].append(part)
    for part_model, group in by_model.items():  # one query per kind of row
        back = set(
            part_model._default_manager.filter(pk__in=[p.obj.pk for p in group]).values_list("pk", flat=True)
        )
        refusals += [_part_refusal(p, STILL_THERE.format(name="it")) for p in group if p.obj.pk in back]
    # what the parts refer to outside the cascade must be there: one query per kind referred to
    coming = {part.key for part in parts}
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for part in parts:
        for ref_field, pk in part.references:
            target = cast(type[models.Model], ref_field.related_model)
            if pk is not None and _key(target, pk) not in coming:
                wanted[_key(target, pk)[0]].add(pk)
    present = {target: target._default_manager.in_bulk(pks) for target, pks in wanted.items()}
    errors: dict[str, str] = {}
    for part in parts:
        for ref_field, pk in part.references:
            target = _key(cast(type[models.Model], ref_field.related_model), pk)[0]
            if pk is None or _key(target, pk) in coming or pk in present[target]:
                continue
            why = GONE_REFERENCE.format(field=ref_field.name, what=target._meta.verbose_name, pk=pk)
            if part is root:
                errors[ref_field.name] = why
            else:
                refusals.append(_part_refusal(part, why))
    if errors:
        raise ValidationError(errors)
    if refusals:
        raise _refuse(refusals)
    # Each row refers to the rows it names, read above or coming back with it: validating and
    # recording it loads none of them again.
    rows = {part.key: part.obj for part in parts}
    for part in parts:
        for ref_field, pk in part.references:
            target = cast(type[models.Model], ref_field.related_model)
            found = rows.get(_key(target, pk)) or present.get(_key(target, pk)[0], {}).get(pk)
            if found is not None and isinstance(found, target):
                setattr(part.obj, ref_field.name, found)
    note = {"restored": [None, f"from the deletion of {record.at:%Y-%m-%d %H:%M}"]}
    with transaction.atomic():
        for part in _parents_first(parts):
            try:
                create_validated(actor=actor, obj=part.obj, note=note, train_id=record.train_id)
            except ValidationError as exc:
                if part is root:
                    raise
                raise _refuse([_part_refusal(part, "; ".join(exc.messages))]) from None
        for train_id in {part.obj.train_id for part in parts if isinstance(part.obj, Team)}:
            # a restored team's initials, and its namesakes', are unique again
            team_initials_refresh(train_id=train_id)
            for part in parts:
                if isinstance(part.obj, Team):
                    part.obj.refresh_from_db(fields=["shown_initials"])
    return [part.obj for part in parts]
