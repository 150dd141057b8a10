"""The train's calendar: a quarter of month grids and the agenda list of the same events; the RTE
generates each open PI's calendar, adds events and sets the cadence; everyone gets their personal
iCal feed. Each event has its page (the ART sync's own page comes from sync.views.syncs).

Times are read and shown in the train's zone: every render and every form runs inside
django.utils.timezone.override(train.tz)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from art import rules
from art.access import Action, check, object_for_user, permissions, train_for_user
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest, toast
from art.models import EARLIEST_DATE, LATEST_DATE, ProgramIncrement, ReleaseTrain
from art.refusals import refusal_of
from sync import services
from sync.forms.calendar import WEEKDAY_CHOICES, CadenceForm, EventForm
from sync.models import Event
from sync.selectors.calendar import CalendarPage, calendar_data, calendar_window, event_page_data
from sync.services.calendar import HOLDS_MINUTES
from sync.views import demos, syncs

CALENDAR = "sync/calendar.html"
EVENT = "sync/event.html"
CADENCE = "sync/cadence.html"

#: How each kind reads besides its colour: an icon and its name (colour is never the only signal).
KIND_ICONS = {
    Event.Kind.ART_SYNC: "users",
    Event.Kind.COACH_SYNC: "team",
    Event.Kind.PO_SYNC: "user",
    Event.Kind.SYSTEM_DEMO: "eye",
    Event.Kind.INSPECT_ADAPT: "search",
    Event.Kind.PI_PLANNING: "board",
}
STATE_BADGES = {
    Event.State.PLANNED: ("neutral", "calendar"),
    Event.State.HELD: ("healthy", "check"),
    Event.State.CANCELLED: ("conflict", "x-circle"),
}


def _in_zone(request: HtmxHttpRequest, train: ReleaseTrain, template: str, context: dict, status: int = 200):
    with timezone.override(train.tz):
        return render(request, template, context, status=status)


def _string_in_zone(request: HtmxHttpRequest, train: ReleaseTrain, template: str, context: dict) -> str:
    with timezone.override(train.tz):
        return render_to_string(template, context, request=request)


def decorate(event: Event) -> Event:
    """What templates need to show an event's kind and state in words, icon and colour."""
    event.kind_icon = KIND_ICONS.get(Event.Kind(event.kind), "calendar")  # type: ignore[attr-defined]
    label = Event.Kind(event.kind).label
    event.kind_label = label  # type: ignore[attr-defined]
    # What a month cell shows beside the kind: "Iteration 2" of "ART sync · Iteration 2".
    prefix = f"{label} · "
    short = "" if event.title == label else event.title.removeprefix(prefix)
    event.short_title = short  # type: ignore[attr-defined]
    tone, icon = STATE_BADGES[Event.State(event.state)]
    event.state_tone, event.state_icon = tone, icon  # type: ignore[attr-defined]
    return event


def when_words(moment: dt.datetime, train: ReleaseTrain) -> str:
    """ "Wed 4 Mar 2026 at 10:00", in the train's zone."""
    local = moment.astimezone(train.tz)
    return f"{local:%a} {local.day} {local:%b %Y} at {local:%H:%M}"


def event_url(train: ReleaseTrain, event: Event) -> str:
    return reverse("sync:event", kwargs={"slug": train.slug, "event_id": event.pk})


def calendar_url(train: ReleaseTrain, start: dt.date | None = None, anchor: str = "") -> str:
    url = reverse("sync:calendar", kwargs={"slug": train.slug})
    if start is not None:
        url += f"?start={start.isoformat()}"
    return url + (f"#{anchor}" if anchor else "")


def _start_param(value: str | None) -> dt.date | None:
    """`?start=2026-03-01` (or `2026-03`, the month's first day); anything else is today."""
    value = (value or "").strip()
    try:
        day = dt.date.fromisoformat(value if len(value) != 7 else f"{value}-01")
    except ValueError:
        return None
    last = LATEST_DATE - dt.timedelta(days=rules.events.QUARTER_DAYS)
    return day if EARLIEST_DATE <= day <= last else None


# --- the calendar page -----------------------------------------------------------------------


