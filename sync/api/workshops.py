"""Inspect & Adapt's problem-solving workshop in the API: `workshops/` (one per PI: POST opens it,
idempotently; the RTE PATCHes the problem, its restatement and the dots), `workshops/{id}/votes/`
(the dot vote: totals per cause and the caller's dots left; POST sets the caller's dots on one
cause), `workshops/{id}/pareto/` (the Pareto rows of art.rules.workshops.pareto), `causes/` (the
fishbone, with their whys) and `solutions/`. Same services, selectors and access policy as the
I&A page."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet, Sum
from django.db.models.functions import Coalesce
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from art.access import Action
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin, refuse_unwritable
from art.api.serializers import CoreSerializer, VersionField
from sync import services
from sync.models import Cause, Solution, Workshop
from sync.selectors.workshops import pareto_rows, vote_summary
from sync.services.workshops import CAUSE_OTHER_WORKSHOP

# --- workshops -------------------------------------------------------------------------------


class WorkshopSerializer(CoreSerializer):
    version = VersionField()

    class Meta:
        model = Workshop
        fields = [
            "id",
            "train",
            "pi",
            "problem",
            "restated_problem",
            "dots_per_participant",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["train", "created_at", "updated_at"]
        create_only = ["pi"]
        extra_kwargs = {
            # opening a PI's workshop again answers the one open: no uniqueness refusal
            "pi": {"help_text": "The PI whose Inspect & Adapt it is; one workshop per PI.", "validators": []},
            "dots_per_participant": {
                "required": False,
                "help_text": "Each participant's dots (1–20, 5 by default); never below the most dots "
                "someone already placed.",
            },
        }
        validators: list = []

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        # The RTE's values are checked by the service, whose words name the rule.
        fields["dots_per_participant"] = serializers.IntegerField(
            required=False, help_text=fields["dots_per_participant"].help_text
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None:
            extra = sorted(set(attrs) - {"pi"})
            if extra:
                raise serializers.ValidationError(
                    {name: [f"{name} is set with a PATCH once the workshop is open"] for name in extra}
                )
        return attrs


class WorkshopFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(field_name="pi_id")

    class Meta:
        model = Workshop
        fields = ["train", "pi"]


class DotVoteSerializer(serializers.Serializer):
    cause = serializers.IntegerField(help_text="A cause of this workshop.")
    dots = serializers.IntegerField(help_text="Your dots on that cause (0 takes them back).")


class CauseDotsSerializer(serializers.Serializer):
    cause = serializers.IntegerField()
    votes = serializers.IntegerField(help_text="Every participant's dots on the cause.")
    mine = serializers.IntegerField(help_text="The caller's dots on it.")


class DotVotesSerializer(serializers.Serializer):
    workshop = serializers.IntegerField()
    dots_per_participant = serializers.IntegerField()
    dots_used = serializers.IntegerField(help_text="The caller's dots placed.")
    dots_left = serializers.IntegerField(help_text="The caller's dots still to place.")
    causes = CauseDotsSerializer(many=True, help_text="Every cause, in the order written.")


class ParetoRowSerializer(serializers.Serializer):
    cause = serializers.IntegerField()
    text = serializers.CharField()
    category = serializers.CharField()
    votes = serializers.IntegerField()
    percent = serializers.FloatField(
        allow_null=True, help_text="Share of all dots, 2 decimals; null before any."
    )
    cumulative_percent = serializers.FloatField(allow_null=True)


class WorkshopViewSet(VersionedCardMixin, TrainScopedViewSet):
    """One problem-solving workshop per PI. Everyone in the train reads it; the RTE opens it and
    changes the problem, the restated problem and the dots; everyone but viewers votes."""

    queryset = Workshop.objects.all()
    serializer_class = WorkshopSerializer
    filterset_class = WorkshopFilter
    ordering_fields = ["id", "created_at"]
    write_action = Action.MANAGE_TRAIN
    parent_field = "pi"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def list_queryset(self) -> QuerySet[Workshop]:
        return Workshop.objects.select_related("pi").order_by("pi__start_date", "id")

    def access_action(self) -> Action:
        if self.action == "votes" and self.request.method == "POST":
            return Action.TAKE_PART
        return super().access_action()

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["pi"].train_id, []

    @extend_schema(
        summary="Open a PI's workshop (RTE; idempotent)",
        description="201 with the new workshop; 200 with the PI's workshop when it is open already.",
        responses={201: WorkshopSerializer, 200: WorkshopSerializer},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        self._check_create_early(serializer)
        serializer.is_valid(raise_exception=True)
        pi = serializer.validated_data["pi"]
        self.check_create({"pi": pi})
        existed = Workshop.objects.filter(pi=pi).exists()
        workshop = services.workshop_open(actor=request.user, pi=pi)
        body = self.get_serializer(workshop).data
        return Response(body, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def update_object(self, obj: Workshop, data: dict[str, Any], version: int | None = None) -> Workshop:
        return services.workshop_update(actor=self.request.user, workshop=obj, version=version, **data)

    @extend_schema(
        methods=["GET"],
        summary="The dot vote: dots per cause and the caller's dots left",
        responses=DotVotesSerializer,
    )
    @extend_schema(
        methods=["POST"],
        summary="Set the caller's dots on one cause (everyone but viewers)",
        description="Replaces what the caller had on that cause; 0 takes them back. Beyond the dots "
        'left: 400 `{"dots": ["dots: you have 2 dots left of 5"]}`.',
        request=DotVoteSerializer,
        responses={200: DotVotesSerializer, 400: OpenApiResponse(description="Beyond the dots left.")},
    )
    @action(detail=True, methods=["get", "post"])
    def votes(self, request: Request, pk: str | None = None) -> Response:
        workshop = self.get_object()
        if request.method == "POST":
            body = DotVoteSerializer(data=request.data)
            refuse_unwritable(body, request.data)
            body.is_valid(raise_exception=True)
            cause = Cause.objects.filter(workshop=workshop, pk=body.validated_data["cause"]).first()
            if cause is None:
                raise serializers.ValidationError({"cause": [CAUSE_OTHER_WORKSHOP]})
            services.cause_vote(actor=request.user, cause=cause, dots=body.validated_data["dots"])
        return Response(vote_summary(workshop=workshop, voter=request.user).as_json())

    @extend_schema(
        summary="The Pareto chart of the dot vote",
        description="Causes by dots, most first (ties in the order written), each with its share of "
        "all the dots and the cumulative share (2 decimals; null before any dot).",
        responses=ParetoRowSerializer(many=True),
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def pareto(self, request: Request, pk: str | None = None) -> Response:
        workshop = self.get_object()
        rows = [
            {
                "cause": row.cause.id,
                "text": row.cause.text,
                "category": row.cause.category,
                "votes": row.votes,
                "percent": row.percent,
                "cumulative_percent": row.cumulative_percent,
            }
            for row in pareto_rows(workshop)
        ]
        return Response(rows)


# --- causes ----------------------------------------------------------------------------------


class WhysField(serializers.ListField):
    """A cause's whys: a list of texts, at most five (the service names the rule)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("child", serializers.CharField(allow_blank=True, trim_whitespace=False))
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Why? … asked up to five times, deepest last.")
        super().__init__(**kwargs)


