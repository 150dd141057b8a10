"""The ART sync page (and the coach sync's and the PO sync's): the timed agenda filled live from
the train's data, with a countdown per section for the facilitator, and the minutes recorded as
the sync runs (decisions, action items, escalations), then a one-page summary to copy as
Markdown or download.

The event page (sync.views.calendar.event) hands sync events to `sync_page`. Writes go through
sync.services.syncs (everyone but viewers records minutes); each answers with the minutes
partial, and the agenda's summary out of band when an action item changed.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from art import rules
from art.access import Action, can, permissions, train_for_user
from art.errors import ConflictError
from art.forms import submit
from art.http import HtmxHttpRequest, attachment_disposition, download_filename, toast
from art.models import ReleaseTrain
from art.refusals import refusal_of
from sync import services
from sync.forms.syncs import ActionItemForm, ActionItemStatusForm, DecisionForm, EscalationForm
from sync.models import ActionItem, Decision, Escalation, Event
from sync.selectors.syncs import Agenda, frozen_agenda, sync_agenda, sync_minutes, sync_summary_markdown

SYNC = "sync/sync.html"
SUMMARY = "sync/sync_summary.html"


def _event(request: HtmxHttpRequest, slug: str, event_id: int) -> tuple[ReleaseTrain, Event]:
    """A sync of a train the user may see (404 otherwise)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    event = Event.objects.filter(train=train, pk=event_id).select_related("train", "pi").first()
    if event is None or not event.is_sync:
        raise Http404("No such sync in this train")
    return train, event


def when(event: Event) -> str:
    """ "Wednesday 14 January 2026, 10:00–11:30 (Europe/Berlin)", in the train's time zone."""
    tz = event.train.tz
    start, end = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
    span = (
        f"{start:%H:%M}–{end:%H:%M}" if start.date() == end.date() else f"{start:%H:%M} – {end:%-d %b %H:%M}"
    )
    return f"{start:%A %-d %B %Y}, {span} ({event.train.time_zone})"


def _agenda(request: HtmxHttpRequest, event: Event) -> Agenda:
    """What the sync saw once it started (the frozen agenda), else the agenda as it reads now;
    `?live=1` shows the live data of a frozen one."""
    if request.GET.get("live") != "1":
        frozen = frozen_agenda(event=event)
        if frozen is not None:
            return frozen
    return sync_agenda(event=event)


def _context(request: HtmxHttpRequest, train: ReleaseTrain, event: Event, **extra: Any) -> dict[str, Any]:
    may_record = can(request.user, Action.TAKE_PART, train.pk)
    context: dict[str, Any] = {
        "train": train,
        "event": event,
        "pi": event.pi,
        "can": permissions(request.user, train.pk),
        "may_record": may_record,
        "when": when(event),
        "agenda": _agenda(request, event),
        "minutes": sync_minutes(event=event),
        "rule": rules.syncs.sections_text(rules.syncs.agenda_sections(event.kind, event.minutes)),
        "now": timezone.now(),
        "urls": _urls(train, event),
    }
    if may_record:
        context.update(
            decision_form=DecisionForm(),
            action_form=ActionItemForm(initial={"due_date": _next_sync_date(event)}),
            escalation_form=EscalationForm(),
        )
    context.update(extra)
    return context


