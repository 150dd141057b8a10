"""`risks/`: the train's risks and their ROAM moves."""

from __future__ import annotations

from typing import Any

import django_filters.rest_framework as filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_view
from rest_framework import serializers

from art.access import Action
from art.api.mixins import IdFilter, TrainScopedViewSet, VersionedCardMixin
from art.api.serializers import CoreSerializer, VersionField
from art.api.upserts import ByKeyUpsertMixin, upsert_schema
from pi_planning import services
from pi_planning.api.common import HistoryMixin, changed_fields
from pi_planning.models import Risk
from pi_planning.selectors.risks import risk_age_days


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
        return risk_age_days(risk, timezone.now())

    def validate_external_key(self, value: str | None) -> str | None:
        return (value or "").strip() or None


class RiskFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")
    pi = IdFilter(field_name="pi_id")
    team = IdFilter(field_name="team_id")

    class Meta:
        model = Risk
        fields = ["train", "pi", "team", "roam", "external_key"]


@extend_schema_view(**upsert_schema(RiskSerializer, bulk=False))
class RiskViewSet(HistoryMixin, ByKeyUpsertMixin, VersionedCardMixin, TrainScopedViewSet):
    """The train's risks and their ROAM moves (any risk may move to Resolved; Owned, Accepted and
    Mitigated among themselves; never back to Un-ROAMed). Team members and the RTE change them;
    a refused move answers 400 naming the rule (e.g. "Mitigated needs a mitigation plan")."""

    queryset = Risk.objects.all()
    serializer_class = RiskSerializer
    filterset_class = RiskFilter
    ordering_fields = ["id", "created_at", "updated_at", "roamed_at", "roam", "title"]
    write_action = Action.EDIT_RISK
    train_field = "train"
    parent_field = "train"

    def list_queryset(self) -> QuerySet[Risk]:
        return Risk.objects.order_by("-created_at", "-id")

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create_object(self, data: dict[str, Any]) -> Risk:
        return services.risk_create(actor=self.request.user, **data)

    def update_object(self, obj: Risk, data: dict[str, Any], version: int | None = None) -> Risk:
        changes = {k: v for k, v in data.items() if k in changed_fields(obj, data, frozenset(data))}
        return services.risk_update(actor=self.request.user, risk=obj, version=version, **changes)

    def delete_object(self, obj: Risk) -> None:
        services.risk_delete(actor=self.request.user, risk=obj)
