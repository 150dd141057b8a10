"""`trains/{id}/kanban/`: the ART Kanban as data (docs/api.md; the rules are art.rules.kanban and
the read is art.selectors.kanban.kanban_board, the same one the page reads). Filters `?pi=`,
`?team=` (of this train), `?kind=` and `?cancelled=true`; a bad one answers 400 naming it.
WIP limits and column policies are set on the train (`PATCH trains/{id}/`), a team's lane
limit on the team, and a card moves by `POST features/{id}/transitions/`."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from art import rules
from art.api.conditional import IF_NONE_MATCH, NOT_MODIFIED, not_modified_or
from art.models import Feature, ProgramIncrement, ReleaseTrain, Team
from art.selectors.kanban import KanbanBoard, KanbanColumn, KanbanItem, KanbanLane, kanban_board

K = rules.kanban
_ID = re.compile(r"[0-9]{1,18}")
_YES, _NO = ("true", "1", "yes"), ("false", "0", "no", "")


# --- the answer ---------------------------------------------------------------------------------


class KanbanItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    key = serializers.CharField(help_text="The feature's key (its external key, else F-<number>).")
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=Feature.Kind.choices)
    points = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=Feature.State.choices)
    version = serializers.IntegerField(help_text="Send it with a move to refuse a stale one (409).")
    team = serializers.IntegerField(allow_null=True, help_text="The owning team's id.")
    team_name = serializers.CharField(help_text="The owning team's name; empty without a team.")
    pi = serializers.IntegerField(allow_null=True)
    entered_state_at = serializers.DateTimeField(help_text="When it entered its current state.")
    days_in_state = serializers.FloatField(help_text="Days since then, 2 decimals.")
    flow_started_at = serializers.DateTimeField(
        allow_null=True, help_text="In flow only (ready to awaiting deploy): its first entry into the flow."
    )
    days_in_flow = serializers.FloatField(allow_null=True, help_text="In flow only: days since then.")
    aging = serializers.BooleanField(
        help_text="In flow longer than the train's aging threshold (`threshold_days`)."
    )


class KanbanColumnSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Feature.State.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    category = serializers.CharField(
        help_text="The state's category: not_started, waiting, active, finished or out."
    )
    count = serializers.IntegerField(help_text="The items shown (after the filters).")
    train_count = serializers.IntegerField(
        help_text="What the whole train holds in this state, whatever the filters: the WIP limit counts it."
    )
    limit = serializers.IntegerField(allow_null=True, help_text="The column's WIP limit; null for none.")
    over_limit = serializers.BooleanField(help_text="train_count > limit (at the limit is full, not over).")
    policy = serializers.CharField(help_text="The column's policy for entering it; empty for none.")
    earlier = serializers.IntegerField(
        help_text=f"Done only: features finished before the last {K.DONE_SHOWN_DAYS} days (matching the "
        "filters), not among the items; 0 for the other columns."
    )
    items = KanbanItemSerializer(many=True, help_text="Longest in its state first.")


class KanbanLaneSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    name = serializers.CharField()
    limit = serializers.IntegerField(help_text="The team's lane limit (its `wip_limit`).")
    in_flow = serializers.IntegerField(help_text="The team's features in flow across the train.")
    over_limit = serializers.BooleanField(help_text="in_flow > limit.")


class KanbanSerializer(serializers.Serializer):
    train = serializers.IntegerField()
    pi = serializers.IntegerField(allow_null=True, help_text="The `?pi=` filter, if any.")
    team = serializers.IntegerField(allow_null=True, help_text="The `?team=` filter, if any.")
    threshold_days = serializers.FloatField(
        allow_null=True,
        help_text=f"The aging threshold: the {K.AGING_PERCENTILE}th-percentile flow time (nearest rank, "
        f"days) of the features finished in the last {K.AGING_WINDOW_WEEKS} weeks; null when none finished.",
    )
    threshold_from = serializers.IntegerField(help_text="How many finished features it was worked out from.")
    done_shown_days = serializers.IntegerField(help_text="The done column shows what finished in these days.")
    columns = KanbanColumnSerializer(
        many=True, help_text="One per state, left to right; cancelled only with `?cancelled=true`."
    )
    lanes = KanbanLaneSerializer(many=True, help_text="The team lanes that have a WIP limit.")


def _item(item: KanbanItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "key": item.key,
        "title": item.title,
        "kind": item.kind,
        "points": item.points,
        "state": item.state,
        "version": item.version,
        "team": item.team_id,
        "team_name": item.team_name,
        "pi": item.pi_id,
        "entered_state_at": item.entered_at,
        "days_in_state": item.days_in_state,
        "flow_started_at": item.flow_started_at,
        "days_in_flow": item.days_in_flow,
        "aging": item.aging,
    }


def _column(column: KanbanColumn) -> dict[str, Any]:
    return {
        "state": column.state,
        "label": column.label,
        "category": column.category,
        "count": column.count,
        "train_count": column.train_count,
        "limit": column.limit,
        "over_limit": column.over_limit,
        "policy": column.policy,
        "earlier": column.earlier,
        "items": [_item(item) for item in column.items],
    }


def _lane(lane: KanbanLane) -> dict[str, Any]:
    return {
        "team": lane.team_id,
        "name": lane.label,
        "limit": lane.limit,
        "in_flow": lane.in_flow,
        "over_limit": lane.over_limit,
    }


def kanban_data(board: KanbanBoard) -> dict[str, Any]:
    return {
        "train": board.train.pk,
        "pi": board.pi.pk if board.pi is not None else None,
        "team": board.team.pk if board.team is not None else None,
        "threshold_days": board.threshold,
        "threshold_from": board.threshold_from,
        "done_shown_days": K.DONE_SHOWN_DAYS,
        "columns": [_column(column) for column in board.columns],
        "lanes": [_lane(lane) for lane in board.lanes if lane.team_id is not None and lane.limit is not None],
    }


# --- the query --------------------------------------------------------------------------------


def _of_train(request: Request, name: str, model: Any, train: ReleaseTrain, what: str) -> Any:
    raw = request.query_params.get(name, "").strip()
    if not raw:
        return None
    if not _ID.fullmatch(raw):
        raise ValidationError({name: [f"{name} must be the id of a {what} of this train (a whole number)"]})
    found = model.objects.filter(pk=int(raw), train=train).first()
    if found is None:
        raise ValidationError({name: [f"{name} {raw} is not a {what} of this train"]})
    return found


def kanban_filters(request: Request, train: ReleaseTrain) -> dict[str, Any]:
    """The query's filters, each checked: 400 naming the parameter and the rule."""
    kind = request.query_params.get("kind", "").strip()
    if kind and kind not in Feature.Kind.values:
        raise ValidationError({"kind": [f"kind must be one of {', '.join(Feature.Kind.values)}"]})
    cancelled = request.query_params.get("cancelled", "").strip().lower()
    if cancelled not in _YES + _NO:
        raise ValidationError({"cancelled": ["cancelled must be true or false"]})
    return {
        "pi": _of_train(request, "pi", ProgramIncrement, train, "PI"),
        "team": _of_train(request, "team", Team, train, "team"),
        "kind": kind,
        "include_cancelled": cancelled in _YES,
    }


