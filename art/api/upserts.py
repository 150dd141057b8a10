"""What integrations write (docs/api.md, "Upserts and bulk"): upserts by external key and bulk
writes, for the cards that carry an `external_key` (features, stories, dependencies, risks,
objectives), and a feature's back-dated history imported in one request.

- `PUT <resource>/by-key/{external_key}/?train=<id>` creates (201) or changes (200) the item with
  that key in that train; `GET` reads it. The body is the resource's own; on a change, fields
  left out keep their values, and a create-only field may be sent again with its current value
  (so that a sync job can send the same body every time). Without `version` or `If-Match` the
  write is last-writer-wins (recorded in the history like any change); with one, a stale one
  answers 409/412 and changes nothing.
- `POST <resource>/bulk/` takes a JSON array of up to BULK_LIMIT items (with `external_key`: an
  upsert; without: a create), all or nothing: one refused item writes nothing, and the 400 names
  every refused item by index (art.errors.ItemsRefused). The answer lists the items in order,
  each with `"status": "created" | "updated" | "unchanged"`.

Both go through the viewset's own hooks (`check_create`, `create_object`, `update_object`, the
access policy), so an upsert is exactly a create or an update of the resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from art import selectors, services
from art.access import TRAIN_PATHS, Action, check, my_team_id, train_id_of, visible
from art.api.errors import _django_errors
from art.api.mixins import ANY, etag, if_match_versions, refuse_unwritable
from art.api.serializers import FeatureTransitionSerializer
from art.errors import ConflictError, ItemsRefused
from art.models import Feature, ReleaseTrain
from art.services.common import CONTROL_CHARACTERS, LINE_BREAKS

KEY_MAX_LENGTH = 64
BULK_LIMIT = 1000
#: The body a bulk write may send: 1,000 items of up to 8 KB each (a long description
#: included); other writes keep DATA_UPLOAD_MAX_MEMORY_SIZE (art.api.parsers).
BULK_BODY_LIMIT = 8 * 1024 * 1024

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


def too_many_items(count: int) -> Response:
    """413 naming the limit, as a number too (`limit`), so that a client can split by it."""
    return Response(
        {
            "detail": f"a bulk write takes at most {BULK_LIMIT:,} items; this one has {count:,}: "
            "send them in several requests",
            "limit": BULK_LIMIT,
        },
        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    )


class NoItemToMatch(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "precondition_failed"


def clean_external_key(raw: str) -> str:
    """The key of a by-key path, or 400 naming external_key: one line of up to 64 characters,
    not blank, no control characters."""
    key = (raw or "").strip()
    if not key:
        problem = "external_key must not be empty or blank"
    elif len(key) > KEY_MAX_LENGTH:
        problem = f"external_key must be at most {KEY_MAX_LENGTH} characters"
    elif CONTROL_CHARACTERS.search(key) or LINE_BREAKS.search(key):
        problem = "external_key may not hold control characters or line breaks"
    else:
        return key
    raise exceptions.ValidationError({"external_key": [problem]})


def train_param(request: Request, *, required: bool = True) -> int | None:
    """`?train=<id>`: 400 naming train when it is missing (if required) or not an id."""
    raw = request.query_params.get("train", "").strip()
    if not raw:
        if required:
            raise exceptions.ValidationError({"train": ["train is required: ?train=<the train's id>"]})
        return None
    if not raw.isdigit() or int(raw) > 2**63 - 1:
        raise exceptions.ValidationError({"train": ["train must be a train's id (a whole number)"]})
    return int(raw)


def field_errors(exc: Exception) -> dict[str, list[str]]:
    """A refusal of one item as {field: [messages]}."""
    if isinstance(exc, DjangoValidationError):
        return _django_errors(exc)
    if isinstance(exc, ConflictError):
        return {"version": [str(exc)]}
    detail = getattr(exc, "detail", None)
    if isinstance(detail, Mapping):
        return {str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in detail.items()}
    return {"non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail or exc])]}


def changed_fields(obj: models.Model, data: Mapping[str, Any]) -> set[str]:
    """The fields of `data` whose value differs from the object's (related objects by id);
    a name that is not a field of the model (a write-only `reason`) counts when it is set."""
    out = set()
    for name, value in data.items():
        try:
            field = obj._meta.get_field(name)
        except FieldDoesNotExist:
            if value not in (None, ""):
                out.add(name)
            continue
        if field.many_to_many:
            if {v.pk for v in value} != set(getattr(obj, name).values_list("pk", flat=True)):
                out.add(name)
        elif (value.pk if isinstance(value, models.Model) else value) != getattr(
            obj, getattr(field, "attname", name)
        ):
            out.add(name)
    return out


def train_of(value: Any) -> int | None:
    """The train a related object of a body belongs to (None: not a train's object)."""
    if isinstance(value, ReleaseTrain):
        return value.pk
    if isinstance(value, models.Model) and value._meta.label_lower in TRAIN_PATHS:
        return train_id_of(value)
    return None


if TYPE_CHECKING:
    from art.api.mixins import TrainScopedViewSet, VersionedCardMixin

    class _Base(VersionedCardMixin, TrainScopedViewSet): ...
else:
    _Base = object


def upsert_schema(serializer: Any, *, bulk: bool) -> dict[str, Any]:
    """The OpenAPI description of `by_key` (and `bulk`) for a resource, for extend_schema_view."""
    train = OpenApiParameter(
        "train", OpenApiTypes.INT, required=True, description="The train the key is unique in."
    )
    refusals = {
        400: OpenApiResponse(description="A field (or the key, or ?train=) breaks a rule, named."),
        401: OpenApiResponse(description="No credentials."),
        403: OpenApiResponse(description="The caller's role may not make this change."),
        404: OpenApiResponse(description="No such train (or not one of the caller's trains)."),
    }
    put_schema = extend_schema(
        methods=["PUT"],
        summary="Create or change the item with this external key (upsert)",
        description="201 when created, 200 when changed (or unchanged). Without `version` or If-Match "
        "the write is last-writer-wins; a stale one answers 409/412 and changes nothing.",
        parameters=[train],
        request=serializer,
        responses={
            200: serializer,
            201: serializer,
            **refusals,
            409: OpenApiResponse(description="A stale `version`: nothing changed."),
            412: OpenApiResponse(description="A stale If-Match: nothing changed."),
        },
    )
    get_schema = extend_schema(
        methods=["GET"],
        summary="The item with this external key",
        parameters=[train],
        responses={200: serializer, 400: refusals[400], 401: refusals[401], 404: refusals[404]},
    )
    schemas: dict[str, Any] = {"by_key": [put_schema, get_schema]}
    if bulk:
        schemas["bulk"] = [
            extend_schema(
                summary=f"Create or upsert up to {BULK_LIMIT:,} items at once, all or nothing",
                description="A JSON array: an item with `external_key` is an upsert, one without a create. "
                'The answer lists the items in order, each with `"status"`: created, updated or '
                'unchanged. One refused item writes nothing: 400 `{"errors": {"<index>": {"field": '
                f'["..."]}}}}`. More than {BULK_LIMIT:,} items answer 413.',
                parameters=[
                    OpenApiParameter(
                        "train", OpenApiTypes.INT, description="The train of items that do not name one."
                    )
                ],
                request=serializer(many=True),
                responses={
                    200: serializer(many=True),
                    201: serializer(many=True),
                    **refusals,
                    413: OpenApiResponse(
                        description="More items (or a larger body) than a bulk write takes."
                    ),
                },
            )
        ]
    return schemas


class ByKeyUpsertMixin(_Base):
    """`by-key/{external_key}/` (GET, PUT) on a VersionedCardMixin + TrainScopedViewSet whose
    serializer has `external_key` (BulkUpsertMixin adds `bulk/`).

    A resource declares how its items reach their train (`key_train_lookup`), and, when the body
    names the train itself, `train_field` (filled in from `?train=` when left out)."""

    key_train_lookup = "train_id"
    train_field: str | None = None
    #: Whether the view's check (the write action on the item's train and teams) is all the
    #: service would check: then an item sent again unchanged is answered without the service.
    view_decides_access = False

    # -- hooks
    def upsert_early_action(self) -> Action:
        """The action a caller must hold in the train (for some team) before the body is read."""
        return self.write_action

    # -- the shared steps
    def _check_early(self, train_id: int) -> None:
        user = self.request.user
        check(user, Action.VIEW, train_id)
        check(user, self.upsert_early_action(), train_id, [my_team_id(user, train_id)])

    def _keyed(self, pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Any]:
        """The items with these (train, key) pairs among the caller's trains: one query."""
        if not pairs:
            return {}
        rows = visible(self.request.user, self.list_queryset()).filter(
            **{
                f"{self.key_train_lookup}__in": {train for train, _ in pairs},
                "external_key__in": {key for _, key in pairs},
            }
        )
        found = {(train_id_of(row), row.external_key): row for row in rows}
        return {pair: found[pair] for pair in pairs if pair in found}

    def _refuse_other_train(self, data: Mapping[str, Any], train_id: int) -> None:
        errors = {}
        for name, value in data.items():
            values = value if isinstance(value, list | tuple) else [value]
            trains = {train_of(v) for v in values} - {None}
            if trains - {train_id}:
                errors[name] = [f"{name} must belong to the train of the key (train {train_id})"]
        if errors:
            raise exceptions.ValidationError(errors)

    def _drop_unchanged_create_only(self, obj: Any, data: dict[str, Any]) -> None:
        """A create-only field sent again with its current value is let through (dropped);
        another value answers 400 naming it."""
        fields = self.get_serializer().fields  # type: ignore[attr-defined]
        meta = getattr(self.get_serializer_class(), "Meta", None)
        errors: dict[str, list[str]] = {}
        for name in getattr(meta, "create_only", ()):
            if name not in data:
                continue
            try:
                value = fields[name].run_validation(data[name])
            except (exceptions.ValidationError, DjangoValidationError) as exc:
                errors[name] = field_errors(exc).get("non_field_errors", [f"{name} is not valid"])
                continue
            # A foreign key is compared by its id (attname): the related row is not loaded for it.
            field = next((f for f in obj._meta.concrete_fields if f.name == name), None)
            current = getattr(obj, field.attname if field is not None else name)
            if (value.pk if isinstance(value, models.Model) else value) != current:
                errors[name] = [f"{name} is set when the item is created: it cannot be changed"]
            del data[name]
        if errors:
            raise exceptions.ValidationError(errors)

    def _create(self, data: dict[str, Any]) -> Any:
        serializer = self.get_serializer(data=data)
        self.refuse_unwritable(serializer, data)
        serializer.is_valid(raise_exception=True)
        validated = dict(serializer.validated_data)
        validated.pop("version", None)
        return validated

    def upsert_one(
        self, body: Any, key: str | None, train_id: int | None, existing: Any, *, by_request: bool = False
    ) -> tuple[Any, str]:
        """Create or change one item; (the item, created | updated | unchanged). `by_request`:
        the request is about this one item, so its If-Match applies (a bulk item states its
        `version` in the item only)."""
        if not isinstance(body, Mapping):
            raise exceptions.ValidationError({"non_field_errors": ["an item must be a JSON object"]})
        data = dict(body)
        if key is not None:
            sent = data.get("external_key")
            if sent is not None and not (isinstance(sent, str) and sent.strip() in ("", key)):
                raise exceptions.ValidationError(
                    {"external_key": [f"external_key must be the item's key ({key}) or left out"]}
                )
            data["external_key"] = key
        if self.train_field and train_id is not None and data.get(self.train_field) in (None, ""):
            data[self.train_field] = train_id
        if existing is None:
            if_match = if_match_versions(self.request) if by_request else None
            if if_match is not None and if_match != ANY:
                raise NoItemToMatch(f"no item has the key {key} in this train yet: If-Match cannot match")
            validated = self._create(data)
            if train_id is not None:
                self._refuse_other_train(validated, train_id)
            self.check_create(validated)
            return self.create_object(validated), CREATED
        check(self.request.user, self.access_action(), train_id_of(existing), self.teams_of(existing))
        self._drop_unchanged_create_only(existing, data)
        serializer = self.get_serializer(existing, data=data, partial=True)
        self.refuse_unwritable(serializer, data)
        serializer.is_valid(raise_exception=True)
        validated = dict(serializer.validated_data)
        body_version = validated.pop("version", None)
        self._refuse_other_train(validated, train_id_of(existing))
        stated = body_version is not None or (by_request and if_match_versions(self.request) is not None)
        if not stated and self.view_decides_access and not changed_fields(existing, validated):
            # Nothing to change and the write already allowed (a sync job sending the same body
            # again): the answer needs no validation of the whole card, nor a lock.
            return existing, UNCHANGED
        before = existing.version
        if not by_request:
            obj = self.update_object(existing, validated, version=body_version)  # type: ignore[call-arg]
        else:
            with self.precondition(existing, body_version, required=False) as version:
                obj = self.update_object(existing, validated, version=version)  # type: ignore[call-arg]
        return obj, (UPDATED if obj.version != before else UNCHANGED)

    # -- the actions
    @action(detail=False, methods=["get", "put"], url_path=r"by-key/(?P<external_key>.+)", filter_backends=[])
    def by_key(self, request: Request, external_key: str = "") -> Response:
        key = clean_external_key(external_key)
        train_id = train_param(request)
        assert train_id is not None
        check(request.user, Action.VIEW, train_id)
        existing = self._keyed({(train_id, key)}).get((train_id, key))
        if request.method == "GET":
            if existing is None:
                what = self.list_queryset().model._meta.verbose_name
                raise Http404(f"no {what} has the key {key} in this train")
            body = self.get_serializer(self.get_queryset().get(pk=existing.pk)).data
            return Response(body, headers={"ETag": etag(body["version"])})
        self._check_early(train_id)
        if_match_versions(request)  # a malformed If-Match answers 400 before anything is read
        with transaction.atomic():
            obj, word = self.upsert_one(request.data, key, train_id, existing, by_request=True)
        body = self.get_serializer(self.get_queryset().get(pk=obj.pk)).data
        code = status.HTTP_201_CREATED if word == CREATED else status.HTTP_200_OK
        return Response(body, status=code, headers={"ETag": etag(body["version"])})


class BulkUpsertMixin(ByKeyUpsertMixin):
    """ByKeyUpsertMixin, and `bulk/` (POST): up to BULK_LIMIT items, all or nothing."""

    def bulk_train_ids(self, items: list[Any], default: int | None) -> list[int | None]:
        """The train of each item of a bulk write: the one it names, else `?train=`."""
        out: list[int | None] = []
        for item in items:
            named = item.get(self.train_field) if self.train_field and isinstance(item, Mapping) else None
            out.append(int(named) if isinstance(named, int) and not isinstance(named, bool) else default)
        return out

    def body_limit(self) -> int | None:
        """The largest body this request may send (art.api.parsers): larger for a bulk write."""
        return BULK_BODY_LIMIT if getattr(self, "action", None) == "bulk" else None

    @action(detail=False, methods=["post"], url_path="bulk", filter_backends=[], pagination_class=None)
    def bulk(self, request: Request) -> Response:
        items = request.data
        if not isinstance(items, list):
            raise exceptions.ValidationError(
                {"non_field_errors": [f"the body must be a JSON array of up to {BULK_LIMIT:,} items"]}
            )
        if len(items) > BULK_LIMIT:
            return too_many_items(len(items))
        default = train_param(request, required=False)
        trains = self.bulk_train_ids(items, default)
        for train_id in sorted({t for t in trains if t is not None}):
            self._check_early(train_id)
        keys: list[str | None] = []
        errors: dict[str, dict[str, list[str]]] = {}
        for index, item in enumerate(items):
            raw = item.get("external_key") if isinstance(item, Mapping) else None
            try:
                keys.append(clean_external_key(raw) if isinstance(raw, str) and raw.strip() else None)
            except exceptions.ValidationError as exc:
                errors[str(index)] = field_errors(exc)
                keys.append(None)
            if keys[-1] is not None and trains[index] is None:
                errors[str(index)] = {"train": ["train is required: in the item or as ?train=<id>"]}
        found = self._keyed({(t, k) for t, k in zip(trains, keys, strict=True) if t is not None and k})
        done: list[tuple[int, str]] = []
        with transaction.atomic():
            for index, (item, key, item_train) in enumerate(zip(items, keys, trains, strict=True)):
                if str(index) in errors:
                    continue
                try:
                    with transaction.atomic():  # a refused item leaves nothing behind
                        existing = found.get((item_train, key)) if key and item_train is not None else None
                        obj, word = self.upsert_one(item, key, item_train, existing)
                except (exceptions.ValidationError, DjangoValidationError, ConflictError) as exc:
                    errors[str(index)] = field_errors(exc)
                    continue
                if key and item_train is not None:
                    found[(item_train, key)] = obj  # a later item with the same key changes this one
                done.append((obj.pk, word))
            if errors:
                raise ItemsRefused(dict(sorted(errors.items(), key=lambda kv: int(kv[0]))))
        rows = self.get_queryset().in_bulk([pk for pk, _ in done])
        body = [
            {**row, "status": word}
            for row, (_, word) in zip(
                self.get_serializer([rows[pk] for pk, _ in done], many=True).data, done, strict=True
            )
        ]
        created = any(word == CREATED for _, word in done)
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class HistoryImportMixin(_Base):
    """`POST features/{id}/transitions/` with a JSON array: a tracker's back-dated history in one
    request, checked item by item here (400 by index) and as a whole by
    art.services.feature_history_import (all or nothing)."""

    def _history_import(self, request: Request, feature: Feature) -> Response:
        """A back-dated history in one request (services.feature_history_import)."""
        items, errors = [], {}
        for index, item in enumerate(request.data):
            serializer = FeatureTransitionSerializer(data=item)
            try:
                if not isinstance(item, dict):
                    raise exceptions.ValidationError(
                        {"non_field_errors": ["each transition must be a JSON object"]}
                    )
                refuse_unwritable(serializer, item)
                serializer.is_valid(raise_exception=True)
            except exceptions.ValidationError as exc:
                errors[str(index)] = field_errors(exc)
                continue
            data = serializer.validated_data
            if "version" in data:
                errors[str(index)] = {"version": ["state the version once, as If-Match, for a history"]}
            elif data.get("at") is None:
                errors[str(index)] = {"at": ["at is required in a history: the time of each change"]}
            items.append(data)
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        if not items:
            raise exceptions.ValidationError({"non_field_errors": ["the history holds no transitions"]})
        with self.precondition(feature, None, required=False) as version:
            updated = services.feature_history_import(
                actor=request.user, feature=feature, transitions=items, version=version
            )
        added = selectors.feature_transitions(feature=updated).order_by("-id")[: len(items)]
        body = FeatureTransitionSerializer(reversed(list(added)), many=True).data
        return Response(body, status=status.HTTP_201_CREATED)
