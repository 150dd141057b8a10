"""`pis/{id}/board/`: the planning board as data (teams, iterations, placed features and
stories, milestones, dependencies with health, the baseline and changes since), and
`pis/{id}/board/moves/`: a card's move on the board, by the same service as the page."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from pi_planning.api.capacity import CapacityCellSerializer, capacity_data
from pi_planning.api.common import BASIS, ERRORS, basis_param, pi_for_request
from pi_planning.selectors.board import BoardData, pi_board_data
from pi_planning.selectors.capacity import BASES


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
        pi = pi_for_request(request, pk)
        board = pi_board_data(pi=pi, basis=basis_param(request))
        return Response(BoardSerializer(board_data(board)).data)
