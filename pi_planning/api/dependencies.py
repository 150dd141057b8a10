"""`dependencies/`: dependencies of a PI with their lifecycle, comments and history.
`health`, `health_reason`, `age_days` and `aging` are read-only and computed by the board's
rule; `?health=` and `?aging=` filter on them. The lifecycle moves through PATCH `state` (and
`committed_iteration`) or POST `dependencies/{id}/state/`."""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

import django_filters.rest_framework as filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from art import rules
from art.access import Action, check, object_for_user, visible
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin, refuse_unwritable
from art.api.serializers import CoreSerializer, VersionField
from art.api.upserts import ByKeyUpsertMixin, upsert_schema
from art.models import Iteration
from pi_planning import services
from pi_planning.api.common import HistoryMixin, changed_fields
from pi_planning.models import Dependency, DependencyComment
from pi_planning.selectors.dependencies import dependency_queryset, with_health

if TYPE_CHECKING:
    from pi_planning.selectors.dependencies import DependencyWithHealth


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
        slug_field="username", read_only=True, allow_null=True
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
    **upsert_schema(DependencySerializer, bulk=False),
    state=extend_schema(
        summary="Move the dependency along its lifecycle",
        request=DependencyStateSerializer,
        responses={200: DependencySerializer},
    ),
)
class DependencyViewSet(HistoryMixin, ByKeyUpsertMixin, VersionedCardMixin, TrainScopedViewSet):
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
        changes = {k: v for k, v in data.items() if k in changed_fields(obj, data, frozenset(data))}
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
        refuse_unwritable(body, request.data)
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
        refuse_unwritable(body, request.data)
        body.is_valid(raise_exception=True)
        comment = services.dependency_comment_add(
            actor=request.user, dependency=dep, body=body.validated_data["body"]
        )
        return Response(DependencyCommentSerializer(comment).data, status=status.HTTP_201_CREATED)
