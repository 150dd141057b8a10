"""REST resources of the card boards (../shared/api.md): `objectives/`, `votes/`,
`pis/{id}/confidence/`, `risks/` and `dependencies/` (with their lifecycle, comments and history).

Thin, like art/api/views.py: serializers parse and render, art.access decides (404 outside the
caller's trains, 403 for what their role may not do), pi_planning.services act and
pi_planning.selectors read; the rules (predictability, confidence, health, age, ROAM) are the
ones pages use. Cards carry `version` (ETag / If-Match: art.api.mixins.VersionedCardMixin).

Decisions:
- `votes/` answers only the caller's own votes (votes are anonymous to other voters); the
  aggregate of every scope is `pis/{id}/confidence/`, where average, result, distribution and
  concerns stay null until the RTE reveals the vote (the live count is always there).
- Objectives: a team member (of the objective's team) and the RTE write the text, commitment
  and features; business owners and the RTE the business values. A write is checked on the
  fields it actually changes, so sending back an unchanged value is never refused.
- Dependencies: `health`, `health_reason`, `age_days` and `aging` are read-only and computed
  by the board's rule; `?health=` and `?aging=` filter on them. The lifecycle moves through
  PATCH `state` (and `committed_iteration`) or POST `dependencies/{id}/state/`.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

import django_filters.rest_framework as filters
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import rules
from art.access import Action, can, check, object_for_user, visible
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin
from art.api.serializers import CoreSerializer, VersionField
from art.models import ChangeRecord, Iteration, ProgramIncrement, Team
from art.selectors import change_history
from pi_planning import services
from pi_planning.models import Dependency, DependencyComment, Objective, Risk, Vote, VoteRound
from pi_planning.selectors import cards as card_selectors
from pi_planning.selectors.dependencies import dependency_queryset, with_health

if TYPE_CHECKING:
    from pi_planning.selectors.dependencies import DependencyWithHealth

# --- shared -----------------------------------------------------------------------------------


class ChangeRecordSerializer(serializers.ModelSerializer):
    actor: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
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


def _changed(obj: Any, data: dict[str, Any], names: set[str] | frozenset[str]) -> set[str]:
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


# --- objectives -------------------------------------------------------------------------------


class ObjectiveSerializer(CoreSerializer):
    # The ranges are the service's to check, in words that name the rule.
    planned_bv = serializers.IntegerField(
        allow_null=True, required=False, help_text="Planned business value, 1–10 (business owners)."
    )
    actual_bv = serializers.IntegerField(
        allow_null=True, required=False, help_text="Actual business value, 0–10, null while not scored."
    )
    version = VersionField()

    class Meta:
        model = Objective
        fields = [
            "id",
            "pi",
            "team",
            "external_key",
            "title",
            "description",
            "committed",
            "planned_bv",
            "actual_bv",
            "features",
            "order",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["order", "created_at", "updated_at"]
        extra_kwargs = {
            "title": {"error_messages": {"blank": "title is required", "required": "title is required"}},
            "features": {"required": False},
        }
        create_only = ["pi", "team"]
        validators: list = []

    def validate_external_key(self, value: str | None) -> str | None:
        return (value or "").strip() or None


class ObjectiveFilter(filters.FilterSet):
    train = IdFilter(field_name="pi__train_id")
    pi = IdFilter(field_name="pi_id")
    team = IdFilter(field_name="team_id")

    class Meta:
        model = Objective
        fields = ["train", "pi", "team", "committed"]


class ObjectiveViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """A team's PI objectives. Team members write their own team's text, commitment and
    features; business owners set planned (1–10) and actual (0–10) business value; the RTE
    both. Predictability is in `metrics/predictability/`."""

    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter
    ordering_fields = ["id", "order", "planned_bv", "actual_bv", "created_at", "updated_at"]
    write_action = Action.EDIT_TEAM
    parent_field = "team"

    TEXT_FIELDS = frozenset({"title", "description", "committed", "features", "external_key"})
    VALUE_FIELDS = frozenset({"planned_bv", "actual_bv"})

    def list_queryset(self) -> QuerySet[Objective]:
        return (
            Objective.objects.select_related("pi")
            .prefetch_related("features")
            .order_by("pi_id", "team_id", "-committed", "order", "id")
        )

    def access_action(self) -> Action:
        # Who may change an objective depends on the fields changed: see update_object().
        if self.request.method in ("PUT", "PATCH"):
            return Action.VIEW
        return super().access_action()

    def teams_of(self, obj: Objective) -> list[int]:
        return [obj.team_id]

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["team"].train_id, [data["team"].pk]

    def check_create(self, data: dict[str, Any]) -> None:
        super().check_create(data)
        if any(data.get(name) is not None for name in self.VALUE_FIELDS):
            check(self.request.user, Action.SCORE_BV, data["team"].train_id)

    def create_object(self, data: dict[str, Any]) -> Objective:
        created = services.objective_create(actor=self.request.user, **data)
        return self.list_queryset().get(pk=created.pk)

    def update_object(self, obj: Objective, data: dict[str, Any], version: int | None = None) -> Objective:
        user, train_id = self.request.user, obj.pi.train_id
        changed = _changed(obj, data, self.TEXT_FIELDS | self.VALUE_FIELDS)
        if changed & self.VALUE_FIELDS:
            check(user, Action.SCORE_BV, train_id)
        # Text needs the team's seat; a write that changes nothing needs either right.
        if (changed & self.TEXT_FIELDS) or (not changed and not can(user, Action.SCORE_BV, train_id)):
            check(user, Action.EDIT_TEAM, train_id, [obj.team_id])
        services.objective_update(
            actor=user, objective=obj, version=version, **{k: v for k, v in data.items() if k in changed}
        )
        return self.list_queryset().get(pk=obj.pk)

    def delete_object(self, obj: Objective) -> None:
        services.objective_delete(actor=self.request.user, objective=obj)


# --- risks ------------------------------------------------------------------------------------


class RiskSerializer(CoreSerializer):
    age_days = serializers.SerializerMethodField(
        help_text="Whole days since raised (a resolved one keeps its age)."
    )
    version = VersionField()

    class Meta:
        model = Risk
        fields = [
            "id",
            "train",
            "pi",
            "team",
            "external_key",
            "title",
            "description",
            "roam",
            "owner",
            "mitigation_plan",
            "source_vote",
            "created_at",
            "roamed_at",
            "updated_at",
            "age_days",
            "version",
        ]
        read_only_fields = ["source_vote", "roamed_at", "updated_at"]
        extra_kwargs = {
            "created_at": {"required": False, "help_text": "Writable on create (imports); defaults to now."},
            "title": {"error_messages": {"blank": "title is required", "required": "title is required"}},
            "roam": {
                "help_text": "unroamed, resolved, owned, accepted, mitigated. Owned and Mitigated need "
                "an owner, Mitigated a mitigation_plan."
            },
        }
        create_only = ["train", "created_at"]
        validators: list = []

    def get_age_days(self, risk: Risk) -> int:
        return card_selectors.risk_age_days(risk, timezone.now())

    def validate_external_key(self, value: str | None) -> str | None:
        return (value or "").strip() or None


# --- votes and the confidence vote ------------------------------------------------------------


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
        check(request.user, Action.VOTE, pi.train_id)
        team = data.get("team")
        # Each team votes on its own plan: another team's vote is not the caller's to cast (403).
        refusal = card_selectors.vote_refusal(user=request.user, pi=pi, team=team)
        if refusal:
            raise PermissionDenied(refusal)
        existed = Vote.objects.filter(pi=pi, team=team, user=request.user.pk).exists()  # authenticated
        cast = services.vote_cast(
            actor=request.user, pi=pi, team=team, score=data["score"], concern=data.get("concern", "")
        )
        return Response(
            self.get_serializer(cast).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
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


def _scope_row(scope: card_selectors.VoteScope) -> dict[str, Any]:
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


def _pi(request: Request, pi_id: int, action: Action = Action.VIEW) -> ProgramIncrement:
    pi = object_for_user(request.user, ProgramIncrement.objects.all(), pi_id, Action.VIEW)
    if action != Action.VIEW:
        check(request.user, action, pi.train_id)
    return pi


def _scope_team(pi: ProgramIncrement, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(train_id=pi.train_id, pk=team_id).first()
    if team is None:
        raise serializers.ValidationError({"team": [f"team {team_id} is not a team of the PI's train"]})
    return team


class ConfidenceView(APIView):
    """The confidence vote of a PI, per scope: the train's first, then each team's."""

    @extend_schema(
        operation_id="pis_confidence",
        summary="Confidence vote per scope",
        description="votes is the live count; average (≥ 3 accepts), result, concerns and distribution stay "
        "null until the RTE reveals the vote.",
        responses={
            200: ConfidenceScopeSerializer(many=True),
            404: OpenApiResponse(description="No such PI."),
        },
    )
    def get(self, request: Request, pi_id: int) -> Response:
        pi = _pi(request, pi_id)
        return Response([_scope_row(s) for s in card_selectors.confidence_scopes(pi=pi)])


class ConfidenceRoundView(APIView):
    """The RTE opens (or reopens: the votes stay) and reveals one scope's vote."""

    verb = "open"

    def post(self, request: Request, pi_id: int) -> Response:
        pi = _pi(request, pi_id, Action.RUN_EVENTS)
        body = VoteScopeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        team = _scope_team(pi, body.validated_data.get("team"))
        if self.verb == "open":
            services.vote_round_open(actor=request.user, pi=pi, team=team)
        else:
            round_ = VoteRound.objects.filter(pi=pi, team=team).first()
            if round_ is None:
                raise serializers.ValidationError({"team": ["this vote has not been opened"]})
            services.vote_round_reveal(actor=request.user, round_=round_)
        scope = card_selectors.confidence_scopes(pi=pi, team_id=team.pk if team else None)[0]
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
        pi = _pi(request, pi_id, Action.RUN_EVENTS)
        rows = []
        for scope in card_selectors.confidence_scopes(pi=pi):
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
        pi = _pi(request, pi_id, Action.RUN_EVENTS)
        cast = get_object_or_404(Vote.objects.select_related("pi__train", "team"), pi=pi, pk=vote_id)
        risk = services.vote_concern_to_risk(actor=request.user, vote=cast)
        risk = card_selectors.risk_queryset().get(pk=risk.pk)
        return Response(
            RiskSerializer(risk, context={"request": request}).data, status=status.HTTP_201_CREATED
        )


class RiskFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(field_name="pi_id")
    team = IdFilter(field_name="team_id")

    class Meta:
        model = Risk
        fields = ["train", "pi", "team", "roam", "external_key"]


class RiskViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """The train's risks and their ROAM moves (any risk may move to Resolved; Owned, Accepted and
    Mitigated among themselves; never back to Un-ROAMed). Team members and the RTE change them;
    a refused move answers 400 naming the rule (e.g. "Mitigated needs a mitigation plan")."""

    queryset = Risk.objects.all()
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    ordering_fields = ["id", "created_at", "updated_at", "roamed_at", "roam", "title"]
    write_action = Action.EDIT_RISK
    parent_field = "train"

    def list_queryset(self) -> QuerySet[Risk]:
        return Risk.objects.order_by("-created_at", "-id")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> Risk:
        return services.risk_create(actor=self.request.user, **data)

    def update_object(self, obj: Risk, data: dict[str, Any], version: int | None = None) -> Risk:
        changes = {k: v for k, v in data.items() if k in _changed(obj, data, frozenset(data))}
        return services.risk_update(actor=self.request.user, risk=obj, version=version, **changes)

    def delete_object(self, obj: Risk) -> None:
        services.risk_delete(actor=self.request.user, risk=obj)


# --- dependencies -----------------------------------------------------------------------------


