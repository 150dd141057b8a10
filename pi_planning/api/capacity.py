"""`pis/{id}/capacity/`: capacity, load, load % and status per team and iteration; and
`holidays/`, the train's public holidays that cost everyone a day."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import django_filters.rest_framework as filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import rules
from art.access import Action
from art.api.conditional import IF_NONE_MATCH, NOT_MODIFIED, ConditionalGetMixin
from art.api.mixins import IdFilter, TrainScopedViewSet
from art.api.serializers import CoreSerializer
from art.models import ProgramIncrement
from pi_planning import services as planning
from pi_planning.api.common import BASIS, ERRORS, basis_param, pi_for_request
from pi_planning.models import Holiday
from pi_planning.selectors.capacity import BASES, LOAD_STATUSES, CapacityCell, pi_capacity


class CapacityCellSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    iteration = serializers.IntegerField()
    capacity = serializers.FloatField(help_text="Points, 2 decimals.")
    load = serializers.FloatField(help_text="Points of the team's stories placed in the iteration.")
    load_pct = serializers.FloatField(
        allow_null=True, help_text="load ÷ capacity × 100, 2 decimals; null without capacity."
    )
    status = serializers.ChoiceField(
        choices=LOAD_STATUSES, help_text="Above 85 %: no_slack; above 100 %: overloaded."
    )
    basis = serializers.ChoiceField(choices=list(BASES), help_text="Where the capacity comes from.")
    normalized = serializers.FloatField(help_text="The normalized capacity (FTE, absences, holidays).")
    velocity = serializers.FloatField(
        allow_null=True, help_text="Measured velocity, once the team has 3 finished iterations."
    )


#: rules.stats.round2, worked out once per value: a board's cells repeat the same few figures.
_round2 = lru_cache(maxsize=4096)(rules.stats.round2)


def capacity_data(cell: CapacityCell) -> dict[str, Any]:
    return {
        "team": cell.team_id,
        "iteration": cell.iteration_id,
        "capacity": _round2(cell.capacity),
        "load": _round2(cell.points),
        "load_pct": _round2(cell.pct),
        "status": cell.status,
        "basis": cell.basis,
        "normalized": _round2(cell.normalized),
        "velocity": _round2(cell.velocity),
    }


class CapacityView(ConditionalGetMixin, APIView):
    """Per team and iteration: capacity, load, load_pct (2 decimals) and status (`ok`,
    `no_slack` above 85 %, `overloaded` above 100 %)."""

    @extend_schema(
        operation_id="pis_capacity",
        summary="Capacity and load of a PI, per team and iteration",
        parameters=[BASIS, IF_NONE_MATCH],
        responses={
            200: CapacityCellSerializer(many=True),
            **NOT_MODIFIED,
            400: OpenApiResponse(description="Unknown basis."),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        pi = pi_for_request(request, pk)
        cells = pi_capacity(pi=pi, basis=basis_param(request))
        return Response(CapacityCellSerializer([capacity_data(c) for c in cells.values()], many=True).data)


class HolidaySerializer(CoreSerializer):
    class Meta:
        model = Holiday
        fields = ["id", "train", "date", "name"]
        create_only = ["train"]
        validators: list = []


class HolidayFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(method="filter_pi", help_text="Holidays within the PI's dates.")
    date_after = filters.DateFilter(field_name="date", lookup_expr="gte", help_text="On or after this date.")
    date_before = filters.DateFilter(
        field_name="date", lookup_expr="lte", help_text="On or before this date."
    )

    class Meta:
        model = Holiday
        fields = ["train", "pi", "date_after", "date_before"]

    def filter_pi(self, queryset: QuerySet[Holiday], name: str, value: Any) -> QuerySet[Holiday]:
        pi = ProgramIncrement.objects.filter(pk=value).values("train_id", "start_date", "end_date").first()
        if pi is None:
            return queryset.none()
        return queryset.filter(
            Q(train_id=pi["train_id"]) & Q(date__gte=pi["start_date"]) & Q(date__lte=pi["end_date"])
        )


class HolidayViewSet(TrainScopedViewSet):
    """Public holidays of a train: a day off for everyone, one point less per person in the
    iteration that contains it (on a workday). The RTE manages them."""

    queryset = Holiday.objects.all()
    serializer_class = HolidaySerializer
    filterset_class = HolidayFilter
    ordering_fields = ["id", "date", "name"]
    write_action = Action.MANAGE_TRAIN
    parent_field = "train"

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> Holiday:
        return planning.holiday_create(actor=self.request.user, **data)

    def update_object(self, obj: Holiday, data: dict[str, Any]) -> Holiday:
        return planning.holiday_update(actor=self.request.user, holiday=obj, **data)

    def delete_object(self, obj: Holiday) -> None:
        planning.holiday_delete(actor=self.request.user, holiday=obj)
