"""The train's calendar in the API: `events/` (the events, written by the RTE), generating a PI's
calendar (`pis/{id}/events/generate/`), the train's cadence (`trains/{id}/cadence/`) and the
caller's secret iCal feed URL (`trains/{id}/ical-url/`). Every write goes through
sync.services.calendar, whose refusals answer 400 naming the field and the rule."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import django_filters.rest_framework as filters
from django.db.models import Q, QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art.access import Action, check, train_for_user
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin, refuse_unwritable
from art.api.serializers import CoreSerializer, VersionField
from art.models import ReleaseTrain
from pi_planning.api.common import HistoryMixin, changed_fields, pi_for_request
from sync import services
from sync.models import Event

# --- events ----------------------------------------------------------------------------------


class EventSerializer(CoreSerializer):
    version = VersionField()

    class Meta:
        model = Event
        fields = [
            "id",
            "train",
            "pi",
            "kind",
            "title",
            "starts_at",
            "ends_at",
            "state",
            "location",
            "notes",
            "slot",
            "edited",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["slot", "edited", "created_at", "updated_at"]
        extra_kwargs = {
            "title": {
                "required": False,
                "allow_blank": True,
                "help_text": 'Defaults to the kind\'s name ("ART sync").',
            },
            "pi": {"required": False, "allow_null": True},
            "state": {
                "required": False,
                "help_text": "planned, held or cancelled; cancel with state=cancelled.",
            },
            "slot": {
                "help_text": "For generated events: the name of its place in the PI's calendar "
                '("sync-w3-2": week 3, Wednesday); empty for events added by hand.'
            },
            "edited": {
                "help_text": "A person added or changed it: generating the PI's calendar again leaves "
                "it as it is."
            },
            "starts_at": {"help_text": "ISO 8601 with offset; shown in the train's time zone."},
            "ends_at": {"help_text": "After starts_at; an event lasts at most 5 days."},
        }
        create_only = ["train"]
        validators: list = []


def _zones_window(queryset: QuerySet[Event], field: str, day: dt.date) -> Q:
    """`field` compared with midnight of `day` in each train's own zone (one query for the
    trains' zones)."""
    condition = Q(pk__in=[])
    trains = ReleaseTrain.objects.filter(pk__in=queryset.values("train_id")).values_list("pk", "time_zone")
    for train_id, time_zone in trains:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(time_zone))
        condition |= Q(train_id=train_id, **{field: midnight})
    return condition


class EventFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(field_name="pi_id")
    kind = filters.ChoiceFilter(choices=Event.Kind.choices)
    state = filters.ChoiceFilter(choices=Event.State.choices)
    start = filters.DateFilter(
        method="filter_start",
        help_text="Events that end on or after this day (YYYY-MM-DD, in each train's time zone).",
    )
    end = filters.DateFilter(
        method="filter_end",
        help_text="Events that start on or before this day (YYYY-MM-DD, in each train's time zone).",
    )

    class Meta:
        model = Event
        fields = ["train", "pi", "kind", "state"]

    def filter_start(self, queryset: QuerySet[Event], name: str, value: dt.date) -> QuerySet[Event]:
        return queryset.filter(_zones_window(queryset, "ends_at__gt", value))

    def filter_end(self, queryset: QuerySet[Event], name: str, value: dt.date) -> QuerySet[Event]:
        return queryset.filter(_zones_window(queryset, "starts_at__lt", value + dt.timedelta(days=1)))


class EventViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """The train's events: generated for each PI from the train's cadence, or added by hand. The
    RTE adds, moves, cancels (`state: cancelled`) and deletes them; an event that holds minutes
    is cancelled, not deleted. A generated event a person changed is theirs: generating again
    leaves it as it is."""

    queryset = Event.objects.all()
    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["id", "starts_at", "ends_at", "created_at", "updated_at", "kind", "state"]
    write_action = Action.MANAGE_TRAIN
    parent_field = "train"

    def list_queryset(self) -> QuerySet[Event]:
        return Event.objects.order_by("starts_at", "id")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> Event:
        return services.event_create(actor=self.request.user, **data)

    def update_object(self, obj: Event, data: dict[str, Any], version: int | None = None) -> Event:
        changes = {k: v for k, v in data.items() if k in changed_fields(obj, data, frozenset(data))}
        return services.event_update(actor=self.request.user, event=obj, version=version, **changes)

    def delete_object(self, obj: Event) -> None:
        services.event_delete(actor=self.request.user, event=obj)


ERRORS = {
    401: OpenApiResponse(description="No credentials."),
    403: OpenApiResponse(description="The caller's role may not do this (RTE only)."),
}


