"""The confidence vote: `votes/` answers only the caller's own votes (votes are anonymous to
other voters); `pis/{id}/confidence/` is the aggregate of every scope, where average, result,
distribution and concerns stay null until the RTE reveals the vote (the live count is always
there); the RTE opens and reveals each scope and turns a concern into a risk."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art.access import Action, visible
from art.api.conditional import IF_NONE_MATCH, NOT_MODIFIED, ConditionalGetMixin
from art.api.mixins import IdFilter, refuse_unwritable
from art.api.serializers import CoreSerializer
from art.models import ProgramIncrement, Team
from pi_planning import services
from pi_planning.api.common import pi_for_request
from pi_planning.api.risks import RiskSerializer
from pi_planning.models import Vote, VoteRound
from pi_planning.selectors.risks import risk_queryset
from pi_planning.selectors.votes import VoteScope, confidence_scopes


class VoteSerializer(CoreSerializer):
    score = serializers.IntegerField(help_text="Fist of five, 1–5.")
    concern = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="What worries you (asked of votes of 1 or 2)."
    )

    class Meta:
        model = Vote
        fields = ["id", "pi", "team", "score", "concern", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "team": {
                "required": False,
                "allow_null": True,
                "help_text": "The team's vote, or null for the train's.",
            }
        }
        validators: list = []


class VoteFilter(filters.FilterSet):
    train = IdFilter(field_name="pi__train_id")
    pi = IdFilter(field_name="pi_id")
    team = IdFilter(field_name="team_id")

    class Meta:
        model = Vote
        fields = ["train", "pi", "team"]


@extend_schema_view(
    list=extend_schema(summary="The caller's own votes", description="Votes are anonymous: only your own."),
    create=extend_schema(
        summary="Cast (or replace) your vote in one scope",
        description="One vote per person and scope (a team, or null for the train); voting again replaces "
        "it (200; 201 for a first vote). Only while the RTE has the vote open. Each team votes on its own "
        "plan: a team's vote is for that team's members (403 for anyone else); everyone who votes votes "
        "in the train's.",
        responses={
            201: VoteSerializer,
            200: VoteSerializer,
            403: OpenApiResponse(
                description="Not the caller's vote: another team's plan, or a role that does not vote."
            ),
        },
    ),
)
class VoteViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Confidence votes, fist of five. Everyone sees only their own; the aggregate of each
    scope is `pis/{id}/confidence/`."""

    queryset = Vote.objects.all()
    serializer_class = VoteSerializer
    filterset_class = VoteFilter
    ordering_fields = ["id", "updated_at"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Vote]:
        user = self.request.user
        if not user.is_authenticated:
            return Vote.objects.none()
        return visible(user, Vote.objects.filter(user=user)).order_by("pi_id", "team_id", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pi: ProgramIncrement = data["pi"]
        team = data.get("team")
        # Who votes in which scope is the service's rule: another team's plan answers 403.
        cast, created = services.vote_place(
            actor=request.user, pi=pi, team=team, score=data["score"], concern=data.get("concern", "")
        )
        return Response(
            self.get_serializer(cast).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


#: Where a scope's vote stands (the schema's ConfidenceStateEnum).
CONFIDENCE_STATES = [("not_opened", "Not opened"), ("open", "Open"), ("revealed", "Revealed")]


class ConfidenceScopeSerializer(serializers.Serializer):
    team = serializers.IntegerField(allow_null=True, help_text="The team's vote; null for the train's.")
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=CONFIDENCE_STATES)
    votes = serializers.IntegerField(help_text="Votes cast so far (live while open).")
    average = serializers.FloatField(allow_null=True, help_text="2 decimals; null until revealed.")
    result = serializers.ChoiceField(
        choices=["accepted", "rework"], allow_null=True, help_text="Average ≥ 3 accepts; null until revealed."
    )
    concerns = serializers.IntegerField(allow_null=True, help_text="Votes of 1 or 2; null until revealed.")
    distribution = serializers.DictField(
        child=serializers.IntegerField(),
        allow_null=True,
        help_text='{"1": n, ..., "5": n}; null until revealed.',
    )


def _scope_row(scope: VoteScope) -> dict[str, Any]:
    shown = scope.is_revealed
    c = scope.confidence
    return {
        "team": scope.team.pk if scope.team else None,
        "name": scope.label,
        "state": scope.state,
        "votes": c.votes,
        "average": c.average if shown else None,
        "result": c.result if shown else None,
        "concerns": c.concerns if shown else None,
        "distribution": {str(n): c.distribution[n] for n in range(1, 6)} if shown else None,
    }


class VoteScopeSerializer(serializers.Serializer):
    team = serializers.IntegerField(
        allow_null=True, required=False, default=None, help_text="null: the train's vote."
    )


class ConcernSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="vote_id", help_text="The vote's id (never who cast it).")
    team = serializers.IntegerField(allow_null=True)
    score = serializers.IntegerField()
    concern = serializers.CharField(source="text")
    risk = serializers.IntegerField(source="risk_id", allow_null=True, help_text="The risk raised from it.")