class DependencySerializer(CoreSerializer):
    key = serializers.CharField(read_only=True)
    health = serializers.SerializerMethodField(
        help_text="green, amber, red or done (delivered or cancelled)."
    )
    health_reason = serializers.SerializerMethodField(help_text="Why, in words (names late stories).")
    age_days = serializers.SerializerMethodField(help_text="(resolved_at or now) − created_at, whole days.")
    aging = serializers.SerializerMethodField(help_text="Open and older than 14 days.")
    version = VersionField()

    class Meta:
        model = Dependency
        fields = [
            "id",
            "pi",
            "external_key",
            "key",
            "title",
            "description",
            "requester_team",
            "provider_team",
            "external_provider",
            "feature",
            "provider_feature",
            "needed_by",
            "committed_iteration",
            "state",
            "health",
            "health_reason",
            "age_days",
            "aging",
            "owner",
            "created_at",
            "resolved_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["resolved_at", "updated_at"]
        extra_kwargs = {
            "created_at": {"required": False, "help_text": "Writable on create (imports); defaults to now."},
            "state": {
                "help_text": "requested → committed (needs committed_iteration; the needed-by one by "
                "default) → in_progress → delivered; or blocked, or cancelled."
            },
        }
        create_only = ["pi", "requester_team", "created_at"]
        validators: list = []

    def _computed(self, dep: Dependency) -> DependencyWithHealth:
        """`dep` with its health, age and aging (computed here if the view did not)."""
        if not hasattr(dep, "health"):
            with_health([dep])
        return typing.cast("DependencyWithHealth", dep)  # "cast" names a vote in this module

    def get_health(self, dep: Dependency) -> str:
        return self._computed(dep).health.code

    def get_health_reason(self, dep: Dependency) -> str:
        return self._computed(dep).health.reason

    def get_age_days(self, dep: Dependency) -> int:
        return self._computed(dep).age_days

    def get_aging(self, dep: Dependency) -> bool:
        return self._computed(dep).aging

    def validate_external_key(self, value: str | None) -> str | None:
        return (value or "").strip() or None


class DependencyStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Dependency.State.choices)
    committed_iteration = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="Committing: the needed-by iteration by default; another is a counter-proposal.",
    )
    version = VersionField()


