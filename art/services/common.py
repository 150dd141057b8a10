"""What every service shares: validation that names the field and the rule, versioned writes
that detect concurrent edits, and the change history."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, router, transaction
from django.db.models import F, Q
from django.db.models.deletion import Collector
from django.utils import timezone

from art.access import train_id_of
from art.errors import ConflictError, InUseError
from art.live import events as live
from art.models import ChangeRecord, VersionedModel
from art.models.base import EARLIEST_DATE, LATEST_DATE

M = TypeVar("M", bound=models.Model)


def _field_of_constraint(model: type[models.Model], message: str) -> str | None:
    for constraint in model._meta.constraints:
        if constraint.get_violation_error_message() == message:
            fields = getattr(constraint, "fields", ())
            return fields[-1] if fields else None
    return None


# --- a write the database refused ---------------------------------------------------------------

logger = logging.getLogger(__name__)

CONCURRENT_CHANGE = "this change conflicts with data saved at the same moment; reload and try again"

# Constraints that exist in the database only (raw SQL in a migration, so not in Meta.constraints):
# name -> (field, message), in the words of the model's clean() that checks the same rule first.
DATABASE_ONLY_CONSTRAINTS: dict[str, tuple[str, str]] = {
    # art/migrations/0002_no_overlapping_dates.py, PostgreSQL only
    "pi_dates_no_overlap_per_train": ("start_date", "PIs of one train may not overlap"),
    "iteration_dates_no_overlap_per_pi": ("start_date", "iterations of one PI may not overlap"),
}


def _fields_named(condition: Q) -> set[str]:
    """The fields a check's condition names: the left side of each lookup and every F()."""
    names: set[str] = set()
    for child in condition.children:
        if isinstance(child, Q):
            names |= _fields_named(child)
        elif isinstance(child, tuple):
            lookup, value = child
            names.add(lookup.split("__")[0])
            if isinstance(value, F):
                names.add(str(value.name).split("__")[0])  # type: ignore[attr-defined]
    return names


def _constraint_field(model: type[models.Model], constraint: Any) -> str | None:
    """The field a constraint concerns: the last of a unique constraint's fields (train, name: the
    name), or the one field a check's condition names (none when it names several)."""
    fields = getattr(constraint, "fields", ())
    if fields:
        return fields[-1]
    condition = getattr(constraint, "condition", None)
    if isinstance(constraint, models.CheckConstraint) and isinstance(condition, Q):
        named = _fields_named(condition)
        if len(named) == 1 and named <= {f.name for f in model._meta.concrete_fields}:
            return named.pop()
    return None


def _unique_words(model: type[models.Model], fields: Iterable[str]) -> str:
    names = list(fields)
    if len(names) == 1:
        return f"{names[0]} must be unique: another {model._meta.verbose_name} already has this value"
    return (
        f"{' and '.join(names)} must be unique together: another {model._meta.verbose_name} "
        "already has these values"
    )


def _constraint_words(model: type[models.Model], constraint: Any) -> str:
    """The constraint's own message; where it has none, words made from its fields or its name."""
    message = constraint.violation_error_message
    if message and message != constraint.default_violation_error_message:
        return str(constraint.get_violation_error_message())
    if getattr(constraint, "fields", ()):
        return _unique_words(model, constraint.fields)
    return f"the change breaks the rule “{constraint.name.replace('_', ' ')}”"


def _columns_of(model: type[models.Model], fields: Iterable[str]) -> frozenset[str]:
    return frozenset(str(cast(models.Field, model._meta.get_field(name)).column) for name in fields)


def _unique_columns(model: type[models.Model], text: str) -> frozenset[str]:
    """The columns a unique violation names: SQLite says "UNIQUE constraint failed: table.a,
    table.b", PostgreSQL "Key (a, b)=(…) already exists"."""
    sqlite = re.search(r"UNIQUE constraint failed: (.+)", text)
    if sqlite:
        pairs = [item.strip().rpartition(".") for item in sqlite.group(1).split(",")]
        if all(table == model._meta.db_table for table, _, _ in pairs):
            return frozenset(column for _, _, column in pairs)
        return frozenset()
    postgresql = re.search(r"Key \(([^)]*)\)=", text)
    if postgresql:
        return frozenset(column.strip().strip('"') for column in postgresql.group(1).split(","))
    return frozenset()


