"""`improvement-items/`: the train's improvement backlog (id, train, title, owner, status,
due_date, target_pi, created_at are the contract). Writes go through
sync.services.improvements: the RTE changes anything and deletes; anyone else who takes part
writes items and moves their status and owner. `pis/{id}/readiness/`: a PI's planning
readiness (art.rules.readiness), and the RTE's ticks of its manual items."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art import rules
from art.access import Action
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin, refuse_unwritable
from art.api.serializers import CoreSerializer, VersionField
from art.models import ProgramIncrement
from pi_planning.api.common import HistoryMixin, changed_fields, pi_for_request
from sync import services
from sync.models import ImprovementItem
from sync.selectors.improvements import improvement_queryset
from sync.selectors.readiness import pi_readiness
from sync.services.improvements import STATUS_REFUSAL, TARGET_OTHER_TRAIN, TITLE_REFUSAL


class TargetPIField(serializers.IntegerField):
    """A PI of the item's train, by id; null for none yet. Any other id is refused in the words
    the page uses (a closed PI by the service, naming it)."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, ProgramIncrement) else value


class ImprovementItemSerializer(CoreSerializer):
    """An item of the improvement backlog, targeted at the PI whose planning takes it up."""

    target_pi = TargetPIField(
        help_text="The PI whose planning takes it up (a PI of the train, not closed); null for none yet."
    )
    version = VersionField()

    class Meta:
        model = ImprovementItem
        fields = [
            "id",
            "train",
            "title",
            "description",
            "owner",
            "status",
            "due_date",
            "target_pi",
            "workshop",
            "cause",
            "feature",
            "created_at",
            "done_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["created_at", "done_at", "updated_at"]
        extra_kwargs = {
            "title": {"error_messages": {"blank": TITLE_REFUSAL, "required": TITLE_REFUSAL}},
            "status": {
                "required": False,
                "error_messages": {"invalid_choice": STATUS_REFUSAL},
                "help_text": "open, in_progress, done (sets done_at; leaving it clears it) or dropped.",
            },
            "workshop": {
                "required": False,
                "allow_null": True,
                "help_text": "The Inspect & Adapt workshop it came from (null: written directly).",
            },
            "cause": {"required": False, "allow_null": True, "help_text": "The workshop's cause it answers."},
            "feature": {
                "required": False,
                "allow_null": True,
                "help_text": "The enabler feature that plans it (RTE; the page's “Plan it” creates one).",
            },
        }
        create_only = ["train", "workshop", "cause"]
        validators: list = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("target_pi") is not None:
            train = attrs.get("train") or getattr(self.instance, "train", None)
            pi = (
                ProgramIncrement.objects.filter(pk=attrs["target_pi"], train=train).first() if train else None
            )
            if pi is None:
                raise serializers.ValidationError({"target_pi": [TARGET_OTHER_TRAIN]})
            attrs["target_pi"] = pi
        return attrs


class ImprovementItemFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    target_pi = IdFilter(field_name="target_pi_id")
    workshop = IdFilter(field_name="workshop_id")
    no_target = filters.BooleanFilter(
        field_name="target_pi", lookup_expr="isnull", help_text="Items with no target PI (true) or with one."
    )

    class Meta:
        model = ImprovementItem
        fields = ["train", "target_pi", "status", "workshop", "no_target"]


class ImprovementItemViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """The train's improvement backlog. Everyone in the train reads it; everyone but viewers
    writes items and moves their status and owner; the RTE edits the rest and deletes."""

    queryset = ImprovementItem.objects.all()
    serializer_class = ImprovementItemSerializer
    filterset_class = ImprovementItemFilter
    ordering_fields = ["id", "created_at", "updated_at", "due_date", "status", "title"]
    write_action = Action.TAKE_PART
    parent_field = "train"

    def list_queryset(self) -> QuerySet[ImprovementItem]:
        return improvement_queryset().order_by("created_at", "id")

    def access_action(self) -> Action:
        return Action.MANAGE_TRAIN if self.action == "destroy" else super().access_action()

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> ImprovementItem:
        data.pop("feature", None)
        data.pop("version", None)
        return services.improvement_item_create(actor=self.request.user, **data)

    def update_object(
        self, obj: ImprovementItem, data: dict[str, Any], version: int | None = None
    ) -> ImprovementItem:
        changes = {k: v for k, v in data.items() if k in changed_fields(obj, data, frozenset(data))}
        return services.improvement_item_update(actor=self.request.user, item=obj, version=version, **changes)

    def delete_object(self, obj: ImprovementItem) -> None:
        services.improvement_item_delete(actor=self.request.user, item=obj)


# --- a PI's planning readiness ---------------------------------------------------------------


READINESS_STATES = [
    (rules.readiness.DONE, "Done"),
    (rules.readiness.TODO, "To do"),
    (rules.readiness.NOT_APPLICABLE, "Not applicable"),
]


class ReadinessItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=READINESS_STATES)
    detail = serializers.CharField(help_text="Why, in words; the RTE's note for a manual item.")
    manual = serializers.BooleanField(help_text="Ticked by the RTE (true) or computed from the data.")