class CauseSerializer(CoreSerializer):
    category = serializers.CharField(
        help_text="The fishbone's bone: people, process, tools, program, environment or providers."
    )
    whys = WhysField()
    votes = serializers.SerializerMethodField(help_text="Every participant's dots on the cause.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]
    version = VersionField()

    class Meta:
        model = Cause
        fields = [
            "id",
            "workshop",
            "category",
            "text",
            "whys",
            "votes",
            "created_by",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["created_at", "updated_at"]
        create_only = ["workshop"]
        extra_kwargs = {
            "text": {
                "max_length": None,
                "error_messages": {"blank": "text is required", "required": "text is required"},
            },
        }
        validators: list = []

    def get_votes(self, cause: Cause) -> int:
        total = getattr(cause, "dots_total", None)
        if total is None:
            total = cause.votes.aggregate(total=Sum("dots"))["total"] or 0
        return int(total)


class CauseFilter(filters.FilterSet):
    workshop = IdFilter(field_name="workshop_id")
    train = IdFilter(field_name="workshop__train_id")
    pi = IdFilter(field_name="workshop__pi_id")

    class Meta:
        model = Cause
        fields = ["workshop", "train", "pi", "category"]


class CauseViewSet(VersionedCardMixin, TrainScopedViewSet):
    """The fishbone's causes. Everyone but viewers adds one; its author or the RTE changes or
    deletes it (its dots go with it)."""

    queryset = Cause.objects.all()
    serializer_class = CauseSerializer
    filterset_class = CauseFilter
    ordering_fields = ["id", "created_at"]
    write_action = Action.TAKE_PART
    parent_field = "workshop"

    def list_queryset(self) -> QuerySet[Cause]:
        return (
            Cause.objects.select_related("created_by")
            .annotate(dots_total=Coalesce(Sum("votes__dots"), 0))
            .order_by("created_at", "id")
        )

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["workshop"].train_id, []

    def create_object(self, data: dict[str, Any]) -> Cause:
        return services.cause_add(actor=self.request.user, **data)

    def update_object(self, obj: Cause, data: dict[str, Any], version: int | None = None) -> Cause:
        return services.cause_update(actor=self.request.user, cause=obj, version=version, **data)

    def delete_object(self, obj: Cause) -> None:
        services.cause_delete(actor=self.request.user, cause=obj)


# --- solutions -------------------------------------------------------------------------------


class SolutionSerializer(CoreSerializer):
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)  # type: ignore[var-annotated]

    class Meta:
        model = Solution
        fields = ["id", "workshop", "cause", "text", "created_by", "created_at"]
        read_only_fields = ["created_at"]
        create_only = ["workshop", "cause"]
        extra_kwargs = {
            "cause": {
                "required": False,
                "allow_null": True,
                "help_text": "A cause of the workshop; null: the problem.",
            },
            "text": {
                "max_length": None,
                "error_messages": {"blank": "text is required", "required": "text is required"},
            },
        }
        validators: list = []


class SolutionFilter(filters.FilterSet):
    workshop = IdFilter(field_name="workshop_id")
    cause = IdFilter(field_name="cause_id")

    class Meta:
        model = Solution
        fields = ["workshop", "cause"]


class SolutionViewSet(TrainScopedViewSet):
    """Solutions brainstormed at the workshop. Everyone but viewers adds one; its author or the
    RTE deletes it."""

    queryset = Solution.objects.all()
    serializer_class = SolutionSerializer
    filterset_class = SolutionFilter
    ordering_fields = ["id", "created_at"]
    write_action = Action.TAKE_PART
    parent_field = "workshop"
    http_method_names = ["get", "post", "delete", "head", "options"]

    def list_queryset(self) -> QuerySet[Solution]:
        return Solution.objects.select_related("created_by").order_by("created_at", "id")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["workshop"].train_id, []

    def create_object(self, data: dict[str, Any]) -> Solution:
        return services.solution_add(actor=self.request.user, **data)

    def delete_object(self, obj: Solution) -> None:
        services.solution_delete(actor=self.request.user, solution=obj)