def _broken_rule(model: type[models.Model], text: str) -> tuple[str | None, str] | None:
    """(field, words) of the constraint the error text names, or None."""

    def named(name: str) -> bool:
        return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text) is not None

    columns = _unique_columns(model, text)
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if named(constraint.name) or (columns and fields and _columns_of(model, fields) == columns):
            return _constraint_field(model, constraint), _constraint_words(model, constraint)
    for name, (field, words) in DATABASE_ONLY_CONSTRAINTS.items():
        if named(name):
            return field, words
    unique_sets: list[tuple[str, ...]] = [
        (f.name,) for f in model._meta.concrete_fields if f.unique and not f.primary_key
    ]
    unique_sets += [tuple(together) for together in model._meta.unique_together]
    for names in unique_sets:
        if columns and _columns_of(model, names) == columns:
            return names[-1], _unique_words(model, names)
    return None


def integrity_error_message(model: type[models.Model], exc: IntegrityError) -> ValidationError:
    """A write the database refused, as a validation error in words, on the field it concerns.

    It finds the constraint that broke, among the model's Meta.constraints, unique fields and
    unique_together: by its name in the error text (PostgreSQL names every constraint, SQLite its
    checks) or by the columns of a unique violation (SQLite names those). The database's own text,
    which names tables and SQL, is never shown: it goes to the log, for operators. A refusal that
    names none of them is most likely a write made at the same moment, which validation could not
    see."""
    diag = getattr(exc.__cause__, "diag", None)  # psycopg: the constraint's name, where it has one
    text = f"{exc} {getattr(diag, 'constraint_name', None) or ''}"
    logger.warning("the database refused a write to %s: %s", model._meta.label, exc)
    broken = _broken_rule(model, text)
    if broken is None:
        return ValidationError({NON_FIELD_ERRORS: [CONCURRENT_CHANGE]})
    field, words = broken
    return ValidationError({field or NON_FIELD_ERRORS: [words]})


#: Control characters: none in any text; in one-line text (names, titles) no line break either.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]")
ONE_LINE_REFUSAL = "{name} must be one line: line breaks are not allowed"
CONTROL_REFUSAL = "{name} may not hold control characters (such as NUL)"