def _feed_url(request: HtmxHttpRequest, token: str) -> str:
    return request.build_absolute_uri(reverse("sync:calendar_feed", kwargs={"token": token}))


def _calendar_context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    start: dt.date | None,
    *,
    add_form: EventForm | None = None,
    **extra: Any,
) -> dict[str, Any]:
    first, last = calendar_window(train, start)
    page: CalendarPage = calendar_data(train=train, start=first, end=last)
    for event in page.events:
        decorate(event)
    can = permissions(request.user, train.pk)
    context: dict[str, Any] = {
        "train": train,
        "can": can,
        "page": page,
        "start_param": start.isoformat() if start else "",
        "feed_url": _feed_url(request, services.calendar_feed_token(user=request.user)),
        "weekdays": [(name[:3], name) for name in rules.events.WEEKDAY_NAMES],
        **extra,
    }
    if can[Action.MANAGE_TRAIN]:
        context["add_form"] = add_form or EventForm(
            pis=page.open_pis or page.pis[:1], time_zone=train.time_zone, initial=_add_initial(page)
        )
    return context


def _add_initial(page: CalendarPage) -> dict[str, Any]:
    """A new event starts next working day at the sync's usual hour, in the PI under way."""
    day = page.today + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    starts = dt.datetime.combine(day, dt.time(10, 0), tzinfo=page.train.tz)
    current = next((pi for pi in reversed(page.open_pis) if pi.end_date >= day), None)
    return {
        "starts_at": starts,
        "ends_at": starts + dt.timedelta(hours=1),
        "pi": current.pk if current else None,
    }