class DependencyCommentSerializer(serializers.ModelSerializer):
    author: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = DependencyComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = ["created_at"]


class DependencyFilter(filters.FilterSet):
    train = IdFilter(field_name="pi__train_id")
    pi = IdFilter(field_name="pi_id")
    team = IdFilter(method="filter_team", help_text="Dependencies the team requests or provides.")
    requester_team = IdFilter(field_name="requester_team_id")
    provider_team = IdFilter(field_name="provider_team_id")
    health = filters.ChoiceFilter(
        choices=[(c, rules.dependencies.HEALTH_LABELS[c]) for c in rules.dependencies.HEALTH_LABELS],
        method="filter_computed",
        help_text="Computed health: green, amber, red, done.",
    )
    aging = filters.BooleanFilter(method="filter_computed", help_text="Open and older than 14 days.")

    class Meta:
        model = Dependency
        fields = ["train", "pi", "team", "requester_team", "provider_team", "state", "external_key"]

    def filter_team(self, queryset: QuerySet[Dependency], name: str, value: Any) -> QuerySet[Dependency]:
        return queryset.filter(Q(requester_team_id=value) | Q(provider_team_id=value))

    def filter_computed(self, queryset: QuerySet[Dependency], name: str, value: Any) -> QuerySet[Dependency]:
        return queryset  # computed by the rule after the query: DependencyViewSet.list()


