"""What was deleted in a train, and bringing it back: the RTE's page of deletions from the
history (most recent first), each restorable with one click (art.services.restore)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art.access import Action, train_for_user
from art.http import HtmxHttpRequest, toast
from art.models import ChangeRecord, ReleaseTrain
from art.refusals import attempt
from art.services.common import DELETED_IN
from art.services.restore import record_restore

TEMPLATE = "art/deleted.html"
SHOWN = 100


def deletions(train: ReleaseTrain) -> QuerySet[ChangeRecord]:
    """The train's deletions, newest first, each knowing whether it was restored since (one query)."""
    later = ChangeRecord.objects.filter(
        content_type=OuterRef("content_type"),
        object_id=OuterRef("object_id"),
        action=ChangeRecord.Action.CREATED,
        at__gte=OuterRef("at"),
    )
    return (
        ChangeRecord.objects.filter(train_id=train.pk, action=ChangeRecord.Action.DELETED)
        .exclude(content_type__model="releasetrain")
        .select_related("actor", "content_type")
        .annotate(restored=Exists(later))
        .order_by("-at", "-id")
    )


def cascade_counts(records: list[ChangeRecord]) -> dict[int, int]:
    """How many rows went with each of these deletions (a many-to-many link is not counted: it
    is not something a person made), by history entry id (one query)."""
    linked = (
        ChangeRecord.objects.filter(
            action=ChangeRecord.Action.DELETED,
            **{f"changes__{DELETED_IN}__0__in": [r.pk for r in records]},
        )
        .values_list(f"changes__{DELETED_IN}__0", "content_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[int, int] = {}
    for record_id, content_type_id, n in linked:
        model = ContentType.objects.get_for_id(content_type_id).model_class()  # cached
        if model is not None and not model._meta.auto_created:
            counts[int(record_id)] = counts.get(int(record_id), 0) + n
    return counts


def _context(train: ReleaseTrain) -> dict:
    rows = list(deletions(train)[:SHOWN])
    counts = cascade_counts(rows)
    for row in rows:
        model = row.content_type.model_class()
        row.kind = model._meta.verbose_name if model else row.content_type.model  # type: ignore[attr-defined]
        with_ = row.changes.get("deleted_with")
        row.went_with = with_[0] if isinstance(with_, list) and with_ else ""  # type: ignore[attr-defined]
        row.cascade = counts.get(row.pk, 0)  # type: ignore[attr-defined]
    return {"train": train, "rows": rows, "shown": SHOWN}


def restored_words(restored: list[Any]) -> str:
    """ "F-12 Wallet is back." or "F-12 Wallet is back, with 4 items deleted with it." """
    first, n = restored[0], sum(1 for obj in restored[1:] if not obj._meta.auto_created)
    return f"{first} is back" + (f", with {n} item{'' if n == 1 else 's'} deleted with it." if n else ".")


@require_GET
@login_required
def deleted(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    return render(request, TEMPLATE, _context(train))


@require_POST
@login_required
def restore(request: HtmxHttpRequest, slug: str, record_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    record = (
        ChangeRecord.objects.filter(pk=record_id, train_id=train.pk).select_related("content_type").first()
    )
    if record is None:
        return render(request, "404.html", status=404)
    restored, refusal = attempt(lambda: record_restore(actor=request.user, record=record))
    context = _context(train)
    if refusal is not None:
        context["row_error"] = {record.pk: refusal.messages or [refusal.message]}
        name = f"{TEMPLATE}#deletions" if request.htmx else TEMPLATE
        return render(request, name, context, status=refusal.status)
    message = restored_words(restored) if restored else f"{record.object_repr} is back."
    if not request.htmx:
        return redirect(reverse("art:deleted", kwargs={"slug": train.slug}))
    response = render(request, f"{TEMPLATE}#deletions", context)
    return toast(response, message)
