"""Reads of a train's webhooks: each with its latest deliveries, for the settings page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from art.models import ReleaseTrain, Webhook, WebhookDelivery

#: Deliveries shown per webhook on the page (the API pages through all of them).
LATEST_DELIVERIES = 10


@dataclass
class WebhookRow:
    webhook: Webhook
    deliveries: list[WebhookDelivery] = field(default_factory=list)
    more: bool = False  # older deliveries than those shown


def webhooks_page_data(*, train: ReleaseTrain, latest: int = LATEST_DELIVERIES) -> list[WebhookRow]:
    """The train's webhooks, oldest first, each with its `latest` deliveries, newest first. Two
    queries whatever the number of webhooks and deliveries."""
    rows = {w.pk: WebhookRow(w) for w in Webhook.objects.filter(train=train).order_by("created_at", "id")}
    if not rows:
        return []
    newest = (
        WebhookDelivery.objects.filter(webhook_id__in=rows)
        .defer("payload")
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("webhook_id")], order_by=[F("created_at").desc(), F("id").desc()]
            )
        )
        .filter(rank__lte=latest + 1)
        .order_by("webhook_id", "rank")
    )
    for delivery in newest:
        row = rows[delivery.webhook_id]
        if len(row.deliveries) < latest:
            row.deliveries.append(delivery)
        else:
            row.more = True
    return list(rows.values())
