"""REST face of the planning board (../shared/api.md, "Computed views"): `pis/{id}/board/`,
`pis/{id}/capacity/` and the train's public holidays (`holidays/`).

Thin, like the pages: art.access decides (404 outside the caller's trains, 403 for what their
role may not do), pi_planning.selectors.board / capacity read, the serializers render. The
figures come from pi_planning.rules through the selectors; nothing is recomputed here.
"""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import rules
from art.access import Action, object_for_user
from art.api.mixins import IdFilter, TrainScopedViewSet
from art.api.serializers import CoreSerializer
from art.models import ProgramIncrement
from pi_planning import services as planning
from pi_planning.models import Holiday
from pi_planning.selectors.board import BoardData, pi_board_data
from pi_planning.selectors.capacity import BASES, LOAD_STATUSES, NORMALIZED, CapacityCell, pi_capacity

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


# --- serializers ----------------------------------------------------------------------------


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


def capacity_data(cell: CapacityCell) -> dict[str, Any]:
    return {
        "team": cell.team_id,
        "iteration": cell.iteration_id,
        "capacity": rules.stats.round2(cell.capacity),
        "load": rules.stats.round2(cell.points),
        "load_pct": rules.stats.round2(cell.pct),
        "status": cell.status,
        "basis": cell.basis,
        "normalized": rules.stats.round2(cell.normalized),
        "velocity": rules.stats.round2(cell.velocity),
    }


class BoardPISerializer(serializers.Serializer):
    id = serializers.IntegerField()
    train = serializers.IntegerField(source="train_id")
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    state = serializers.CharField()


class BoardTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    initials = serializers.CharField()


class BoardIterationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    is_ip = serializers.BooleanField()
    workdays = serializers.IntegerField()


class BoardMilestoneSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    date = serializers.DateField()
    iteration = serializers.IntegerField(allow_null=True)


class BoardFeatureSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    team = serializers.IntegerField(source="team_id", allow_null=True)
    iteration = serializers.IntegerField(
        source="iteration_id", allow_null=True, help_text="Delivery iteration."
    )
    iteration_is_explicit = serializers.BooleanField()
    wsjf = serializers.FloatField(allow_null=True)
    cost_of_delay = serializers.IntegerField(allow_null=True)
    rank = serializers.IntegerField(help_text="Position in the WSJF order (1 is first).")
    dependencies = serializers.IntegerField(
        source="deps.count", help_text="Open dependencies it takes part in."
    )
    dependency_health = serializers.CharField(
        source="deps.worst", allow_null=True, help_text="The worst health among them: red, amber or green."
    )
    change = serializers.CharField(allow_null=True, help_text="Since the baseline: moved, added, or null.")
    version = serializers.IntegerField()


class BoardStorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    points = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()
    team = serializers.IntegerField(source="team_id")
    iteration = serializers.IntegerField(source="iteration_id", allow_null=True)
    feature = serializers.IntegerField(source="feature_id", allow_null=True)
    late_for = serializers.ListField(
        child=serializers.CharField(), help_text="Dependencies it makes a hidden conflict of (their keys)."
    )
    change = serializers.CharField(allow_null=True)
    version = serializers.IntegerField()


class BoardDependencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    requester_team = serializers.IntegerField(source="requester_team_id")
    provider_team = serializers.IntegerField(source="provider_team_id", allow_null=True)
    external_provider = serializers.CharField()
    feature = serializers.IntegerField(source="feature_id", allow_null=True)
    provider_feature = serializers.IntegerField(source="provider_feature_id", allow_null=True)
    needed_by = serializers.IntegerField(source="needed_by_id")
    committed_iteration = serializers.IntegerField(source="committed_iteration_id", allow_null=True)
    state = serializers.CharField()
    health = serializers.CharField(source="health.code", help_text="green, amber, red or done.")
    health_reason = serializers.CharField(source="health.reason")
    hidden_conflict = serializers.BooleanField(source="health.hidden_conflict")
    age_days = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()


class BoardBaselineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    committed_at = serializers.DateTimeField()
    note = serializers.CharField()


class BoardChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["feature", "story"])
    id = serializers.IntegerField()
    change = serializers.ChoiceField(choices=["moved", "added", "removed"])


class BoardSerializer(serializers.Serializer):
    pi = BoardPISerializer()
    basis = serializers.ChoiceField(choices=list(BASES))
    teams = BoardTeamSerializer(many=True)
    iterations = BoardIterationSerializer(many=True)
    milestones = BoardMilestoneSerializer(many=True)
    features = BoardFeatureSerializer(many=True, help_text="The PI's features, in WSJF order.")
    stories = BoardStorySerializer(many=True, help_text="Stories placed in the PI, or under its features.")
    dependencies = BoardDependencySerializer(many=True)
    capacity = CapacityCellSerializer(many=True)
    baseline = BoardBaselineSerializer(allow_null=True)
    changes = BoardChangeSerializer(many=True, help_text="Since the baseline.")


def board_data(board: BoardData) -> dict[str, Any]:
    milestones = []
    for cell in board.milestone_cells:
        milestones += [
            {"id": m.pk, "name": m.name, "date": m.date, "iteration": cell.iteration.pk}
            for m in cell.milestones
        ]
    return {
        "pi": board.pi,
        "basis": board.basis,
        "teams": board.teams,
        "iterations": board.iterations,
        "milestones": milestones,
        "features": board.features,
        "stories": board.stories,
        "dependencies": board.dependencies,
        "capacity": [capacity_data(cell) for cell in board.capacity_cells],
        "baseline": board.baseline,
        "changes": [{"kind": c.kind, "id": c.id, "change": c.change} for c in board.changes],
    }


# --- views ----------------------------------------------------------------------------------


def _pi(request: Request, pk: int) -> ProgramIncrement:
    return object_for_user(request.user, ProgramIncrement.objects.all(), pk, Action.VIEW)


def _basis(request: Request) -> str:
    basis = request.query_params.get("basis") or NORMALIZED
    if basis not in BASES:
        raise serializers.ValidationError({"basis": [f"basis must be one of {', '.join(BASES)}"]})
    return basis


class BoardView(APIView):
    """The planning board as data: teams, iterations, milestones, the PI's features and
    stories where they are placed, dependencies with their health, capacity and load per team
    and iteration, and the changes since the committed baseline."""

    @extend_schema(
        operation_id="pis_board",
        summary="The planning board of a PI",
        parameters=[BASIS],
        responses={200: BoardSerializer, 400: OpenApiResponse(description="Unknown basis."), **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        pi = _pi(request, pk)
        board = pi_board_data(pi=pi, basis=_basis(request))
        return Response(BoardSerializer(board_data(board)).data)


class CapacityView(APIView):
    """Per team and iteration: capacity, load, load_pct (2 decimals) and status (`ok`,
    `no_slack` above 85 %, `overloaded` above 100 %)."""

    @extend_schema(
        operation_id="pis_capacity",
        summary="Capacity and load of a PI, per team and iteration",
        parameters=[BASIS],
        responses={
            200: CapacityCellSerializer(many=True),
            400: OpenApiResponse(description="Unknown basis."),
            **ERRORS,
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        pi = _pi(request, pk)
        cells = pi_capacity(pi=pi, basis=_basis(request))
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
