"""REST API v1 of the train's core (docs/api.md): thin viewsets. Serializers parse,
art.access decides (404 outside the caller's trains, 403 for what their role may not do),
art.services act, art.selectors read."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import selectors, services
from art.access import Action, check, check_train_create, feature_any_move_refusal, visible
from art.models import (
    Absence,
    ApiToken,
    Feature,
    Iteration,
    Membership,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    Story,
    Team,
    TeamMember,
)
from art.services.tokens import default_expiry

from . import serializers as s
from .kanban import KanbanMixin
from .mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin, refuse_unwritable
from .upserts import BulkUpsertMixin, HistoryImportMixin, upsert_schema

# --- sign-in and personal tokens ------------------------------------------------------------


class TokenSignInView(APIView):
    """Exchange a username and password for a personal token: the caller's token of the name
    asked (default "API token") gets a new key, or is made when there is none (see
    art.services.tokens.api_token_issue)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    serializer_class = s.SignInSerializer

    @extend_schema(
        request=s.SignInSerializer,
        responses={
            200: s.SignInTokenSerializer,
            400: OpenApiResponse(
                description="Wrong username or password, or a bad name, scope or expires_at (named)."
            ),
        },
        auth=[],
        summary="Sign in: get (or rotate) a personal token",
    )
    def post(self, request: Request) -> Response:
        serializer = s.SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None or not user.is_active:
            raise ValidationError(
                {"non_field_errors": ["Unable to sign in with the username and password given."]}
            )
        issued = services.api_token_issue(
            user=user,
            name=data["name"],
            scope=data["scope"],
            expires_at=data["expires_at"] if "expires_at" in data else default_expiry(),
        )
        token = issued.token
        return Response(
            {
                "token": issued.key,
                "id": token.pk,
                "name": token.name,
                "prefix": token.prefix,
                "scope": token.scope,
                "expires_at": token.expires_at,
                "rotated": issued.rotated,
            }
        )


