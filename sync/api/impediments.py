"""`impediments/`: the train's impediment log. `age_days` and `aging` are read-only and computed by
the rules (art.rules.syncs); `?aging=` filters on them and `?ordering=age` sorts by them, oldest
first. Resolving is a PATCH of `status` (resolved_at follows); the RTE deletes."""

from __future__ import annotations

from typing import Any, cast

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from art.access import Action
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin
from art.api.serializers import CoreSerializer, VersionField
from art.models import Team
from pi_planning.api.common import HistoryMixin, changed_fields
from sync import services
from sync.models import Impediment
from sync.selectors.impediments import AGE, by_age, impediment_queryset, with_age
from sync.services.impediments import CATEGORY_REFUSAL, ESCALATION_REFUSAL, STATUS_REFUSAL, TEAM_REFUSAL

RAISED_OPEN = "an impediment is raised open: resolve it afterwards with a PATCH of status"
TRUE, FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")


class TrainTeamField(serializers.IntegerField):
    """A team of the impediment's train, by id; null for the whole train. Any other id (another
    train's team, or none at all) is refused in the words the page uses."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> Any:
        return value.pk if isinstance(value, Team) else value


class ImpedimentSerializer(CoreSerializer):
    """An impediment of the train's log: open until resolved; aging when open 14 days or more."""

    team = TrainTeamField(
        help_text="The team in the way (one of the train's teams); null for the whole train."
    )
    age_days = serializers.SerializerMethodField(
        help_text="(resolved_at or now) − created_at in whole days; a resolved impediment keeps its age."
    )
    aging = serializers.SerializerMethodField(help_text="Open for 14 days or more.")
    version = VersionField()

    class Meta:
        model = Impediment
        fields = [
            "id",
            "train",
            "team",
            "title",
            "description",
            "category",
            "owner",
            "escalation",
            "status",
            "age_days",
            "aging",
            "created_at",
            "resolved_at",
            "updated_at",
            "version",
        ]
        read_only_fields = ["resolved_at", "updated_at"]
        extra_kwargs = {
            "created_at": {
                "required": False,
                "help_text": "Writable on create (imports): when it got in the way; never later than now. "
                "Defaults to now.",
            },
            "title": {"error_messages": {"blank": "title is required", "required": "title is required"}},
            "category": {
                "required": False,
                "error_messages": {"invalid_choice": CATEGORY_REFUSAL},
                "help_text": "What kind of impediment; `other` when not given.",
            },
            "escalation": {
                "required": False,
                "error_messages": {"invalid_choice": ESCALATION_REFUSAL},
                "help_text": "Who can remove it: the team, the ART, or the portfolio.",
            },
            "status": {
                "required": False,
                "error_messages": {"invalid_choice": STATUS_REFUSAL},
                "help_text": "open on create; PATCH resolved to resolve it (resolved_at is set), open to "
                "reopen it (resolved_at is cleared).",
            },
        }
        create_only = ["train", "created_at"]
        validators: list = []

    def _computed(self, impediment: Impediment) -> Any:
        if not hasattr(impediment, "age_days"):
            with_age([impediment])
        return impediment

    def get_age_days(self, impediment: Impediment) -> int:
        return self._computed(impediment).age_days

    def get_aging(self, impediment: Impediment) -> bool:
        return self._computed(impediment).aging

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and attrs.get("status", Impediment.Status.OPEN) != Impediment.Status.OPEN:
            raise serializers.ValidationError({"status": [RAISED_OPEN]})
        if attrs.get("team") is not None:
            train = attrs.get("train") or getattr(self.instance, "train", None)
            team = Team.objects.filter(pk=attrs["team"], train=train).first() if train else None
            if team is None:
                raise serializers.ValidationError({"team": [TEAM_REFUSAL]})
            attrs["team"] = team
        return attrs


class ImpedimentFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    team = IdFilter(field_name="team_id")
    aging = filters.BooleanFilter(
        method="filter_computed", help_text="Open for 14 days or more (true), or not (false)."
    )

    class Meta:
        model = Impediment
        fields = ["train", "team", "status", "category", "escalation"]

    def filter_computed(self, queryset: QuerySet[Impediment], name: str, value: Any) -> QuerySet[Impediment]:
        return queryset  # computed by the rule after the query: ImpedimentViewSet.list()


class ImpedimentViewSet(HistoryMixin, VersionedCardMixin, TrainScopedViewSet):
    """The train's impediments. Everyone in the train reads them; everyone but viewers raises,
    edits, resolves and reopens them; the RTE deletes one logged by mistake."""

    queryset = Impediment.objects.all()
    serializer_class = ImpedimentSerializer
    filterset_class = ImpedimentFilter
    ordering_fields = ["id", "created_at", "updated_at", "resolved_at"]
    # `age` sorts by the rule's age (ImpedimentViewSet.list); for open impediments that is the
    # creation order, which the alias names for the filter backend.
    ordering_aliases = {AGE: ["created_at", "id"]}
    write_action = Action.TAKE_PART
    parent_field = "train"

    def list_queryset(self) -> QuerySet[Impediment]:
        return impediment_queryset().order_by("created_at", "id")

    def access_action(self) -> Action:
        return Action.MANAGE_TRAIN if self.action == "destroy" else super().access_action()

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        aging = str(request.query_params.get("aging", "")).strip().lower()
        wanted = True if aging in TRUE else False if aging in FALSE else None
        if wanted is not None or request.query_params.get("ordering", "").strip() == AGE:
            rows = with_age(queryset)
            if wanted is not None:
                rows = [row for row in rows if cast(Any, row).aging == wanted]
            if request.query_params.get("ordering", "").strip() == AGE:
                rows = by_age(rows)
            page = self.paginate_queryset(rows)
        else:
            page = with_age(self.paginate_queryset(queryset) or [])
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create_object(self, data: dict[str, Any]) -> Impediment:
        data.pop("status", None)
        return services.impediment_create(actor=self.request.user, **data)

    def update_object(self, obj: Impediment, data: dict[str, Any], version: int | None = None) -> Impediment:
        changes = {k: v for k, v in data.items() if k in changed_fields(obj, data, frozenset(data))}
        return services.impediment_update(actor=self.request.user, impediment=obj, version=version, **changes)

    def delete_object(self, obj: Impediment) -> None:
        services.impediment_delete(actor=self.request.user, impediment=obj)
