"""The ART sync in the API: `events/{id}/agenda/` (the five timed sections filled from live
data, or as the sync saw them once frozen), the minutes `events/{id}/decisions/` and
`events/{id}/escalations/`, and `action-items/` (open ones carry over to every later sync until
done). Same services and access policy as the sync's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art.access import Action, object_for_user
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin, refuse_unwritable
from art.api.serializers import CoreSerializer, VersionField
from sync import services
from sync.models import ActionItem, Decision, Escalation, Event
from sync.selectors.syncs import frozen_agenda, sync_agenda

NOT_FOUND = {404: OpenApiResponse(description="No such sync (or not one of the caller's trains).")}


def _sync(request: Request, event_id: int) -> Event:
    event = object_for_user(request.user, Event.objects.select_related("train", "pi"), event_id, Action.VIEW)
    if not event.is_sync:
        raise serializers.ValidationError(
            {"event": ["only an ART sync, a coach sync or a PO sync has an agenda"]}
        )
    return event


# --- the agenda ------------------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "object",
        "description": 'Each item has "kind" (metric, dependency, impediment, risk, load, action_item), "id" '
        'and "title"; dependencies, impediments and risks have "age_days".',
        "additionalProperties": True,
    }
)
class AgendaItemField(serializers.JSONField):
    pass


class AgendaSectionSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=["trend", "blockers", "risks", "scope", "summary"])
    title = serializers.CharField()
    starts_min = serializers.IntegerField(help_text="Minutes from the sync's start.")
    ends_min = serializers.IntegerField()
    items = serializers.ListField(child=AgendaItemField())


class AgendaSerializer(serializers.Serializer):
    event = serializers.IntegerField()
    frozen_at = serializers.DateTimeField(
        allow_null=True, help_text="When the agenda was frozen as the sync saw it; null: live data."
    )
    sections = AgendaSectionSerializer(many=True)


class AgendaView(APIView):
    @extend_schema(
        operation_id="events_agenda",
        summary="A sync's agenda",
        description="The five timed sections of docs/domain.md (trend, blockers, risks, scope, summary), "
        "filled when read; once the sync started, the agenda it saw (frozen_at set) unless ?live=true.",
        parameters=[
            OpenApiParameter("live", OpenApiTypes.BOOL, description="Today's data even when frozen.")
        ],
        responses={200: AgendaSerializer, 400: OpenApiResponse(description="Not a sync."), **NOT_FOUND},
    )
    def get(self, request: Request, event_id: int) -> Response:
        event = _sync(request, event_id)
        agenda = None
        if request.query_params.get("live", "").lower() not in ("1", "true", "yes"):
            agenda = frozen_agenda(event=event)
        agenda = agenda or sync_agenda(event=event)
        return Response({**agenda.as_json(), "frozen_at": agenda.frozen_at})


# --- decisions and escalations ---------------------------------------------------------------


class DecisionSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = Decision
        fields = ["id", "event", "text", "created_by", "created_at"]
        read_only_fields = ["event", "created_at"]


class EscalationSerializer(serializers.ModelSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = Escalation
        fields = ["id", "event", "to", "why", "created_by", "created_at"]
        read_only_fields = ["event", "created_at"]


class _MinutesView(APIView):
    """One kind of a sync's minutes: `related` names the event's list of them, `record` the
    service that writes one (actor, event, parsed body)."""

    serializer_class: type[serializers.ModelSerializer]
    related: str
    record: Callable[[Any, Event, dict[str, Any]], Any]

    def get(self, request: Request, event_id: int) -> Response:
        event = _sync(request, event_id)
        rows = getattr(event, self.related).select_related("created_by")
        return Response(self.serializer_class(rows, many=True).data)

    def post(self, request: Request, event_id: int) -> Response:
        event = _sync(request, event_id)
        body = self.serializer_class(data=request.data)
        refuse_unwritable(body, request.data)
        body.is_valid(raise_exception=True)
        created = type(self).record(request.user, event, dict(body.validated_data))
        return Response(self.serializer_class(created).data, status=status.HTTP_201_CREATED)


class DecisionsView(_MinutesView):
    serializer_class = DecisionSerializer
    related = "decisions"
    record = staticmethod(
        lambda actor, event, data: services.decision_add(actor=actor, event=event, text=data["text"])
    )

    @extend_schema(
        operation_id="events_decisions_list",
        summary="A sync's decisions",
        responses=DecisionSerializer(many=True),
    )
    def get(self, request: Request, event_id: int) -> Response:
        return super().get(request, event_id)

    @extend_schema(
        operation_id="events_decisions_create",
        summary="Record a decision (everyone but viewers)",
        request=DecisionSerializer,
        responses={201: DecisionSerializer, 403: OpenApiResponse(description="A viewer.")},
    )
    def post(self, request: Request, event_id: int) -> Response:
        return super().post(request, event_id)


class EscalationsView(_MinutesView):
    serializer_class = EscalationSerializer
    related = "escalations"
    record = staticmethod(
        lambda actor, event, data: services.escalation_add(
            actor=actor, event=event, to=data["to"], why=data["why"]
        )
    )

    @extend_schema(
        operation_id="events_escalations_list",
        summary="A sync's escalations",
        responses=EscalationSerializer(many=True),
    )
    def get(self, request: Request, event_id: int) -> Response:
        return super().get(request, event_id)

    @extend_schema(
        operation_id="events_escalations_create",
        summary="Escalate (everyone but viewers)",
        request=EscalationSerializer,
        responses={201: EscalationSerializer, 403: OpenApiResponse(description="A viewer.")},
    )
    def post(self, request: Request, event_id: int) -> Response:
        return super().post(request, event_id)


# --- action items ----------------------------------------------------------------------------


class ActionItemSerializer(CoreSerializer):
    version = VersionField()

    class Meta:
        model = ActionItem
        fields = [
            "id",
            "train",
            "event",
            "title",
            "owner",
            "due_date",
            "status",
            "created_at",
            "done_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["done_at", "updated_at"]
        extra_kwargs = {
            "event": {"required": False, "allow_null": True, "help_text": "The meeting it came from."},
            "created_at": {
                "required": False,
                "help_text": "Writable on create (imports); never later than now.",
            },
            "title": {"error_messages": {"blank": "title is required", "required": "title is required"}},
            "owner": {"error_messages": {"blank": "owner is required", "required": "owner is required"}},
            "status": {"help_text": "open or done; marking it done sets done_at."},
        }
        create_only = ["train", "created_at"]
        validators: list = []


class ActionItemFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    event = IdFilter(field_name="event_id")

    class Meta:
        model = ActionItem
        fields = ["train", "event", "status", "owner"]


class ActionItemViewSet(VersionedCardMixin, TrainScopedViewSet):
    """Action items with an owner and a due date. Everyone who takes part in the train (all but
    viewers) writes them; open ones are listed by every later sync's summary until done."""

    queryset = ActionItem.objects.all()
    serializer_class = ActionItemSerializer
    filterset_class = ActionItemFilter
    ordering_fields = ["id", "due_date", "created_at", "status"]
    write_action = Action.TAKE_PART
    parent_field = "train"

    def list_queryset(self) -> QuerySet[ActionItem]:
        return ActionItem.objects.order_by("status", "due_date", "id")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> ActionItem:
        return services.action_item_create(actor=self.request.user, **data)

    def update_object(self, obj: ActionItem, data: dict[str, Any], version: int | None = None) -> ActionItem:
        return services.action_item_update(actor=self.request.user, item=obj, version=version, **data)

    def delete_object(self, obj: ActionItem) -> None:
        services.action_item_delete(actor=self.request.user, item=obj)
