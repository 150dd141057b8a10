"""The train's webhooks page (RTE only): add, edit, delete, send a test event, and each webhook's
delivery log with redelivery."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art.access import Action, train_for_user
from art.forms import WebhookForm, submit
from art.http import HtmxHttpRequest, toast
from art.models import ReleaseTrain, Webhook, WebhookDelivery
from art.selectors.webhooks import LATEST_DELIVERIES, webhooks_page_data
from art.services import webhooks as services
from art.views.common import page, refused, written

TEMPLATE = "art/webhooks.html"


def _context(
    request: HtmxHttpRequest, train: ReleaseTrain, refused_edit: WebhookForm | None = None, **extra: Any
) -> dict[str, Any]:
    """The page's data: each webhook with its latest deliveries and its edit form (the refused
    one, with its messages, for the webhook being edited)."""
    rows = webhooks_page_data(train=train)
    editing = extra.get("editing")
    context: dict[str, Any] = {
        "train": train,
        "rows": rows,
        "form": WebhookForm(),
        "entries": [
            (
                row,
                refused_edit
                if refused_edit is not None and row.webhook.pk == editing
                else WebhookForm(
                    initial={
                        "url": row.webhook.url,
                        "events": row.webhook.events,
                        "active": row.webhook.active,
                    },
                    editing=True,
                    auto_id=f"id_webhook-{row.webhook.pk}-%s",
                ),
            )
            for row in rows
        ],
        "latest": LATEST_DELIVERIES,
        "api_docs": reverse("api-docs"),
    }
    context.update(extra)
    return context


def _webhook(train: ReleaseTrain, webhook_id: int) -> Webhook:
    webhook = Webhook.objects.filter(train=train, pk=webhook_id).first()
    if webhook is None:
        raise Http404("No such webhook")
    return webhook


def _back(request: HtmxHttpRequest, train: ReleaseTrain, message: str, **extra: Any) -> HttpResponse:
    return written(
        request,
        template=TEMPLATE,
        section="webhooks",
        context=lambda: _context(request, train, **extra),
        redirect_to=reverse("art:webhooks", kwargs={"slug": train.slug}),
        message=message,
    )


@require_GET
@login_required
def webhooks(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    return page(request, TEMPLATE, _context(request, train), {"webhooks"})


@require_POST
@login_required
def webhook_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    form = WebhookForm(request.POST)
    webhook = submit(form, lambda data: services.webhook_create(actor=request.user, train=train, **data))
    if webhook is None:
        return refused(
            request,
            template=TEMPLATE,
            section="webhooks",
            context=_context(request, train, form=form, show_form=True),
        )
    # The secret is shown in this answer only: no redirect, which would lose it.
    context = _context(request, train, new_webhook=webhook, new_secret=webhook.secret)
    response = render(request, f"{TEMPLATE}#webhooks" if request.htmx else TEMPLATE, context)
    if request.htmx:
        toast(response, "Webhook added: copy its secret now.")
    return response


@require_POST
@login_required
def webhook_update(request: HtmxHttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    webhook = _webhook(train, webhook_id)
    form = WebhookForm(request.POST, editing=True, auto_id=f"id_webhook-{webhook.pk}-%s")
    saved = submit(form, lambda data: services.webhook_update(actor=request.user, webhook=webhook, **data))
    if saved is None:
        context = _context(request, train, refused_edit=form, editing=webhook.pk)
        return refused(request, template=TEMPLATE, section="webhooks", context=context)
    return _back(request, train, f"Webhook {webhook.url} saved.")


@require_POST
@login_required
def webhook_delete(request: HtmxHttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    webhook = _webhook(train, webhook_id)
    url = webhook.url
    services.webhook_delete(actor=request.user, webhook=webhook)
    return _back(request, train, f"Webhook {url} deleted: it hears of nothing more.")


@require_POST
@login_required
def webhook_test(request: HtmxHttpRequest, slug: str, webhook_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    webhook = _webhook(train, webhook_id)
    delivery = services.webhook_ping(actor=request.user, webhook=webhook)
    delivery.refresh_from_db()
    return _back(request, train, _outcome("Test event", delivery))


@require_POST
@login_required
def webhook_redeliver(request: HtmxHttpRequest, slug: str, webhook_id: int, delivery_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    webhook = _webhook(train, webhook_id)
    delivery = WebhookDelivery.objects.filter(webhook=webhook, pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such delivery")
    again = services.delivery_redeliver(actor=request.user, delivery=delivery)
    again.refresh_from_db()
    return _back(request, train, _outcome(f"Redelivery of {delivery.event}", again))


def _outcome(what: str, delivery: WebhookDelivery) -> str:
    if delivery.status == WebhookDelivery.Status.SUCCEEDED:
        return f"{what} delivered: the receiver answered {delivery.response_code}."
    if delivery.status == WebhookDelivery.Status.FAILED:
        return f"{what} failed: {delivery.last_error}."
    return f"{what} queued: its result shows in the delivery log."