@extend_schema_view(
    create=extend_schema(request=s.ApiTokenSerializer, responses={201: s.ApiTokenCreatedSerializer}),
    revoke=extend_schema(request=None, responses={200: s.ApiTokenSerializer}),
)
class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The caller's own personal tokens. The key is shown only in the answer that creates it."""

    queryset = ApiToken.objects.all()
    serializer_class = s.ApiTokenSerializer
    filter_backends = [OrderingFilter]
    ordering_fields = ["created_at", "name", "last_used_at", "expires_at"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[ApiToken]:
        user = self.request.user
        if not user.is_authenticated:  # IsAuthenticated answers first; this keeps the types honest
            return ApiToken.objects.none()
        return ApiToken.objects.filter(user=user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        refuse_unwritable(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        token, key = services.api_token_create(
            user=request.user,
            name=data["name"],
            scope=data["scope"],
            expires_at=data["expires_at"] if "expires_at" in data else default_expiry(),
        )
        token.key = key  # type: ignore[attr-defined]
        return Response(s.ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        token = self.get_object()
        refuse_unwritable(None, request.data)
        token = services.api_token_revoke(user=request.user, token=token)
        return Response(s.ApiTokenSerializer(token).data)


# --- filters --------------------------------------------------------------------------------
# Ids are plain numbers: an id of a train the caller cannot see simply matches nothing.


class TeamFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")

    class Meta:
        model = Team
        fields = ["train", "kind"]


class MembershipFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    team = IdFilter(field_name="team_id")
    user = filters.CharFilter(field_name="user__username", help_text="username")

    class Meta:
        model = Membership
        fields = ["train", "team", "user", "role"]


class TeamMemberFilter(filters.FilterSet):
    train = IdFilter(field_name="team__train_id")
    team = IdFilter(field_name="team_id")

    class Meta:
        model = TeamMember
        fields = ["train", "team", "delivering", "role"]


class AbsenceFilter(filters.FilterSet):
    train = IdFilter(field_name="member__team__train_id")
    team = IdFilter(field_name="member__team_id")
    member = IdFilter(field_name="member_id")
    pi = IdFilter(field_name="iteration__pi_id")
    iteration = IdFilter(field_name="iteration_id")

    class Meta:
        model = Absence
        fields = ["train", "team", "member", "pi", "iteration"]


class PIFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")

    class Meta:
        model = ProgramIncrement
        fields = ["train", "state"]


class IterationFilter(filters.FilterSet):
    train = IdFilter(field_name="pi__train_id")
    pi = IdFilter(field_name="pi_id")

    class Meta:
        model = Iteration
        fields = ["train", "pi", "is_ip"]


class MilestoneFilter(filters.FilterSet):
    train = IdFilter(field_name="pi__train_id")
    pi = IdFilter(field_name="pi_id")

    class Meta:
        model = Milestone
        fields = ["train", "pi"]


class FeatureFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(field_name="pi_id")
    team = IdFilter(field_name="team_id")
    iteration = IdFilter(field_name="iteration_id")

    class Meta:
        model = Feature
        fields = ["train", "pi", "team", "iteration", "state", "kind", "external_key"]


class StoryFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(method="filter_pi", help_text="Stories placed in the PI or under its features.")
    team = IdFilter(field_name="team_id")
    iteration = IdFilter(field_name="iteration_id")
    feature = IdFilter(field_name="feature_id")

    class Meta:
        model = Story
        fields = ["train", "pi", "team", "iteration", "feature", "state", "external_key"]

    def filter_pi(self, queryset: QuerySet[Story], name: str, value: Any) -> QuerySet[Story]:
        return selectors.stories_of_pi(queryset, pi_id=value)


# --- trains, teams, people ------------------------------------------------------------------


class TrainViewSet(KanbanMixin, TrainScopedViewSet):
    """Release trains the caller belongs to. Administrators start trains (and become their
    RTE, like on the page); changing or deleting one (its WIP limits and column policies
    included) is the RTE's. `kanban/` is the ART Kanban (art.api.kanban)."""

    confirm_delete = True
    queryset = ReleaseTrain.objects.all()
    serializer_class = s.TrainSerializer
    filterset_fields = ["slug"]
    ordering_fields = ["id", "name", "slug", "created_at"]

    def check_create(self, data: dict[str, Any]) -> None:
        check_train_create(self.request.user)

    def create_object(self, data: dict[str, Any]) -> ReleaseTrain:
        return services.train_create(actor=self.request.user, **data)

    def update_object(self, obj: ReleaseTrain, data: dict[str, Any]) -> ReleaseTrain:
        return services.train_update(actor=self.request.user, train=obj, **data)

    def delete_object(self, obj: ReleaseTrain) -> None:
        services.train_delete(actor=self.request.user, train=obj)


class MembershipViewSet(TrainScopedViewSet):
    """Who has which role in a train (the RTE manages them). `user` is the username; `team`
    only for the member role."""

    queryset = Membership.objects.all()
    serializer_class = s.MembershipSerializer
    filterset_class = MembershipFilter
    ordering_fields = ["id", "role", "created_at", "user__username"]
    parent_field = "train"

    def list_queryset(self) -> QuerySet[Membership]:
        return Membership.objects.select_related("user")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> Membership:
        return services.membership_create(
            actor=self.request.user,
            train=data["train"],
            user=data["user"],
            role=data["role"],
            team=data.get("team"),
        )

    def update_object(self, obj: Membership, data: dict[str, Any]) -> Membership:
        updated = services.membership_update(
            actor=self.request.user, membership=obj, role=data.get("role"), team=data.get("team", obj.team)
        )
        return self.list_queryset().get(pk=updated.pk)

    def delete_object(self, obj: Membership) -> None:
        services.membership_delete(actor=self.request.user, membership=obj)


class TeamViewSet(TrainScopedViewSet):
    confirm_delete = True
    queryset = Team.objects.all()
    serializer_class = s.TeamSerializer
    filterset_class = TeamFilter
    ordering_fields = ["id", "name", "kind", "created_at"]
    parent_field = "train"

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> Team:
        return services.team_create(actor=self.request.user, **data)

    def update_object(self, obj: Team, data: dict[str, Any]) -> Team:
        return services.team_update(actor=self.request.user, team=obj, **data)

    def delete_object(self, obj: Team) -> None:
        services.team_delete(actor=self.request.user, team=obj)


class TeamMemberViewSet(TrainScopedViewSet):
    """The people who bring capacity to a team (they need no login). A team member changes
    their own team's; the RTE any."""

    queryset = TeamMember.objects.all()
    serializer_class = s.TeamMemberSerializer
    filterset_class = TeamMemberFilter
    ordering_fields = ["id", "name", "fte", "role"]
    write_action = Action.EDIT_TEAM
    parent_field = "team"

    def list_queryset(self) -> QuerySet[TeamMember]:
        return TeamMember.objects.select_related("user", "team")

    def teams_of(self, obj: TeamMember) -> list[int]:
        return [obj.team_id]

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["team"].train_id, [data["team"].pk]

    def create_object(self, data: dict[str, Any]) -> TeamMember:
        return services.team_member_create(actor=self.request.user, **data)

    def update_object(self, obj: TeamMember, data: dict[str, Any]) -> TeamMember:
        return services.team_member_update(actor=self.request.user, member=obj, **data)

    def delete_object(self, obj: TeamMember) -> None:
        services.team_member_delete(actor=self.request.user, member=obj)


class AbsenceViewSet(TrainScopedViewSet):
    """Days a team member is away in an iteration."""

    queryset = Absence.objects.all()
    serializer_class = s.AbsenceSerializer
    filterset_class = AbsenceFilter
    ordering_fields = ["id", "days", "iteration", "member"]
    write_action = Action.EDIT_TEAM
    parent_field = "member"

    def list_queryset(self) -> QuerySet[Absence]:
        return Absence.objects.select_related("member__team")

    def teams_of(self, obj: Absence) -> list[int]:
        return [obj.member.team_id]

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        member = data["member"]
        return member.team.train_id, [member.team_id]

    def create_object(self, data: dict[str, Any]) -> Absence:
        return services.absence_create(actor=self.request.user, **data)

    def update_object(self, obj: Absence, data: dict[str, Any]) -> Absence:
        return services.absence_update(actor=self.request.user, absence=obj, **data)

    def delete_object(self, obj: Absence) -> None:
        services.absence_delete(actor=self.request.user, absence=obj)


# --- PIs ------------------------------------------------------------------------------------


class PIViewSet(TrainScopedViewSet):
    """Planning intervals. Creating one generates its iterations (`iterations`, default 5, the
    last one IP; `iteration_weeks`, default 2); without `end_date` the PI ends with them."""

    confirm_delete = True
    queryset = ProgramIncrement.objects.all()
    serializer_class = s.PISerializer
    filterset_class = PIFilter
    ordering_fields = ["id", "name", "start_date", "end_date", "state"]
    parent_field = "train"

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> ProgramIncrement:
        return services.pi_create(actor=self.request.user, **data)

    def update_object(self, obj: ProgramIncrement, data: dict[str, Any]) -> ProgramIncrement:
        return services.pi_update(actor=self.request.user, pi=obj, **data)

    def delete_object(self, obj: ProgramIncrement) -> None:
        services.pi_delete(actor=self.request.user, pi=obj)


class IterationViewSet(TrainScopedViewSet):
    confirm_delete = True
    queryset = Iteration.objects.all()
    serializer_class = s.IterationSerializer
    filterset_class = IterationFilter
    ordering_fields = ["id", "number", "start_date"]
    parent_field = "pi"

    def list_queryset(self) -> QuerySet[Iteration]:
        return Iteration.objects.select_related("pi")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["pi"].train_id, []

    def create_object(self, data: dict[str, Any]) -> Iteration:
        return services.iteration_create(actor=self.request.user, **data)

    def update_object(self, obj: Iteration, data: dict[str, Any]) -> Iteration:
        return services.iteration_update(actor=self.request.user, iteration=obj, **data)

    def delete_object(self, obj: Iteration) -> None:
        services.iteration_delete(actor=self.request.user, iteration=obj)


class MilestoneViewSet(TrainScopedViewSet):
    queryset = Milestone.objects.all()
    serializer_class = s.MilestoneSerializer
    filterset_class = MilestoneFilter
    ordering_fields = ["id", "date", "name"]
    parent_field = "pi"

    def list_queryset(self) -> QuerySet[Milestone]:
        return Milestone.objects.select_related("pi")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["pi"].train_id, []

    def create_object(self, data: dict[str, Any]) -> Milestone:
        return services.milestone_create(actor=self.request.user, **data)

    def update_object(self, obj: Milestone, data: dict[str, Any]) -> Milestone:
        return services.milestone_update(actor=self.request.user, milestone=obj, **data)

    def delete_object(self, obj: Milestone) -> None:
        services.milestone_delete(actor=self.request.user, milestone=obj)


# --- features and stories -------------------------------------------------------------------


@extend_schema_view(**upsert_schema(s.FeatureSerializer, bulk=True))
class FeatureViewSet(HistoryImportMixin, BulkUpsertMixin, VersionedCardMixin, TrainScopedViewSet):
    """The train's feature backlog (product management and the RTE edit it). `?ordering=rank`
    gives the WSJF order: highest WSJF first; ties by higher cost of delay, higher time
    criticality, smaller job size, then the older feature; unscored features last.
    `by-key/{external_key}/` and `bulk/` upsert (art.api.upserts)."""

    queryset = Feature.objects.all()
    serializer_class = s.FeatureSerializer
    filterset_class = FeatureFilter
    ordering_fields = [
        "id",
        "title",
        "state",
        "kind",
        "points",
        "wsjf",
        "cost_of_delay",
        "job_size",
        "created_at",
        "updated_at",
    ]
    ordering_aliases = {"rank": selectors.FEATURE_RANK_ORDER}
    write_action = Action.EDIT_BACKLOG
    parent_field = "train"
    train_field = "train"
    view_decides_access = True

    def get_queryset(self) -> QuerySet[Feature]:
        return selectors.feature_list(user=self.request.user)

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def access_action(self) -> Action:
        # A state change is asked of the move rule (art.access.feature_move_refusal), which lets a
        # team member move their own team's features: the service checks it.
        if self.action == "transitions":
            return Action.VIEW
        return super().access_action()

    def create_object(self, data: dict[str, Any]) -> Feature:
        data.pop("reason", None)
        return services.feature_create(actor=self.request.user, **data)

    def update_object(self, obj: Feature, data: dict[str, Any], version: int | None = None) -> Feature:
        return services.feature_update(actor=self.request.user, feature=obj, version=version, **data)

    def delete_object(self, obj: Feature) -> None:
        services.feature_delete(actor=self.request.user, feature=obj)

    @extend_schema(
        methods=["GET"],
        summary="The feature's state history",
        responses=s.FeatureTransitionSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Append a state change, or import a back-dated history",
        description="One `{state, at}`: `at` defaults to now; back-dating is allowed (imports), never "
        "before the previous one. A JSON array of them (oldest first, each with `at`) imports a "
        "history: checked as a whole (known states, in time order, none before the feature's creation "
        "or its latest transition, none in the future), all or nothing; a 400 names every refused item "
        'by index: `{"errors": {"1": {"at": ["..."]}}}`. It answers the new transitions, and the '
        "train's metrics are recomputed.",
        request=s.FeatureTransitionSerializer,
        responses={
            201: s.FeatureTransitionSerializer,
            400: OpenApiResponse(description="A field breaks a rule (by index for an array), named."),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def transitions(self, request: Request, pk: str | None = None) -> Response:
        feature = self.get_object()
        if request.method == "GET":
            history = selectors.feature_transitions(feature=feature)
            return Response(s.FeatureTransitionSerializer(history, many=True).data)
        refusal = feature_any_move_refusal(request.user, feature.train_id, feature.team_id, feature.state)
        if refusal:
            raise PermissionDenied(refusal)
        if isinstance(request.data, list):
            return self._history_import(request, feature)
        serializer = s.FeatureTransitionSerializer(data=request.data)
        refuse_unwritable(serializer, request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # Appending a transition needs no version (the contract: imports and trackers send state
        # changes as they happen); the state rules guard it, and a stated version is checked.
        with self.precondition(feature, data.get("version"), required=False) as version:
            updated = services.feature_transition_add(
                actor=request.user,
                feature=feature,
                state=data["state"],
                at=data.get("at"),
                version=version,
                reason=data.get("reason", ""),
            )
        transition = selectors.feature_transitions(feature=updated).order_by("-id").first()
        return Response(s.FeatureTransitionSerializer(transition).data, status=status.HTTP_201_CREATED)


@extend_schema_view(**upsert_schema(s.StorySerializer, bulk=True))
class StoryViewSet(BulkUpsertMixin, VersionedCardMixin, TrainScopedViewSet):
    """Team-level work. A team member changes their own team's stories; moving one to another
    team needs both."""

    queryset = Story.objects.all()
    serializer_class = s.StorySerializer
    filterset_class = StoryFilter
    ordering_fields = ["id", "title", "state", "points", "created_at", "updated_at", "iteration"]
    write_action = Action.EDIT_TEAM
    parent_field = "team"
    view_decides_access = True

    def get_queryset(self) -> QuerySet[Story]:
        return selectors.story_list(user=self.request.user)

    def bulk_train_ids(self, items: list[Any], default: int | None) -> list[int | None]:
        """A story's train is its team's: `?train=`, else the team each item names (one query)."""
        if default is not None:
            return [default] * len(items)
        named = [item.get("team") if isinstance(item, dict) else None for item in items]
        ids = {t for t in named if isinstance(t, int) and not isinstance(t, bool)}
        trains = dict(
            visible(self.request.user, Team.objects.filter(pk__in=ids)).values_list("pk", "train_id")
        )
        return [trains.get(t) if isinstance(t, int) else None for t in named]

    def teams_of(self, obj: Story) -> list[int]:
        return [obj.team_id]

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["team"].train_id, [data["team"].pk]

    def create_object(self, data: dict[str, Any]) -> Story:
        return services.story_create(actor=self.request.user, **data)

    def update_object(self, obj: Story, data: dict[str, Any], version: int | None = None) -> Story:
        team = data.get("team")
        if team is not None and team.pk != obj.team_id:
            check(self.request.user, self.write_action, obj.train_id, [team.pk])
        return services.story_update(actor=self.request.user, story=obj, version=version, **data)

    def delete_object(self, obj: Story) -> None:
        services.story_delete(actor=self.request.user, story=obj)
