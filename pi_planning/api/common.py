"""What the REST resources of PI planning share: a card's change history
(`GET <resource>/{id}/history/`), the check of which fields a write really changes, and the PI a
request may see."""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from art.access import Action, check, object_for_user
from art.models import ChangeRecord, ProgramIncrement
from art.selectors import change_history
from pi_planning.selectors.capacity import BASES, NORMALIZED


class ChangeRecordSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    changes = serializers.JSONField(help_text='{"field": [before, after]}; related objects by id.')

    class Meta:
        model = ChangeRecord
        fields = ["at", "actor", "action", "changes"]


class HistoryMixin:
    """`GET <resource>/{id}/history/`: every recorded change of the card, newest first."""

    @extend_schema(summary="The card's change history", responses=ChangeRecordSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        obj = self.get_object()  # type: ignore[attr-defined]
        return Response(ChangeRecordSerializer(change_history(obj=obj, limit=500), many=True).data)


def changed_fields(obj: Any, data: dict[str, Any], names: set[str] | frozenset[str]) -> set[str]:
    """The fields among `names` whose value in `data` differs from the object's: a write is
    checked, and recorded, on what it actually changes."""
    out = set()
    for name in set(names) & set(data):
        value = data[name]
        if name == "features":
            if {f.pk for f in value} != {f.pk for f in obj.features.all()}:
                out.add(name)
            continue
        current = getattr(obj, obj._meta.get_field(name).attname)
        if (value.pk if isinstance(value, models.Model) else value) != current:
            out.add(name)
    return out


def pi_for_request(request: Request, pi_id: int, action: Action = Action.VIEW) -> ProgramIncrement:
    pi = object_for_user(request.user, ProgramIncrement.objects.all(), pi_id, Action.VIEW)
    if action != Action.VIEW:
        check(request.user, action, pi.train_id)
    return pi


ERRORS = {
    401: OpenApiResponse(description="No credentials."),
    404: OpenApiResponse(description="No such PI (or not one of the caller's trains)."),
}


BASIS = OpenApiParameter(
    "basis",
    OpenApiTypes.STR,
    enum=list(BASES),
    description="Capacity from `normalized` points (default) or from measured `velocity` (teams with 3 "
    "finished iterations; the others keep normalized points).",
)


def basis_param(request: Request) -> str:
    basis = request.query_params.get("basis") or NORMALIZED
    if basis not in BASES:
        raise serializers.ValidationError({"basis": [f"basis must be one of {', '.join(BASES)}"]})
    return basis