def _next_sync_date(event: Event) -> Any:
    """An action item is due by the next sync unless said otherwise."""
    following = (
        Event.objects.filter(train_id=event.train_id, kind=event.kind, starts_at__gt=event.starts_at)
        .exclude(state=Event.State.CANCELLED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return following.astimezone(event.train.tz).date() if following else None


def _urls(train: ReleaseTrain, event: Event) -> dict[str, str]:
    kwargs = {"slug": train.slug, "event_id": event.pk}
    return {
        name: reverse(f"sync:{name}", kwargs=kwargs)
        for name in (
            "event",
            "sync_agenda",
            "sync_decision_add",
            "sync_action_item_add",
            "sync_escalation_add",
            "sync_summary",
            "sync_summary_md",
        )
    }


def sync_page(request: HtmxHttpRequest, train: ReleaseTrain, event: Event) -> HttpResponse | None:
    """The page of a sync (None for other events: the generic event page shows them)."""
    if not event.is_sync:
        return None
    context = _context(request, train, event)
    target = request.htmx.target if request.htmx else ""
    if target == "sync-minutes":
        return render(request, f"{SYNC}#minutes", context)
    if target and target.startswith("section-"):
        section = context["agenda"].section(target.removeprefix("section-"))
        if section is not None:
            return render(request, f"{SYNC}#section", {**context, "section": section})
    return render(request, SYNC, context)


@require_GET
@login_required
def sync_agenda_section(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    """One section of the agenda, rendered from the data as it is now (`?section=blockers`)."""
    train, event = _event(request, slug, event_id)
    context = _context(request, train, event)
    section = context["agenda"].section(request.GET.get("section", ""))
    if section is None:
        raise Http404("No such section in this sync's agenda")
    if not request.htmx:  # the link opened on its own: the sync's page, at that section
        url = reverse("sync:event", kwargs={"slug": train.slug, "event_id": event.pk})
        return redirect(f"{url}#section-{section.key}")
    return render(request, f"{SYNC}#section", {**context, "section": section})


def _recorded(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    event: Event,
    message: str,
    *,
    summary: bool = False,
    **extra: Any,
) -> HttpResponse:
    """After a write: the minutes (and the agenda's summary section, out of band, when an action
    item changed) with a toast; without htmx, back to the sync's page."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(reverse("sync:event", kwargs={"slug": train.slug, "event_id": event.pk}) + "#minutes")
    return _minutes_response(request, train, event, message=message, summary=summary, **extra)


def _minutes_response(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    event: Event,
    *,
    message: str = "",
    summary: bool = False,
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    context = _context(request, train, event, **extra)
    body = render_to_string(f"{SYNC}#minutes", context, request=request)
    section = context["agenda"].section("summary")
    if summary and section is not None and context["agenda"].frozen_at is None:
        body += render_to_string(
            f"{SYNC}#section", {**context, "section": section, "oob": True}, request=request
        )
    response = HttpResponse(body, status=status)
    if message:
        toast(response, message)
    return response


def _refused(request: HtmxHttpRequest, train: ReleaseTrain, event: Event, **forms: Any) -> HttpResponse:
    if request.htmx:
        return _minutes_response(request, train, event, status=422, **forms)
    return render(request, SYNC, _context(request, train, event, **forms), status=422)


@require_POST
@login_required
def sync_decision_add(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train, event = _event(request, slug, event_id)
    form = DecisionForm(request.POST)
    decision = submit(
        form, lambda data: services.decision_add(actor=request.user, event=event, text=data["text"])
    )
    if decision is None:
        return _refused(request, train, event, decision_form=form)
    return _recorded(request, train, event, "Decision recorded.")


@require_POST
@login_required
def sync_decision_delete(
    request: HtmxHttpRequest, slug: str, event_id: int, decision_id: int
) -> HttpResponse:
    train, event = _event(request, slug, event_id)
    decision = Decision.objects.filter(event=event, pk=decision_id).select_related("event").first()
    if decision is None:
        raise Http404("No such decision")
    services.decision_delete(actor=request.user, decision=decision)
    return _recorded(request, train, event, "Decision removed (the history keeps it).")


@require_POST
@login_required
def sync_action_item_add(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train, event = _event(request, slug, event_id)
    form = ActionItemForm(request.POST)
    item = submit(
        form,
        lambda data: services.action_item_create(
            actor=request.user,
            train=train,
            event=event,
            title=data["title"],
            owner=data["owner"],
            due_date=data["due_date"],
        ),
    )
    if item is None:
        return _refused(request, train, event, action_form=form)
    return _recorded(
        request,
        train,
        event,
        f"Action item for {item.owner}: it stays on every sync until done.",
        summary=True,
    )


@require_POST
@login_required
def sync_action_item_status(request: HtmxHttpRequest, slug: str, event_id: int, item_id: int) -> HttpResponse:
    """Mark an action item (raised here or carried over) done, or open again."""
    train, event = _event(request, slug, event_id)
    item = ActionItem.objects.filter(train=train, pk=item_id).first()
    if item is None:
        raise Http404("No such action item")
    form = ActionItemStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, train, event)
    try:
        services.action_item_update(
            actor=request.user,
            item=item,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        )
    except (ConflictError, ValidationError) as exc:
        refusal = refusal_of(exc)
        words = (
            f"“{item.title}” was changed by someone else meanwhile: it now shows as it is."
            if refusal.conflict
            else refusal.message
        )
        if not request.htmx:
            messages.error(request, words)
            return redirect(reverse("sync:event", kwargs={"slug": train.slug, "event_id": event.pk}))
        response = _minutes_response(request, train, event, summary=True, status=refusal.status)
        return toast(response, words, "error")
    done = form.cleaned_data["status"] == ActionItem.Status.DONE
    return _recorded(
        request,
        train,
        event,
        f"“{item.title}” is done." if done else f"“{item.title}” is open again.",
        summary=True,
    )


@require_POST
@login_required
def sync_escalation_add(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train, event = _event(request, slug, event_id)
    form = EscalationForm(request.POST)
    escalation = submit(
        form,
        lambda data: services.escalation_add(actor=request.user, event=event, to=data["to"], why=data["why"]),
    )
    if escalation is None:
        return _refused(request, train, event, escalation_form=form)
    return _recorded(request, train, event, f"Escalated to {escalation.to}.")


@require_POST
@login_required
def sync_escalation_delete(
    request: HtmxHttpRequest, slug: str, event_id: int, escalation_id: int
) -> HttpResponse:
    train, event = _event(request, slug, event_id)
    escalation = Escalation.objects.filter(event=event, pk=escalation_id).select_related("event").first()
    if escalation is None:
        raise Http404("No such escalation")
    services.escalation_delete(actor=request.user, escalation=escalation)
    return _recorded(request, train, event, "Escalation removed (the history keeps it).")


@require_GET
@login_required
def sync_summary(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    """The sync on one page, and its Markdown to copy."""
    train, event = _event(request, slug, event_id)
    context = _context(request, train, event)
    context["markdown"] = sync_summary_markdown(
        agenda=context["agenda"], minutes=context["minutes"], when=context["when"]
    )
    return render(request, SUMMARY, context)


@require_GET
@login_required
def sync_summary_md(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train, event = _event(request, slug, event_id)
    context = _context(request, train, event)
    text = sync_summary_markdown(agenda=context["agenda"], minutes=context["minutes"], when=context["when"])
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    day = event.starts_at.astimezone(train.tz).date().isoformat()
    response["Content-Disposition"] = attachment_disposition(
        download_filename(train.slug, event.kind, day, extension="md")
    )
    return response
