"""`pis/{id}/baselines/`: the PI's committed baselines, and
`pis/{id}/baselines/{baseline_id}/compare/`: the live plan against one of them (cards moved,
added and removed; each team's load before and after), by the same selectors as the page."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import rules
from art.api.pagination import Pagination
from pi_planning.api.board import CARD_KINDS
from pi_planning.api.common import ERRORS, pi_for_request
from pi_planning.selectors.baselines import BaselineRow, baseline_comparison, pi_baselines


class BaselineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pi = serializers.IntegerField(source="baseline.pi_id")
    committed_at = serializers.DateTimeField(source="baseline.committed_at")
    committed_by = serializers.CharField(
        source="baseline.committed_by.username", allow_null=True, default=None
    )
    note = serializers.CharField(source="baseline.note")
    pi_state = serializers.CharField(
        help_text='The PI\'s state when it was committed: planning, executing, closed; "" if not recorded.'
    )
    features = serializers.IntegerField(help_text="Features it holds.")
    stories = serializers.IntegerField(help_text="Stories placed in the PI's iterations it holds.")
    end_of_planning = serializers.BooleanField(
        help_text="The commit comparisons start from unless another is chosen: the latest made while "
        "the PI was in planning, else the first."
    )


class PlaceSerializer(serializers.Serializer):
    team = serializers.IntegerField(allow_null=True)
    iteration = serializers.IntegerField(allow_null=True)


class ComparisonChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CARD_KINDS)
    id = serializers.IntegerField()
    key = serializers.CharField()
    title = serializers.CharField()
    change = serializers.ChoiceField(choices=["moved", "added", "removed"])
    before = PlaceSerializer(allow_null=True, help_text="Where it was in the baseline (null: added).")
    after = PlaceSerializer(allow_null=True, help_text="Where it is now (null: removed).")


class TeamLoadSerializer(serializers.Serializer):
    team = serializers.IntegerField()
    name = serializers.CharField()
    before = serializers.FloatField(help_text="Points of its stories placed in the PI in the baseline.")
    after = serializers.FloatField(help_text="The same now.")
    delta = serializers.FloatField(help_text="after − before.")


class CountsSerializer(serializers.Serializer):
    moved = serializers.IntegerField()
    added = serializers.IntegerField()
    removed = serializers.IntegerField()


class ComparisonSerializer(serializers.Serializer):
    baseline = BaselineSerializer()
    counts = CountsSerializer()
    changes = ComparisonChangeSerializer(many=True)
    teams = TeamLoadSerializer(many=True)


def _place(place: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if place is None else {"team": place.get("team"), "iteration": place.get("iteration")}


class BaselineListView(APIView):
    """The PI's committed baselines, newest first: who committed, when, the note, what each
    holds, and which is the end-of-planning commit."""

    pagination_class = Pagination

    @extend_schema(
        operation_id="pis_baselines",
        summary="The committed baselines of a PI",
        responses={200: BaselineSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request, pk: int) -> Response:
        pi = pi_for_request(request, pk)
        paginator = Pagination()
        page = paginator.paginate_queryset(pi_baselines(pi=pi), request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(BaselineSerializer(page, many=True).data)


class BaselineCompareView(APIView):
    """The live plan against one committed baseline: the cards moved, added and removed, and
    per team the points placed in the PI then and now."""

    @extend_schema(
        operation_id="pis_baselines_compare",
        summary="Compare the live plan with a committed baseline",
        responses={
            200: ComparisonSerializer,
            404: OpenApiResponse(description="No such PI, or no such baseline of it."),
            401: ERRORS[401],
        },
    )
    def get(self, request: Request, pk: int, baseline_id: int) -> Response:
        pi = pi_for_request(request, pk)
        row: BaselineRow | None = next((r for r in pi_baselines(pi=pi) if r.id == baseline_id), None)
        if row is None:
            raise Http404("No such baseline of this PI")
        comparison = baseline_comparison(pi=pi, baseline=row.baseline)
        data = {
            "baseline": row,
            "counts": comparison.counts,
            "changes": [
                {
                    "kind": c.kind,
                    "id": c.id,
                    "key": c.key,
                    "title": c.title,
                    "change": c.change,
                    "before": _place(c.before),
                    "after": _place(c.after),
                }
                for c in comparison.changes
            ],
            "teams": [
                {
                    "team": t.team_id,
                    "name": t.name,
                    "before": rules.stats.round2(t.before),
                    "after": rules.stats.round2(t.after),
                    "delta": rules.stats.round2(t.delta),
                }
                for t in comparison.teams
            ],
        }
        return Response(ComparisonSerializer(data).data)
