"""`objectives/`: a team's PI objectives. Team members (of the objective's team) and the RTE
write the text, commitment and features; business owners and the RTE the business values. A
write is checked on the fields it actually changes, so sending back an unchanged value is never
refused. Predictability is in `metrics/predictability/`."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers

from art.access import Action, can, check
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin
from art.api.serializers import CoreSerializer, VersionField
from art.api.upserts import ByKeyUpsertMixin, upsert_schema
from pi_planning import services
from pi_planning.api.common import HistoryMixin, changed_fields
from pi_planning.models import Objective


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


@extend_schema_view(**upsert_schema(ObjectiveSerializer, bulk=False))
class ObjectiveViewSet(HistoryMixin, ByKeyUpsertMixin, VersionedCardMixin, TrainScopedViewSet):
    """A team's PI objectives. Team members write their own team's text, commitment and
    features; business owners set planned (1–10) and actual (0–10) business value; the RTE
    both. Predictability is in `metrics/predictability/`."""

    queryset = Objective.objects.all()
    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter
    ordering_fields = ["id", "order", "planned_bv", "actual_bv", "created_at", "updated_at"]
    write_action = Action.EDIT_TEAM
    parent_field = "team"
    key_train_lookup = "pi__train_id"

    TEXT_FIELDS = frozenset({"title", "description", "committed", "features", "external_key"})
    VALUE_FIELDS = frozenset({"planned_bv", "actual_bv"})

    def list_queryset(self) -> QuerySet[Objective]:
        return (
            Objective.objects.select_related("pi")
            .prefetch_related("features")
            .order_by("pi_id", "team_id", "-committed", "order", "id")
        )

    def upsert_early_action(self) -> Action:
        # Business owners score by key too: the rights depend on the fields (update_object).
        return Action.VIEW

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
        changed = changed_fields(obj, data, self.TEXT_FIELDS | self.VALUE_FIELDS)
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