class ReadinessSerializer(serializers.Serializer):
    pi = serializers.IntegerField()
    items = ReadinessItemSerializer(many=True)
    done = serializers.IntegerField()
    total = serializers.IntegerField(help_text="The items that apply (n/a ones do not count).")
    percent = serializers.FloatField(allow_null=True, help_text="done ÷ total × 100, 2 decimals.")
    ready = serializers.BooleanField(help_text="Every item that applies is done.")


class ReadinessCheckSerializer(serializers.Serializer):
    item = serializers.CharField(help_text=f"One of {', '.join(rules.readiness.MANUAL_KEYS)}.")
    done = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=240)


def _readiness_data(pi: ProgramIncrement) -> dict[str, Any]:
    readiness = pi_readiness(pi)
    summary = readiness.summary
    return {
        "pi": pi.pk,
        "items": [
            {"key": i.key, "title": i.title, "state": i.state, "detail": i.detail, "manual": i.manual}
            for i in readiness.items
        ],
        "done": summary.done,
        "total": summary.total,
        "percent": round(summary.percent, 2) if summary.percent is not None else None,
        "ready": summary.ready,
    }


class PIReadinessView(APIView):
    """`pis/{id}/readiness/`: GET the PI's planning readiness; POST or PATCH
    `{"item", "done", "note"}` ticks or unticks one manual item (the RTE) and answers the whole."""

    @extend_schema(summary="A PI's planning readiness", responses={200: ReadinessSerializer})
    def get(self, request: Request, pi_id: int) -> Response:
        pi = pi_for_request(request, pi_id)
        return Response(_readiness_data(pi))

    @extend_schema(
        summary="Tick or untick a manual readiness item (RTE)",
        request=ReadinessCheckSerializer,
        responses={
            200: ReadinessSerializer,
            400: OpenApiResponse(description="An unknown item, or a note too long."),
            403: OpenApiResponse(description="Only the RTE ticks."),
        },
    )
    def post(self, request: Request, pi_id: int) -> Response:
        pi = pi_for_request(request, pi_id, Action.MANAGE_TRAIN)
        body = ReadinessCheckSerializer(data=request.data)
        refuse_unwritable(body, request.data)
        body.is_valid(raise_exception=True)
        services.readiness_check_set(actor=request.user, pi=pi, **body.validated_data)
        return Response(_readiness_data(pi))

    @extend_schema(
        summary="Tick or untick a manual readiness item (RTE)",
        request=ReadinessCheckSerializer,
        responses={200: ReadinessSerializer},
    )
    def patch(self, request: Request, pi_id: int) -> Response:
        return self.post(request, pi_id)