PARAMETERS = [
    OpenApiParameter("pi", OpenApiTypes.INT, description="Only the features of this PI (of this train)."),
    OpenApiParameter(
        "team",
        OpenApiTypes.INT,
        description="Only this team's features (of this train); the WIP limits still count the whole train.",
    ),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=list(Feature.Kind.values), description="Only this kind."),
    OpenApiParameter(
        "cancelled", OpenApiTypes.BOOL, description="true: show the cancelled column too (hidden by default)."
    ),
]


class KanbanMixin:
    """`GET trains/{id}/kanban/` on the train's viewset: anyone who may see the train reads it."""

    @extend_schema(
        summary="The ART Kanban: the train's features in columns by state, with WIP limits and aging",
        parameters=[*PARAMETERS, IF_NONE_MATCH],
        responses={
            200: KanbanSerializer,
            **NOT_MODIFIED,
            400: OpenApiResponse(description="A filter that is not a whole number, or not of this train."),
            401: OpenApiResponse(description="No credentials."),
            404: OpenApiResponse(description="No such train (or not one of the caller's)."),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def kanban(self, request: Request, pk: str | None = None) -> HttpResponseBase:
        train = self.get_object()  # type: ignore[attr-defined]
        board = kanban_board(train=train, lane_by="team", **kanban_filters(request, train))
        return not_modified_or(request, Response(KanbanSerializer(kanban_data(board)).data))