def text_errors(obj: models.Model, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """The text fields of `obj` holding what no text may hold: a control character anywhere, and
    a line break in one-line text (a CharField: names, titles, owners), which would break CSV
    exports, calendar feeds and headers."""
    errors: dict[str, list[str]] = {}
    skip = set(exclude)
    for field in obj._meta.concrete_fields:
        if field.name in skip or not isinstance(field, models.CharField | models.TextField):
            continue
        value = getattr(obj, field.attname)
        if not isinstance(value, str) or not value:
            continue
        if CONTROL_CHARACTERS.search(value):
            errors[field.name] = [CONTROL_REFUSAL.format(name=field.name)]
        elif isinstance(field, models.CharField) and not field.choices and LINE_BREAKS.search(value):
            errors[field.name] = [ONE_LINE_REFUSAL.format(name=field.name)]
    return errors


def validate(obj: models.Model, exclude: Iterable[str] | None = None) -> None:
    """full_clean(), with constraint errors moved onto the field they concern, and text that no
    field may hold refused (text_errors)."""
    errors: dict[str, list[str]] = text_errors(obj, exclude or ())
    try:
        obj.full_clean(exclude=list(exclude) if exclude else None)
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        for field, messages in exc.message_dict.items():
            for message in messages:
                target = field
                if field == NON_FIELD_ERRORS:
                    target = _field_of_constraint(type(obj), message) or NON_FIELD_ERRORS
                errors.setdefault(target, []).append(message)
    if errors:
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
        raise integrity_error_message(type(obj), exc)
    return obj


def plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for the history."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
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


#: Clock skew allowed for a past time (a creation, a transition) sent by a client slightly ahead of
#: the server.
FUTURE_TOLERANCE = dt.timedelta(minutes=5)


def author(actor: Any) -> Any:
    """Who a record names as its author: the signed-in person, or nobody when Railyard itself acts
    (tasks, imports, the demo seed: actor None)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def stripped(value: str | None) -> str:
    return (value or "").strip()


def created_at_refusal(created_at: dt.datetime, now: dt.datetime, *, what: str) -> str:
    """Why a creation time sent by a person or an integration may not be used ("" if it may):
    never later than now (allowing a client's clock a few minutes ahead), and a date a plan could
    hold (1990–2199). `what` names the thing created, for the words: "an impediment"."""
    if created_at > now + FUTURE_TOLERANCE:
        return f"{what} cannot date from the future: created_at must be now or earlier"
    return date_range_refusal(created_at, "created_at")


def date_range_refusal(value: dt.date | dt.datetime | None, name: str) -> str:
    """Why a date or time is out of the range a plan may hold, 1990–2199 ("" when it is in it),
    naming the field. Earlier or later dates break calendars and metrics (a year-1 feature once
    made every recompute of its train overflow)."""
    if value is None:
        return ""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return f"dates must lie between {EARLIEST_DATE} and {LATEST_DATE}: {name} is out of range"
    return ""


def record_change(
    *,
    actor: Any,
    obj: models.Model,
    action: str,
    changes: Mapping[str, Any] | None = None,
    train_id: int | None = None,
) -> ChangeRecord:
    """Keep who changed what and when: `changes` maps field -> [before, after]. The train's open
    pages hear of it once the transaction commits (art.live.events)."""
    record = ChangeRecord.objects.create(
        train_id=train_id if train_id is not None else train_id_of(obj),
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
        object_repr=str(obj)[:240],
        action=action,
        changes=dict(changes or {}),
        actor=author(actor),
    )
    live.announce([record], [obj])
    return record


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
        obj = queryset.select_for_update(of=("self",)).get(pk=pk)  # not what it selects along
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
            raise integrity_error_message(type(obj), exc)
        record_change(actor=actor, obj=obj, action=ChangeRecord.Action.UPDATED, changes=changed)
    return obj


def update_many(
    *,
    actor: Any,
    objects: Sequence[M],
    changes: Mapping[Any, Mapping[str, Any]],
    note: Mapping[str, Any] | None = None,
) -> list[M]:
    """update_fields for many objects of one model in a fixed number of queries: one bulk update
    and one insert of the history, whatever their number. `objects` are rows the caller has
    locked (select_for_update) and whose versions it has compared; `changes` maps an object's pk
    to its changes (relations as instances the caller has checked). Each object is validated by
    its field rules (relations excepted: they are instances) and its clean(), without a query;
    uniqueness is left to the database. Versioned objects get their version bumped, and each
    changed object one history entry (`note` adds to each). Raises ValidationError naming the
    object when one is refused: nothing is written then. Returns the objects that changed."""
    if not objects:
        return []
    model = type(objects[0])
    relations = [f.name for f in model._meta.concrete_fields if f.is_relation]
    changed: list[tuple[M, dict[str, list[Any]]]] = []
    save_fields: set[str] = set()
    errors: dict[str, list[str]] = {}
    for obj in objects:
        wanted = changes.get(obj.pk) or {}
        before = snapshot(obj, list(wanted))
        for name, value in wanted.items():
            setattr(obj, name, value)
        try:
            validate_related(obj, exclude=relations)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(f"{obj}: {m}" for m in messages)
            continue
        difference = diff(before, snapshot(obj, list(wanted)))
        if difference:
            changed.append((obj, difference))
            save_fields.update(obj._meta.get_field(n).name for n in difference)
    if errors:
        raise ValidationError(errors)
    if not changed:
        return []
    now = timezone.now()
    fields = sorted(save_fields)
    for obj, _ in changed:
        if hasattr(obj, "version"):
            cast(VersionedModel, obj).version += 1
        if hasattr(obj, "updated_at"):
            obj.updated_at = now  # type: ignore[attr-defined]
    fields += [f.name for f in model._meta.concrete_fields if f.name in ("version", "updated_at")]
    with transaction.atomic():
        try:
            model._default_manager.bulk_update([obj for obj, _ in changed], fields)
        except IntegrityError as exc:
            raise integrity_error_message(model, exc)
        content_type = ContentType.objects.get_for_model(model)
        who = author(actor)
        records = ChangeRecord.objects.bulk_create(
            ChangeRecord(
                train_id=train_id_of(obj),
                content_type=content_type,
                object_id=obj.pk,
                object_repr=str(obj)[:240],
                action=ChangeRecord.Action.UPDATED,
                changes={**difference, **(note or {})},
                actor=who,
                at=now,
            )
            for obj, difference in changed
        )
        live.announce(records, [obj for obj, _ in changed])
    return [obj for obj, _ in changed]


def validate_related(obj: models.Model, exclude: Iterable[str]) -> None:
    """validate() without the queries: field rules other than `exclude` (relations set as
    instances) and the model's clean(); no uniqueness or constraint check."""
    errors: dict[str, list[str]] = text_errors(obj, exclude)
    try:
        obj.clean_fields(exclude=list(exclude))
        obj.clean()
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def create_validated(
    *,
    actor: Any,
    obj: M,
    exclude: Iterable[str] | None = None,
    note: Mapping[str, Any] | None = None,
    train_id: int | None = None,
) -> M:
    """Validate, save and record the creation; `note` adds to the record (a restore says so);
    `train_id` where the object cannot name its train (a many-to-many link). A feature, story or
    dependency takes its number in its train as it is saved (NumberedCard)."""
    with transaction.atomic():
        save_validated(obj, exclude=exclude)
        fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key and not f.generated]
        changes = {k: [None, v] for k, v in snapshot(obj, fields).items() if v not in (None, "")}
        record_change(
            actor=actor,
            obj=obj,
            action=ChangeRecord.Action.CREATED,
            changes={**changes, **(note or {})},
            train_id=train_id,
        )
    return obj


def named(queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """With what str() of its rows follows (the model's `str_related`): no query per row named."""
    return queryset.select_related(*getattr(queryset.model, "str_related", ()))


def in_use_message(obj: models.Model, referrers: Iterable[models.Model]) -> str:
    """Why `obj` cannot go: what still refers to it, counted by kind, the first few named (read again).

    >>> in_use_message(iteration, [dep_12, dep_14])  # doctest: +SKIP
    'Iteration 3 cannot be deleted: 2 dependencies still refer to it (D-12, D-14)'
    """
    pks: dict[type[models.Model], list[Any]] = {}
    for referrer in referrers:
        pks.setdefault(type(referrer), []).append(referrer.pk)
    names: dict[tuple[str, str], list[str]] = {}  # the collector's rows have only the fields it needed
    for model, ids in pks.items():
        rows = {row.pk: str(row) for row in named(model._default_manager.filter(pk__in=ids[:3]))}
        kind = names.setdefault((str(model._meta.verbose_name), str(model._meta.verbose_name_plural)), [])
        kind.extend(rows.get(pk, "") for pk in ids)
    parts = []
    for (one, many), kind in names.items():
        shown = ", ".join(kind[:3]) + (f" and {len(kind) - 3} more" if len(kind) > 3 else "")
        parts.append(f"{len(kind)} {one if len(kind) == 1 else many} ({shown})")
    verb = "refers" if len(parts) == 1 and parts[0].startswith("1 ") else "refer"
    return f"{obj} cannot be deleted: {' and '.join(parts)} still {verb} to it"


#: In the history entry of a row deleted with another (its cascade): [the id of the history entry
#: of that other's deletion, None]. Restoring that deletion brings the cascade back with it.
DELETED_IN = "deleted_in"


def delete_recorded(*, actor: Any, obj: models.Model) -> None:
    """Delete, keeping a before-image in the history: every field's value as it was, for the
    object and for every row that goes with it (its cascade), each its own history entry naming
    what it was deleted with and linked to the deletion's entry (DELETED_IN). When other records
    still refer to it (PROTECT/RESTRICT), nothing is deleted: InUseError names them. The history
    itself never goes with anything."""
    try:
        _delete_recorded(actor=actor, obj=obj)
    except models.ProtectedError as exc:
        raise InUseError(in_use_message(obj, exc.protected_objects)) from None
    except models.RestrictedError as exc:
        raise InUseError(in_use_message(obj, exc.restricted_objects)) from None


def _before_image(obj: models.Model) -> dict[str, list[Any]]:
    fields = [f.name for f in obj._meta.concrete_fields if not f.primary_key and not f.generated]
    return {k: [v, None] for k, v in snapshot(obj, fields).items() if v not in (None, "")}


def _cascade_rows(collector: Collector, root: models.Model) -> dict[type[models.Model], list[Any]]:
    """The ids of every row the collector will delete besides `root`, by model (one query per
    fast-deleted set; the rest the collector already holds)."""
    ids: dict[type[models.Model], list[Any]] = {}
    for model, instances in collector.data.items():
        ids.setdefault(model, []).extend(
            i.pk for i in instances if not (model is type(root) and i.pk == root.pk)
        )
    for queryset in collector.fast_deletes:
        ids.setdefault(queryset.model, []).extend(queryset.values_list("pk", flat=True))
    return {model: pks for model, pks in ids.items() if pks and model is not ChangeRecord}


CASCADE_CHUNK = 2000


def deletion_summary(obj: models.Model) -> list[tuple[int, str]]:
    """What deleting `obj` takes with it, as (count, kind) by kind, most first — what a
    confirmation lists. The history is never in it (it stays). InUseError when other records
    still refer to it."""
    collector = Collector(using=router.db_for_write(type(obj)), origin=obj)
    try:
        collector.collect([obj])
    except models.ProtectedError as exc:
        raise InUseError(in_use_message(obj, exc.protected_objects)) from None
    except models.RestrictedError as exc:
        raise InUseError(in_use_message(obj, exc.restricted_objects)) from None
    counts = {
        model: len(pks)
        for model, pks in _cascade_rows(collector, obj).items()
        if not model._meta.auto_created  # a many-to-many link is not something a person made
    }
    rows = [
        (n, str(model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural))
        for model, n in counts.items()
    ]
    return sorted(rows, key=lambda row: (-row[0], row[1]))


def deletion_words(summary: list[tuple[int, str]]) -> str:
    """ "5 team members, 2 dependencies and 1 objective" (or "" for nothing)."""
    parts = [f"{n} {kind}" for n, kind in summary]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else ""


def _delete_recorded(*, actor: Any, obj: models.Model) -> None:
    with transaction.atomic():
        train_id = train_id_of(obj)
        collector = Collector(using=router.db_for_write(type(obj)), origin=obj)
        collector.collect([obj])  # raises ProtectedError / RestrictedError before anything changes
        deletion = record_change(
            actor=actor,
            obj=obj,
            action=ChangeRecord.Action.DELETED,
            changes=_before_image(obj),
            train_id=train_id,
        )
        who, at, along = author(actor), timezone.now(), str(obj)[:240]
        for model, pks in _cascade_rows(collector, obj).items():  # one query per model and chunk
            content_type = ContentType.objects.get_for_model(model)
            for start in range(0, len(pks), CASCADE_CHUNK):
                chunk = pks[start : start + CASCADE_CHUNK]
                rows = list(named(model._default_manager.filter(pk__in=chunk)).order_by("pk"))
                records = ChangeRecord.objects.bulk_create(
                    ChangeRecord(
                        train_id=train_id,
                        content_type=content_type,
                        object_id=row.pk,
                        object_repr=str(row)[:240],
                        action=ChangeRecord.Action.DELETED,
                        changes={
                            **_before_image(row),
                            "deleted_with": [along, None],
                            DELETED_IN: [deletion.pk, None],
                        },
                        actor=who,
                        at=at,
                    )
                    for row in rows
                )
                live.announce(records, rows)
        collector.delete()


def differs(obj: Any, name: str, value: Any) -> bool:
    """Whether setting `name` to `value` changes `obj` (related objects compared by id)."""
    field = obj._meta.get_field(name)
    current = getattr(obj, field.attname)
    return (value.pk if hasattr(value, "pk") and not isinstance(value, type) else value) != current