@require_GET
@login_required
def calendar(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    context = _calendar_context(request, train, _start_param(request.GET.get("start")))
    if request.htmx and request.htmx.target == "calendar-body":
        # paging keeps the keyboard on the link that paged
        focus = request.GET.get("focus", "")
        context["focus_id"] = focus if focus in {"calendar-earlier", "calendar-later"} else ""
        return _in_zone(request, train, f"{CALENDAR}#calendar-body", context)
    return _in_zone(request, train, CALENDAR, context)


def _calendar_written(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    start: dt.date | None,
    message: str,
    anchor: str = "",
    focus_id: str = "",
) -> HttpResponse:
    """After a write on the calendar page: its body again and a toast (htmx), the keyboard's
    focus on what the write concerns; else back to the page."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(calendar_url(train, start, anchor))
    context = _calendar_context(request, train, start, focus_id=focus_id)
    body = _string_in_zone(request, train, f"{CALENDAR}#calendar-body", context)
    if context["can"][Action.MANAGE_TRAIN]:
        body += _string_in_zone(request, train, f"{CALENDAR}#add-event", {**context, "oob": True})
    return toast(HttpResponse(body), message)


@require_POST
@login_required
def calendar_generate(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """Generate a PI's calendar by the train's cadence (idempotent): the counts in words."""
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = object_for_user(
        request.user, ProgramIncrement.objects.filter(train=train), pi_id, Action.MANAGE_TRAIN
    )
    generated = services.pi_calendar_generate(actor=request.user, pi=pi)
    return _calendar_written(
        request,
        train,
        _start_param(request.POST.get("start")),
        generated.summary,
        focus_id=f"generate-{pi.pk}",
    )


@require_POST
@login_required
def event_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    start = _start_param(request.POST.get("start"))
    pis = list(ProgramIncrement.objects.filter(train=train).order_by("-start_date"))
    form = EventForm(request.POST, pis=pis, time_zone=train.time_zone)
    with timezone.override(train.tz):
        valid = form.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            created = services.event_create(
                actor=request.user,
                train=train,
                kind=data["kind"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                pi=data["pi"],
                location=data["location"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            message = f"“{created.title}” added on {when_words(created.starts_at, train)}."
            if not request.htmx:
                messages.success(request, message)
                return redirect(event_url(train, created))
            return _calendar_written(request, train, start, message, focus_id=f"agenda-{created.pk}-1")
    context = _calendar_context(request, train, start, add_form=form, open_add=True)
    if request.htmx:
        response = _in_zone(request, train, f"{CALENDAR}#add-event", context, status=422)
        return reswap(retarget(response, "#add-event"), "outerHTML")
    return _in_zone(request, train, CALENDAR, context, status=422)


@require_POST
@login_required
def calendar_feed_regenerate(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A new secret feed URL for the person: the old one answers 404 from now on."""
    train = train_for_user(request.user, slug, Action.VIEW)
    token = services.calendar_feed_regenerate(actor=request.user)
    message = "New feed URL made: the old one no longer works. Give calendar apps the new one."
    if not request.htmx:
        messages.success(request, message)
        return redirect(calendar_url(train, anchor="calendar-feed"))
    context = {"train": train, "feed_url": _feed_url(request, token), "feed_renewed": True}
    return toast(_in_zone(request, train, f"{CALENDAR}#feed", context), message)


# --- one event -------------------------------------------------------------------------------


def _event_of(
    request: HtmxHttpRequest, train: ReleaseTrain, event_id: int, action: Action = Action.VIEW
) -> Event:
    return object_for_user(
        request.user, Event.objects.filter(train=train).select_related("train", "pi"), event_id, action
    )


def _event_context(
    request: HtmxHttpRequest, train: ReleaseTrain, event: Event, **extra: Any
) -> dict[str, Any]:
    page = event_page_data(event=event)
    decorate(event)
    return {
        "train": train,
        "can": permissions(request.user, train.pk),
        "page": page,
        "event": event,
        "pi": event.pi,
        # Why it may not be deleted, in the service's words ("" if it may).
        "delete_refusal": HOLDS_MINUTES if page.has_minutes else "",
        # --- inspect & adapt: an I&A event links to its PI's Inspect & Adapt page
        "ia_url": reverse("sync:inspect_adapt", kwargs={"slug": train.slug, "pi_id": event.pi_id})
        if event.kind == Event.Kind.INSPECT_ADAPT and event.pi_id
        else "",
        # --- system demos and release notes: a system demo's event links to its iteration's record
        "demo_link": demos.demo_link_of(request.user, event),
        **extra,
    }


def _edit_form(train: ReleaseTrain, event: Event, pis: list[ProgramIncrement], data: Any = None) -> EventForm:
    return EventForm(
        data,
        pis=pis,
        time_zone=train.time_zone,
        initial=None if data is not None else EventForm.values_of(event),
        auto_id="id_edit-%s",
    )


def _event_answer(
    request: HtmxHttpRequest, train: ReleaseTrain, event: Event, status: int = 200, **extra: Any
) -> HttpResponse:
    """The event's page, or its details section for htmx."""
    context = _event_context(request, train, event, **extra)
    if request.htmx:
        return _in_zone(request, train, f"{EVENT}#event-details", context, status=status)
    return _in_zone(request, train, EVENT, context, status=status)


@require_GET
@login_required
def event(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _event_of(request, train, event_id)
    details = (
        request.GET.get("details")
        or request.GET.get("edit")
        or (request.htmx and request.htmx.target == "event-details")
    )
    if found.is_sync and not details:  # an ART sync's page runs its agenda and records its minutes
        response = syncs.sync_page(request, train, found)
        if response is not None:
            return response
    extra: dict[str, Any] = {}
    if request.GET.get("edit") and permissions(request.user, train.pk)[Action.MANAGE_TRAIN]:
        pis = list(ProgramIncrement.objects.filter(train=train).order_by("-start_date"))
        extra["edit_form"] = _edit_form(train, found, pis)
    return _event_answer(request, train, found, **extra)


@require_POST
@login_required
def event_update(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _event_of(request, train, event_id, Action.MANAGE_TRAIN)
    pis = list(ProgramIncrement.objects.filter(train=train).order_by("-start_date"))
    form = _edit_form(train, found, pis, request.POST)
    with timezone.override(train.tz):
        valid = form.is_valid()
    if valid:
        data = dict(form.cleaned_data)
        version = data.pop("version", None)
        try:
            saved = services.event_update(actor=request.user, event=found, version=version, **data)
        except ConflictError as exc:
            current = _event_of(request, train, event_id)
            form = _edit_form(train, current, pis, {**request.POST.dict(), "version": exc.current.version})
            with timezone.override(train.tz):
                form.is_valid()
            return _event_answer(request, train, current, status=409, edit_form=form, conflict=exc)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            message = (
                f"“{saved.title}” saved."
                if saved.version != found.version
                else "Nothing to save: no field changed."
            )
            if not request.htmx:
                messages.success(request, message)
                return redirect(event_url(train, saved))
            return toast(_event_answer(request, train, _event_of(request, train, event_id)), message)
    return _event_answer(request, train, found, status=422, edit_form=form)


@require_POST
@login_required
def event_state(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    """Cancel an event, or plan a cancelled one again."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _event_of(request, train, event_id, Action.MANAGE_TRAIN)
    state = request.POST.get("state", Event.State.CANCELLED)
    version = request.POST.get("version", "")
    try:
        saved = services.event_update(
            actor=request.user,
            event=found,
            version=int(version) if version.isdigit() else None,
            state=state,
        )
    except (ConflictError, ValidationError) as exc:
        refusal = refusal_of(exc)
        return _event_answer(
            request, train, _event_of(request, train, event_id), status=refusal.status, refusal=refusal
        )
    message = (
        f"“{saved.title}” is cancelled."
        if saved.state == Event.State.CANCELLED
        else f"“{saved.title}” is planned again."
    )
    if not request.htmx:
        messages.success(request, message)
        return redirect(event_url(train, saved))
    return toast(_event_answer(request, train, _event_of(request, train, event_id)), message)


@require_POST
@login_required
def event_delete(request: HtmxHttpRequest, slug: str, event_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _event_of(request, train, event_id, Action.MANAGE_TRAIN)
    try:
        services.event_delete(actor=request.user, event=found)
    except ValidationError as exc:
        return _event_answer(request, train, found, status=422, refusal=refusal_of(exc))
    messages.success(request, f"“{found.title}” of {when_words(found.starts_at, train)} deleted.")
    url = calendar_url(train)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


# --- the cadence -----------------------------------------------------------------------------


def _cadence_context(request: HtmxHttpRequest, train: ReleaseTrain, **extra: Any) -> dict[str, Any]:
    cadence = services.cadence_of(train)
    can = permissions(request.user, train.pk)
    context: dict[str, Any] = {
        "train": train,
        "can": can,
        "cadence": cadence,
        "weekday_names": [rules.events.WEEKDAY_NAMES[d] for d in cadence.sync_weekdays],
        "weekday_choices": WEEKDAY_CHOICES[:5],
        "rule": rules.events.CALENDAR_RULE,
        "open_pis": list(
            ProgramIncrement.objects.filter(train=train)
            .exclude(state=ProgramIncrement.State.CLOSED)
            .order_by("start_date")
        ),
        **extra,
    }
    if can[Action.MANAGE_TRAIN] and "form" not in context:
        context["form"] = CadenceForm(initial=CadenceForm.values_of(cadence))
    return context


@require_http_methods(["GET", "POST"])
@login_required
def cadence(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    if request.method == "GET":
        context = _cadence_context(request, train)
        if request.htmx and request.htmx.target == "cadence":
            return _in_zone(request, train, f"{CADENCE}#cadence", context)
        return _in_zone(request, train, CADENCE, context)
    check(request.user, Action.MANAGE_TRAIN, train.pk)
    form = CadenceForm(request.POST)
    if form.is_valid():
        try:
            services.cadence_update(actor=request.user, train=train, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            open_pis = _cadence_context(request, train)["open_pis"]
            names = ", ".join(pi.name for pi in open_pis)
            message = "Cadence saved." + (
                f" The calendar of {names} follows it (events a person edited stay as they are)."
                if names
                else ""
            )
            if not request.htmx:
                messages.success(request, message)
                return redirect(reverse("sync:cadence", kwargs={"slug": train.slug}))
            return toast(
                _in_zone(request, train, f"{CADENCE}#cadence", _cadence_context(request, train)), message
            )
    context = _cadence_context(request, train, form=form)
    template = f"{CADENCE}#cadence" if request.htmx else CADENCE
    return _in_zone(request, train, template, context, status=422)