@extend_schema_view(
    state=extend_schema(
        summary="Move the dependency along its lifecycle",
        request=DependencyStateSerializer,
        responses={200: DependencySerializer},
    ),
)
class DependencyViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """Dependencies of a PI. Only the two teams involved (requester and provider) and the RTE
    change one; everyone in the train reads them."""

    queryset = Dependency.objects.all()
    serializer_class = DependencySerializer
    filterset_class = DependencyFilter
    ordering_fields = ["id", "created_at", "updated_at", "state", "needed_by__number"]
    write_action = Action.EDIT_DEPENDENCY
    parent_field = None  # both teams decide: checked once the whole body is parsed

    def list_queryset(self) -> QuerySet[Dependency]:
        return dependency_queryset().order_by("pi_id", "needed_by__number", "id")

    def teams_of(self, obj: Dependency) -> list[int | None]:
        return [obj.requester_team_id, obj.provider_team_id]

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int | None]]:
        provider = data.get("provider_team")
        requester = data.get("requester_team")
        return data["pi"].train_id, [requester.pk if requester else None, provider.pk if provider else None]

    def get_object(self) -> Dependency:
        return with_health([super().get_object()])[0]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        health = request.query_params.get("health")
        aging = request.query_params.get("aging")
        if health or aging not in (None, ""):
            wanted_aging = str(aging).lower() in ("true", "1", "yes") if aging not in (None, "") else None
            rows = [
                d
                for d in with_health(queryset)
                if (not health or d.health.code == health)
                and (wanted_aging is None or d.aging == wanted_aging)
            ]
            page = self.paginate_queryset(rows)
        else:
            page = with_health(self.paginate_queryset(queryset) or [])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _fresh(self, pk: int) -> Dependency:
        return with_health(self.list_queryset().filter(pk=pk))[0]

    def create_object(self, data: dict[str, Any]) -> Dependency:
        created = services.dependency_create(actor=self.request.user, **data)
        return self._fresh(created.pk)

    def update_object(self, obj: Dependency, data: dict[str, Any], version: int | None = None) -> Dependency:
        changes = {k: v for k, v in data.items() if k in _changed(obj, data, frozenset(data))}
        provider = changes.get("provider_team")
        if provider is not None:
            check(self.request.user, self.write_action, obj.pi.train_id, [obj.requester_team_id, provider.pk])
        services.dependency_update(actor=self.request.user, dependency=obj, version=version, **changes)
        return self._fresh(obj.pk)

    def delete_object(self, obj: Dependency) -> None:
        services.dependency_delete(actor=self.request.user, dependency=obj)

    @action(detail=True, methods=["post"])
    def state(self, request: Request, pk: str | None = None) -> Response:
        dep = self.get_object()
        body = DependencyStateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        iteration = None
        if data.get("committed_iteration") is not None:
            iteration = (
                visible(request.user, Iteration.objects.filter(pi__train_id=dep.pi.train_id))
                .filter(pk=data["committed_iteration"])
                .first()
            )
            if iteration is None:
                raise serializers.ValidationError(
                    {
                        "committed_iteration": [
                            f"iteration {data['committed_iteration']} does not exist in the train"
                        ]
                    }
                )
        with self.precondition(dep, data.get("version")) as version:
            services.dependency_set_state(
                actor=request.user,
                dependency=dep,
                state=data["state"],
                committed_iteration=iteration,
                version=version,
            )
        fresh = self._fresh(dep.pk)
        response = Response(self.get_serializer(fresh).data)
        response["ETag"] = f'"{fresh.version}"'
        return response

    @extend_schema(
        methods=["GET"], summary="The card's comment thread", responses=DependencyCommentSerializer(many=True)
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a comment (teams involved and the RTE)",
        request=DependencyCommentSerializer,
        responses={201: DependencyCommentSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request: Request, pk: str | None = None) -> Response:
        if request.method == "GET":
            dep = object_for_user(request.user, Dependency.objects.all(), pk, Action.VIEW)
            rows = dep.comments.select_related("author").order_by("created_at", "id")
            return Response(DependencyCommentSerializer(rows, many=True).data)
        dep = object_for_user(
            request.user, Dependency.objects.all(), pk, Action.EDIT_DEPENDENCY, teams=self.teams_of
        )
        body = DependencyCommentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        comment = services.dependency_comment_add(
            actor=request.user, dependency=dep, body=body.validated_data["body"]
        )
        return Response(DependencyCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
