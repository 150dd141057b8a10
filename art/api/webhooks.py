"""webhooks/: the train's webhooks, managed by the RTE (everyone else in the train: 403; outside
it: 404), their delivery log, redelivery and a test event (docs/api.md, "Webhooks")."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from art.access import Action, can, visible
from art.api.mixins import IdFilter, TrainScopedViewSet, refuse_unwritable
from art.api.serializers import CoreSerializer
from art.models import WEBHOOK_EVENTS, ReleaseTrain, Webhook, WebhookDelivery
from art.models.webhooks import URL_MAX_LENGTH
from art.services import webhooks as services

EVENT_CHOICE = serializers.ChoiceField(
    choices=list(WEBHOOK_EVENTS),
    error_messages={"invalid_choice": '"{input}" is not an event: ' + services.EVENTS_RULE},
)


class WebhookSerializer(CoreSerializer):
    url = serializers.CharField(
        max_length=URL_MAX_LENGTH,
        help_text="Where deliveries are POSTed: http or https, not to a private, loopback or link-local "
        "address (unless RAILYARD_WEBHOOKS_ALLOW_PRIVATE is on).",
    )
    events = serializers.ListField(
        child=EVENT_CHOICE, max_length=len(WEBHOOK_EVENTS) * 2, help_text="The events it hears of."
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=services.SECRET_MAX,
        help_text="Keys the HMAC-SHA256 signature. Write-only: omit it on create and one is made and "
        "answered once, in the create response.",
    )
    created_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Webhook
        fields = ["id", "train", "url", "events", "secret", "active", "created_by", "created_at"]
        read_only_fields = ["created_at"]
        create_only = ["train"]
        validators: list = []


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True, help_text="The secret: shown this once, never again.")


class WebhookDeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="delivery_id", read_only=True, help_text="X-Railyard-Delivery.")
    webhook = serializers.IntegerField(source="webhook_id", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook",
            "event",
            "status",
            "response_code",
            "attempts",
            "duration_ms",
            "last_error",
            "attempt_log",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields


class WebhookFilter(filters.FilterSet):
    train = IdFilter(field_name="train_id")

    class Meta:
        model = Webhook
        fields = ["train", "active"]


@extend_schema_view(
    create=extend_schema(request=WebhookSerializer, responses={201: WebhookCreatedSerializer}),
    deliveries=extend_schema(responses={200: WebhookDeliverySerializer(many=True)}),
    redeliver=extend_schema(
        request=None,
        responses={202: WebhookDeliverySerializer},
        parameters=[
            OpenApiParameter("delivery_id", str, OpenApiParameter.PATH, description="The delivery's id.")
        ],
    ),
    test=extend_schema(request=None, responses={202: WebhookDeliverySerializer}),
)
class WebhookViewSet(TrainScopedViewSet):
    """A train's webhooks (RTE only, reads included: a webhook's URL and log are the integration's
    business). Deliveries are signed POSTs of JSON; see docs/api.md."""

    queryset = Webhook.objects.all()
    serializer_class = WebhookSerializer
    filterset_class = WebhookFilter
    ordering_fields = ["id", "created_at", "url"]
    parent_field = "train"

    def list_queryset(self) -> QuerySet[Webhook]:
        return Webhook.objects.select_related("created_by").order_by("train_id", "created_at", "id")

    def get_queryset(self) -> QuerySet[Webhook]:
        user = self.request.user
        queryset = visible(user, self.list_queryset())
        if getattr(user, "is_superuser", False):
            return queryset
        trains = ReleaseTrain.objects.values_list("pk", flat=True)
        managed = [
            t for t in trains.filter(pk__in=queryset.values("train_id")) if can(user, Action.MANAGE_TRAIN, t)
        ]
        return queryset.filter(train_id__in=managed)

    def access_action(self) -> Action:
        return Action.MANAGE_TRAIN

    def scope(self, data: dict[str, Any]) -> tuple[int, list[int]]:
        return data["train"].pk, []

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        response.data["secret"] = self._created.secret  # the only time it is shown
        return response

    def create_object(self, data: dict[str, Any]) -> Webhook:
        self._created = services.webhook_create(actor=self.request.user, **data)
        return self._created

    def update_object(self, obj: Webhook, data: dict[str, Any]) -> Webhook:
        return services.webhook_update(actor=self.request.user, webhook=obj, **data)

    def delete_object(self, obj: Webhook) -> None:
        services.webhook_delete(actor=self.request.user, webhook=obj)

    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        """The webhook's delivery log, newest first (paginated)."""
        webhook = self.get_object()
        rows = WebhookDelivery.objects.filter(webhook=webhook).order_by("-created_at", "-id")
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)

    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[^/.]+)/redeliver",
    )
    def redeliver(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        """Send a delivery's event again, as a new delivery (answered: the new one)."""
        webhook = self.get_object()
        refuse_unwritable(None, request.data)
        try:
            wanted = uuid.UUID(delivery_id)
        except ValueError:
            raise Http404("No such delivery") from None
        delivery = get_object_or_404(WebhookDelivery, webhook=webhook, delivery_id=wanted)
        again = services.delivery_redeliver(actor=request.user, delivery=delivery)
        again.refresh_from_db()
        return Response(WebhookDeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)

    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Send a `ping` event to the webhook now (answered: its delivery)."""
        webhook = self.get_object()
        refuse_unwritable(None, request.data)
        delivery = services.webhook_ping(actor=request.user, webhook=webhook)
        delivery.refresh_from_db()
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
