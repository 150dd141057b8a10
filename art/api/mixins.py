"""What every REST resource of Railyard shares, for this app and the ones that follow
(pi_planning, sync, metrics):

- `TrainScopedViewSet`: a thin ModelViewSet. Lists are limited to the caller's trains
  (art.access.visible); one object is fetched and its action checked by art.access
  (404 outside the caller's trains, 403 for what their role may not do); writes go through the
  subclass's service calls (`create_object`, `update_object`, `delete_object`).
- `VersionedCardMixin`: optimistic concurrency for cards with a `version` (features, stories,
  dependencies, risks, objectives, the sync cards): `ETag: "<version>"` on answers, `If-Match`
  checked (412), a stale `version` in the body refused (409) and a change stating neither
  refused (428, VERSION_REQUIRED; a caller who may not make the change gets 403 first), all
  before anything changes.
- `AliasOrderingFilter`: `?ordering=` with named orders such as `rank` (WSJF with the tie rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend, NumberFilter
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, status, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request
from rest_framework.response import Response

from art.access import Action, check, object_for_user, visible
from art.api.conditional import not_modified_or
from art.errors import ConflictError, InUseError, PreconditionFailed
from art.services.common import deletion_summary, deletion_words

# --- filtering and ordering -----------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(NumberFilter):
    """`?team=3`: an id (whole number). An id of a train the caller cannot see matches nothing."""

    field_class = forms.IntegerField
    LARGEST_ID = 2**63 - 1  # beyond what the database can compare: a 400, not a 500

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", self.LARGEST_ID)
        super().__init__(*args, **kwargs)


class AliasOrderingFilter(OrderingFilter):
    """`?ordering=` as in DRF, plus the named orders a view lists in `ordering_aliases`
    (e.g. {"rank": FEATURE_RANK_ORDER}); the rule of each order stays in its selector."""

    def filter_queryset(self, request: Request, queryset: models.QuerySet, view: Any) -> models.QuerySet:
        aliases = getattr(view, "ordering_aliases", {})
        param = request.query_params.get(self.ordering_param, "").strip()
        if param in aliases:
            return queryset.order_by(*aliases[param])
        return super().filter_queryset(request, queryset, view)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        choices = ", ".join(
            [*getattr(view, "ordering_aliases", {}), *(fields if isinstance(fields, list | tuple) else [])]
        )
        for parameter in parameters:
            parameter["description"] = (
                f"Order of the results: one of {choices} (prefix a field with - for descending; "
                "several fields separated by commas)."
            )
        return parameters


# --- writes ---------------------------------------------------------------------------------


def refuse_unwritable(serializer: Any, data: Any) -> None:
    """A write naming a field the resource does not have, or one it does not take, answers
    400 naming each: a misspelt or read-only field is never silently ignored. `serializer`: the
    one that parses the body (None: the write takes no body, so any field is refused). Reading
    the body also runs the parser's checks (nesting, control characters)."""
    if not isinstance(data, Mapping):
        return
    fields = serializer.fields if serializer is not None else {}
    errors: dict[str, list[str]] = {}
    for name in data:
        field = fields.get(name)
        if field is None:
            errors[str(name)] = [f"{name} is not a field of this resource"]
        elif field.read_only:
            errors[str(name)] = [f"{name} is read-only: it cannot be set here"]
    if errors:
        raise exceptions.ValidationError(errors)


# --- access ---------------------------------------------------------------------------------


