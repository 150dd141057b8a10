"""Webhooks: a train's subscriptions of URLs to its events, and the log of what was sent."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .trains import ReleaseTrain

#: Every event a webhook can subscribe to (art.webhooks maps history entries to them). `ping`
#: is only ever sent by "Send test event".
WEBHOOK_EVENTS = (
    "feature.moved",
    "feature.changed",
    "dependency.changed",
    "risk.changed",
    "objective.scored",
    "vote.revealed",
    "pi.committed",
    "event.held",
)
PING = "ping"
URL_MAX_LENGTH = 2000


class Webhook(models.Model):
    """A URL that hears of a train's events. The secret signs every delivery (HMAC-SHA256), so it
    is kept as given (a hash could not sign); it is shown once, when the webhook is created, and
    never again (SECURITY.md)."""

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="webhooks")
    url = models.CharField(max_length=URL_MAX_LENGTH)
    events = models.JSONField(default=list, help_text="The events it is subscribed to.")
    secret = models.CharField(max_length=200, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(url=""), name="webhook_url_not_empty")]

    def __str__(self) -> str:
        return self.url[:120]


class WebhookDelivery(models.Model):
    """One event sent (or being sent) to one webhook: its payload as signed, and how the last
    attempt went. `attempt_log` keeps every attempt (at, response code, duration, error)."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCEEDED = "succeeded", "succeeded"
        FAILED = "failed", "failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    attempt_log = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["webhook", "-created_at"], name="delivery_webhook_newest")]
        verbose_name_plural = "webhook deliveries"

    def __str__(self) -> str:
        return f"{self.event} {self.delivery_id}"