class PIEventsGenerateView(APIView):
    """`POST pis/{id}/events/generate/`: the RTE generates the PI's calendar by the train's
    cadence (idempotent: generating twice adds nothing the second time, and events a person
    edited or cancelled stay as they are). Answers the PI's events."""

    @extend_schema(
        summary="Generate a PI's calendar",
        request=None,
        responses={
            200: EventSerializer(many=True),
            **ERRORS,
            404: OpenApiResponse(description="No such PI (or not one of the caller's trains)."),
        },
    )
    def post(self, request: Request, pi_id: int) -> Response:
        pi = pi_for_request(request, pi_id, Action.MANAGE_TRAIN)
        refuse_unwritable(None, request.data)
        events = services.pi_events_generate(actor=request.user, pi=pi)
        return Response(EventSerializer(events, many=True, context={"request": request}).data)


# --- the cadence -----------------------------------------------------------------------------


class CadenceSerializer(serializers.Serializer):
    """The train's cadence. The limits are the rule's (art.rules.events.cadence_refusals), checked
    by the service so that a refusal reads the same here as on the page."""

    train = serializers.IntegerField(source="train_id", read_only=True)
    sync_weekdays = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="One or two different weekdays, 0 (Monday) to 4 (Friday): weekly or twice weekly.",
    )
    sync_time = serializers.TimeField(help_text="In the train's time zone.")
    sync_minutes = serializers.IntegerField(help_text="30 to 90.")
    separate_syncs = serializers.BooleanField(
        help_text="A coach sync then a PO sync instead of one ART sync."
    )
    coach_sync_minutes = serializers.IntegerField(help_text="15 to 90.")
    po_sync_minutes = serializers.IntegerField(help_text="15 to 90.")
    demo_time = serializers.TimeField()
    demo_minutes = serializers.IntegerField(help_text="30 to 180.")
    ia_time = serializers.TimeField()
    ia_minutes = serializers.IntegerField(help_text="180 to 240 (3 to 4 hours).")
    planning_start = serializers.TimeField()
    planning_end = serializers.TimeField(help_text="After planning_start.")
    updated_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="null while the train keeps the usual cadence."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = super().to_representation(instance)
        if instance.pk is None:
            data["updated_at"] = None
        return data


class CadenceView(APIView):
    """`trains/{id}/cadence/`: how the train holds its events. Members read it; the RTE changes it
    (PUT, or PATCH for some fields), which generates the calendars of the PIs not closed again."""

    @extend_schema(summary="The train's cadence", responses={200: CadenceSerializer, 401: ERRORS[401]})
    def get(self, request: Request, train_id: int) -> Response:
        train = train_for_user(request.user, train_id, Action.VIEW)
        return Response(CadenceSerializer(services.cadence_of(train)).data)

    def _write(self, request: Request, train_id: int, partial: bool) -> Response:
        train = train_for_user(request.user, train_id, Action.VIEW)
        check(request.user, Action.MANAGE_TRAIN, train.pk)
        serializer = CadenceSerializer(data=request.data, partial=partial)
        refuse_unwritable(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        cadence = services.cadence_update(actor=request.user, train=train, **serializer.validated_data)
        return Response(CadenceSerializer(cadence).data)

    @extend_schema(
        summary="Change the train's cadence",
        request=CadenceSerializer,
        responses={200: CadenceSerializer, **ERRORS},
    )
    def put(self, request: Request, train_id: int) -> Response:
        return self._write(request, train_id, partial=False)

    @extend_schema(
        summary="Change some of the cadence's settings",
        request=CadenceSerializer(partial=True),
        responses={200: CadenceSerializer, **ERRORS},
    )
    def patch(self, request: Request, train_id: int) -> Response:
        return self._write(request, train_id, partial=True)


# --- the feed --------------------------------------------------------------------------------


class IcalUrlSerializer(serializers.Serializer):
    url = serializers.URLField(
        help_text="The caller's secret feed of the events of all their trains (text/calendar, "
        "fetched without credentials). Regenerated on the calendar page: the old URL then answers 404."
    )


class IcalUrlView(APIView):
    """`trains/{id}/ical-url/`: the caller's personal iCal feed URL (for any train they belong
    to; the feed holds the events of all of them)."""

    @extend_schema(
        summary="The caller's iCal feed URL",
        responses={
            200: IcalUrlSerializer,
            401: ERRORS[401],
            404: OpenApiResponse(description="No such train (or not one of the caller's)."),
        },
    )
    def get(self, request: Request, train_id: int) -> Response:
        train_for_user(request.user, train_id, Action.VIEW)
        token = services.calendar_feed_token(user=request.user)
        url = request.build_absolute_uri(reverse("sync:calendar_feed", kwargs={"token": token}))
        return Response({"url": url})