class TrainScopedViewSet(viewsets.ModelViewSet):
    """A train's resource, thin: serializers parse, art.access decides, services act.

    Subclasses set `queryset` (the model's objects), `write_action` (the Action that create,
    update and delete need), and `parent_field` (the field naming what a new object belongs
    to: train, team, pi, ...), and implement `scope()` (the train and teams of a new object),
    `create_object()`, `update_object()`, `delete_object()`; team-scoped resources also
    `teams_of()`. `list_queryset()` is where a selector comes in.
    """

    write_action: Action = Action.MANAGE_TRAIN
    parent_field: str | None = None
    lookup_value_regex = r"[0-9]+"
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    ordering_aliases: dict[str, list[Any]] = {}

    # -- reading
    def list_queryset(self) -> models.QuerySet:
        """All objects with what the serializer needs joined; get_queryset() limits them to the
        caller's trains."""
        return super().get_queryset()

    def get_queryset(self) -> models.QuerySet:
        return visible(self.request.user, self.list_queryset())

    def access_action(self) -> Action:
        return Action.VIEW if self.request.method in SAFE_METHODS else self.write_action

    def teams_of(self, obj: Any) -> Iterable[int | None]:
        """The teams an object concerns, for team-scoped actions (Action.EDIT_TEAM, ...)."""
        return ()

    def get_object(self) -> Any:
        lookup = self.lookup_url_kwarg or self.lookup_field
        if lookup not in self.kwargs:
            # A route without an id (by-key/, bulk/) asked for one: OPTIONS' metadata does.
            raise Http404("No such object")
        obj = object_for_user(
            self.request.user,
            self.list_queryset(),
            self.kwargs[lookup],
            self.access_action(),
            teams=self.teams_of,
        )
        self.check_object_permissions(self.request, obj)
        return obj

    # -- creating
    def scope(self, data: dict[str, Any]) -> tuple[int, Iterable[int | None]]:
        """The train (and teams) a new object made of `data` belongs to; `data` holds at least
        the parent field."""
        raise NotImplementedError

    def check_create(self, data: dict[str, Any]) -> None:
        train_id, teams = self.scope(data)
        check(self.request.user, self.write_action, train_id, teams)

    def _check_create_early(self, serializer: Any) -> None:
        """Refuse a create the caller may not do (403) before complaining about its details (400),
        as soon as the parent it names is one the caller can see."""
        data = self.request.data
        if not self.parent_field or not isinstance(data, dict) or data.get(self.parent_field) is None:
            return
        try:
            parent = serializer.fields[self.parent_field].run_validation(data[self.parent_field])
        except (exceptions.ValidationError, DjangoValidationError):
            return
        if parent is not None:
            self.check_create({self.parent_field: parent})

    def refuse_unwritable(self, serializer: Any, data: Any) -> None:
        refuse_unwritable(serializer, data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        self.refuse_unwritable(serializer, request.data)
        self._check_create_early(serializer)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("version", None)
        self.check_create(data)
        obj = self.create_object(data)
        body = self.get_serializer(obj).data
        return Response(body, status=status.HTTP_201_CREATED, headers=self.get_success_headers(body))

    def create_object(self, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    # -- changing
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=partial)
        self.refuse_unwritable(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.apply_update(serializer)
        return Response(self.get_serializer(obj).data)

    def apply_update(self, serializer: Any) -> Any:
        data = dict(serializer.validated_data)
        data.pop("version", None)
        return self.update_object(serializer.instance, data)

    def update_object(self, obj: Any, data: dict[str, Any]) -> Any:
        raise NotImplementedError

    #: Deleting takes other rows with it (a train, a team, a PI, an iteration): the caller must
    #: say so with `?confirm=yes` when anything else would go; otherwise 400 says what would.
    confirm_delete = False

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        obj = self.get_object()
        if self.confirm_delete and request.query_params.get("confirm") != "yes":
            goes = deletion_words(deletion_summary(obj))
            if goes:
                raise exceptions.ValidationError(
                    {"confirm": [f"deleting {obj} also deletes {goes}: send ?confirm=yes to delete it all"]}
                )
        self.apply_destroy(obj)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def apply_destroy(self, obj: Any) -> None:
        self.delete_object(obj)

    def delete_object(self, obj: Any) -> None:
        raise NotImplementedError


# --- concurrency ----------------------------------------------------------------------------

ANY = "*"
VERSION_REQUIRED = (
    'this change must say which version of the card it is based on: send "version": {version} '
    'in the body, or If-Match: "{version}" (the card\'s ETag)'
)


class PreconditionRequired(exceptions.APIException):
    """428: a change to a versioned card that states no version (neither `version` nor If-Match)."""

    status_code = 428
    default_code = "precondition_required"


#: Refusals that say the caller may not make a change: they answer before a missing version.
ACCESS_REFUSALS = (
    DjangoPermissionDenied,
    Http404,
    exceptions.PermissionDenied,
    exceptions.NotAuthenticated,
    exceptions.NotFound,
)
#: Refusals of what the change holds: a change without a version answers 428 before them.
OTHER_REFUSALS = (DjangoValidationError, exceptions.APIException, ConflictError, InUseError)


def etag(version: int) -> str:
    return f'"{version}"'


def if_match_versions(request: Request) -> list[int] | str | None:
    """The versions an If-Match header names: None without the header, "*" for any."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    header = header.strip()
    if header == ANY:
        return ANY
    versions = []
    for tag in header.split(","):
        tag = tag.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tag = tag.strip('"')
        if not tag.isdigit():
            raise exceptions.ParseError('If-Match must name the ETag of the card, e.g. If-Match: "3".')
        versions.append(int(tag))
    if not versions:
        raise exceptions.ParseError('If-Match must name the ETag of the card, e.g. If-Match: "3".')
    return versions


if TYPE_CHECKING:
    _CardBase = TrainScopedViewSet
else:
    _CardBase = object


class VersionedCardMixin(_CardBase):
    """Optimistic concurrency for a TrainScopedViewSet of cards that carry a `version`.

    Answers to GET (detail), POST, PUT and PATCH carry `ETag: "<version>"`. A write states the
    version it was based on either as `If-Match: "<version>"` (stale: 412) or as `version` in the
    body (stale: 409); the 409/412 answer carries the current card (art.api.errors); stating
    neither answers 428 (VERSION_REQUIRED; `If-Match: *` and deletes excepted), after 403 for
    a caller who may not make the change at all. The version
    is handed to the service (`update_object(obj, data, version=...)`), which compares it under a
    lock, so two writers based on the same version cannot both succeed. Deletes honour If-Match.

    Use: `class RiskViewSet(VersionedCardMixin, TrainScopedViewSet)` with an
    `update_object(self, obj, data, version)` that passes `version` to the service; custom
    actions wrap their service call in `with self.precondition(obj, body_version) as version:`.
    """

    @contextmanager
    def precondition(
        self, instance: Any, body_version: int | None = None, *, required: bool = True
    ) -> Iterator[int | None]:
        """Yields the version to pass to the service; turns its ConflictError into 412 when the
        version came from If-Match. A change that states no version at all answers 428: a
        read-modify-write without one could silently undo someone else's change. `If-Match: *`
        says "whatever it is now" on purpose and is let through."""
        wanted = if_match_versions(self.request)
        if wanted is None and body_version is None and required:
            yield from self._access_then_version_required(instance)
            return
        if wanted is None or wanted == ANY:
            yield body_version
            return
        assert isinstance(wanted, list)
        if instance.version not in wanted:
            raise PreconditionFailed(instance, wanted[0])
        if body_version is not None and body_version != instance.version:
            raise ConflictError(instance, body_version)
        try:
            yield instance.version
        except PreconditionFailed:
            raise
        except ConflictError as exc:
            raise PreconditionFailed(exc.current, exc.expected_version, exc.changes)

    def _access_then_version_required(self, instance: Any) -> Iterator[None]:
        """428 for a change stating no version, but access first: who may not make the change
        at all learns that (403), whether the view or the service decides it (an objective's
        rights depend on the fields changed). The change is tried under a savepoint that is
        always undone; any other refusal of it (400, 409) still answers 428."""
        required = PreconditionRequired(VERSION_REQUIRED.format(version=instance.version))
        try:
            with transaction.atomic():
                yield None
                raise required
        except ACCESS_REFUSALS:
            raise
        except OTHER_REFUSALS:
            raise required from None

    def apply_update(self, serializer: Any) -> Any:
        data = dict(serializer.validated_data)
        body_version = data.pop("version", None)
        with self.precondition(serializer.instance, body_version) as version:
            return self.update_object(serializer.instance, data, version=version)  # type: ignore[call-arg]

    def apply_destroy(self, obj: Any) -> None:
        # Services delete without a version: the If-Match check is against the card as fetched;
        # a delete without one is allowed (it loses no one's edit: the before-image is kept).
        with self.precondition(obj, required=False):
            self.delete_object(obj)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        """Every answer that is this card (GET, POST, PUT, PATCH, and the card's own actions such
        as a dependency's state change) carries `ETag: "<version>"`; a GET whose If-None-Match
        names it answers 304."""
        response = super().finalize_response(request, response, *args, **kwargs)
        data = getattr(response, "data", None)
        if (
            200 <= response.status_code < 300
            and isinstance(data, dict)
            and isinstance(data.get("version"), int)
            and not response.has_header("ETag")
            and self._answers_the_card(data)
        ):
            response["ETag"] = etag(data["version"])
        return not_modified_or(request, response) if response.has_header("ETag") else response

    def _answers_the_card(self, data: Mapping[str, Any]) -> bool:
        if self.action in {"retrieve", "create", "update", "partial_update"}:
            return True
        lookup = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        return bool(self.detail) and lookup is not None and str(data.get("id")) == str(lookup)