def _scope_team(pi: ProgramIncrement, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(train_id=pi.train_id, pk=team_id).first()
    if team is None:
        raise serializers.ValidationError({"team": [f"team {team_id} is not a team of the PI's train"]})
    return team


class ConfidenceView(ConditionalGetMixin, APIView):
    """The confidence vote of a PI, per scope: the train's first, then each team's."""

    @extend_schema(
        operation_id="pis_confidence",
        summary="Confidence vote per scope",
        description="votes is the live count; average (≥ 3 accepts), result, concerns and distribution stay "
        "null until the RTE reveals the vote.",
        parameters=[IF_NONE_MATCH],
        responses={
            200: ConfidenceScopeSerializer(many=True),
            **NOT_MODIFIED,
            404: OpenApiResponse(description="No such PI."),
        },
    )
    def get(self, request: Request, pi_id: int) -> Response:
        pi = pi_for_request(request, pi_id)
        return Response([_scope_row(s) for s in confidence_scopes(pi=pi)])


class ConfidenceRoundView(APIView):
    """The RTE opens (or reopens: the votes stay) and reveals one scope's vote."""

    verb = "open"

    def post(self, request: Request, pi_id: int) -> Response:
        pi = pi_for_request(request, pi_id)
        body = VoteScopeSerializer(data=request.data)
        refuse_unwritable(body, request.data)
        body.is_valid(raise_exception=True)
        team = _scope_team(pi, body.validated_data.get("team"))
        if self.verb == "open":
            services.vote_round_open(actor=request.user, pi=pi, team=team)
        else:
            round_ = VoteRound.objects.filter(pi=pi, team=team).first()
            if round_ is None:
                raise serializers.ValidationError({"team": ["this vote has not been opened"]})
            services.vote_round_reveal(actor=request.user, round_=round_)
        scope = confidence_scopes(pi=pi, team_id=team.pk if team else None)[0]
        return Response(_scope_row(scope))


ROUND_RESPONSES = {200: ConfidenceScopeSerializer, 403: OpenApiResponse(description="Not the RTE.")}


class ConfidenceOpenView(ConfidenceRoundView):
    verb = "open"

    @extend_schema(
        operation_id="pis_confidence_open",
        summary="Open a scope's vote (RTE)",
        request=VoteScopeSerializer,
        responses=ROUND_RESPONSES,
    )
    def post(self, request: Request, pi_id: int) -> Response:
        return super().post(request, pi_id)


class ConfidenceRevealView(ConfidenceRoundView):
    verb = "reveal"

    @extend_schema(
        operation_id="pis_confidence_reveal",
        summary="Reveal a scope's vote (RTE)",
        request=VoteScopeSerializer,
        responses=ROUND_RESPONSES,
    )
    def post(self, request: Request, pi_id: int) -> Response:
        return super().post(request, pi_id)


class ConcernListView(APIView):
    @extend_schema(
        operation_id="pis_confidence_concerns",
        summary="The concerns of revealed votes (RTE)",
        description="Anonymous: the text and score, never who voted.",
        responses={200: ConcernSerializer(many=True)},
    )
    def get(self, request: Request, pi_id: int) -> Response:
        pi = pi_for_request(request, pi_id, Action.RUN_EVENTS)
        rows = []
        for scope in confidence_scopes(pi=pi):
            if scope.is_revealed:
                for concern in scope.concerns:
                    concern.team = scope.team.pk if scope.team else None
                    rows.append(concern)
        return Response(ConcernSerializer(rows, many=True).data)


class ConcernToRiskView(APIView):
    @extend_schema(
        operation_id="pis_confidence_concern_to_risk",
        summary="Record a concern as an un-ROAMed risk (RTE)",
        request=None,
        responses={201: RiskSerializer, 400: OpenApiResponse(description="The vote has no concern.")},
    )
    def post(self, request: Request, pi_id: int, vote_id: int) -> Response:
        pi = pi_for_request(request, pi_id)
        cast = get_object_or_404(Vote.objects.select_related("pi__train", "team"), pi=pi, pk=vote_id)
        refuse_unwritable(None, request.data)
        risk = services.vote_concern_to_risk(actor=request.user, vote=cast)
        risk = risk_queryset().get(pk=risk.pk)
        return Response(
            RiskSerializer(risk, context={"request": request}).data, status=status.HTTP_201_CREATED
        )
