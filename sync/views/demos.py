"""System demos: the PI's demos page (each development iteration with its demo and how it went),
and one iteration's demo, the iteration's record: prepared and run by the RTE, decided by
business owners, with the stakeholders' feedback. Every edit answers its fragment with htmx; the
plain forms work without JavaScript (a redirect back with a message)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art.access import Action, can, check, object_for_user, permissions, train_for_user
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest, toast
from art.models import Feature, Iteration, ProgramIncrement, ReleaseTrain
from art.rules import flow, keys, releases
from sync import services
from sync.forms.demos import (
    DemoFeedbackForm,
    DemoItemAddForm,
    DemoItemForm,
    DemoItemMoveForm,
    DemoSummaryForm,
)
from sync.models import DemoFeedback, DemoItem, Event, SystemDemo
from sync.selectors.demos import demo_queryset, demo_record, iteration_of_event, pi_demos
from sync.services.demos import check_decide, may_decide, may_delete_feedback

DEMOS = "sync/demos.html"
DEMO = "sync/demo.html"
RULE = (
    "A system demo closes every development iteration: the train shows the features it finished, "
    "business owners accept them or not, and stakeholders give feedback."
)


def _pi(request: HtmxHttpRequest, slug: str, pi_id: int) -> tuple[ReleaseTrain, ProgramIncrement]:
    train = train_for_user(request.user, slug, Action.VIEW)
    pi = object_for_user(request.user, ProgramIncrement.objects.filter(train=train), pi_id, Action.VIEW)
    pi.train = train
    return train, pi


def _iteration(
    request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int
) -> tuple[ReleaseTrain, ProgramIncrement, Iteration]:
    train, pi = _pi(request, slug, pi_id)
    iteration = Iteration.objects.filter(pi=pi, pk=iteration_id).first()
    if iteration is None:
        raise Http404("No such iteration in this PI")
    iteration.pi = pi
    return train, pi, iteration


def demo_url(train: ReleaseTrain, iteration: Iteration, anchor: str = "") -> str:
    url = reverse(
        "sync:demo", kwargs={"slug": train.slug, "pi_id": iteration.pi_id, "iteration_id": iteration.pk}
    )
    return url + (f"#{anchor}" if anchor else "")


# --- the PI's demos --------------------------------------------------------------------------


@require_GET
@login_required
def pi_demos_page(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _pi(request, slug, pi_id)
    rows = pi_demos(pi=pi)
    context = {
        "train": train,
        "pi": pi,
        "can": permissions(request.user, train.pk),
        "rows": rows,
        "rule": RULE,
        "held": sum(1 for r in rows if r.demo and r.demo.state == SystemDemo.State.HELD),
        "development": sum(1 for r in rows if not r.is_ip),
    }
    return render(request, DEMOS, context)


# --- one iteration's demo --------------------------------------------------------------------


def _decorate_item(item: DemoItem, can_decide: bool, can_run: bool, state: dict[str, Any] | None) -> None:
    item.can_decide = can_decide  # type: ignore[attr-defined]
    item.can_run = can_run  # type: ignore[attr-defined]
    for name in ("form", "conflict", "refusal", "focus"):
        setattr(item, name, None)
    for name, value in (state or {}).items():
        setattr(item, name, value)
    if item.can_decide and item.form is None:  # type: ignore[attr-defined]
        item.form = DemoItemForm(  # type: ignore[attr-defined]
            item_id=item.pk, initial={"outcome": item.outcome, "notes": item.notes, "version": item.version}
        )


def _feature_choices(items: list[DemoItem]) -> list[tuple[int, str]]:
    return [(item.feature_id, f"{item.feature.key} {item.feature.title}") for item in items]


def _context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    iteration: Iteration,
    *,
    items_state: dict[int, dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    can_flags = permissions(request.user, train.pk)
    demo = demo_queryset().filter(iteration=iteration).first()
    context: dict[str, Any] = {
        "train": train,
        "pi": pi,
        "iteration": iteration,
        "can": can_flags,
        "demo": demo,
        "rule": RULE,
        "ip_refusal": releases.ip_iteration_refusal(iteration.name) if iteration.is_ip else "",
    }
    if demo is None:
        context.update(extra)
        return context
    record = demo_record(demo=demo)
    can_decide = may_decide(request.user, train.pk)
    can_run = can_flags[Action.RUN_EVENTS]
    for index, item in enumerate(record.items):
        item.index, item.is_first = index, index == 0  # type: ignore[attr-defined]
        item.is_last = index == len(record.items) - 1  # type: ignore[attr-defined]
        _decorate_item(item, can_decide, can_run, (items_state or {}).get(item.pk))
    for note in record.feedback:
        note.can_delete = may_delete_feedback(request.user, note, train.pk)  # type: ignore[attr-defined]
    on_demo = {item.feature_id for item in record.items}
    context.update(
        record=record,
        items=record.items,
        feedback=record.feedback,
        outcome=record.outcome,
        can_decide=can_decide,
    )
    if can_run:
        context["summary_form"] = DemoSummaryForm(
            initial={"summary": demo.summary, "state": demo.state, "version": demo.version}
        )
        context["add_form"] = DemoItemAddForm()
        # Suggestions for the add field: the PI's features not on the demo yet.
        context["suggestions"] = [
            (keys.card_key(keys.FEATURE, number, external_key), title)
            for number, external_key, title in Feature.objects.filter(
                Q(pi=pi) | Q(iteration__pi=pi), train=train
            )
            .exclude(pk__in=on_demo)
            .order_by("number")
            .values_list("number", "external_key", "title")
        ]
    if can_flags[Action.TAKE_PART]:
        context["feedback_form"] = DemoFeedbackForm(features=_feature_choices(record.items))
    window = flow.day_bounds(iteration.start_date, iteration.end_date + dt.timedelta(days=1), train.tz)
    event = (
        Event.objects.filter(
            train=train,
            kind=Event.Kind.SYSTEM_DEMO,
            starts_at__gte=window[0],
            starts_at__lt=window[1],
        )
        .order_by("starts_at")
        .first()
    )
    context["event"] = event
    context.update(extra)
    return context


def _answer(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    iteration: Iteration,
    part: str = "record",
    *,
    status: int = 200,
    message: str = "",
    anchor: str = "",
    **extra: Any,
) -> HttpResponse:
    """After a write (or a refusal): the fragment `part` of the demo's page with htmx (and the
    tally out of band), else the whole page; a success without htmx redirects back."""
    if not request.htmx:
        if status == 200 and message:
            messages.success(request, message)
            return redirect(demo_url(train, iteration, anchor))
        return render(request, DEMO, _context(request, train, pi, iteration, **extra), status=status)
    context = _context(request, train, pi, iteration, **extra)
    if part == "item":
        item = next(i for i in context["items"] if i.pk == extra["item_id"])
        html = render_to_string(f"{DEMO}#item", {**context, "item": item}, request=request)
        html += render_to_string(f"{DEMO}#tally", {**context, "oob": True}, request=request)
        html += render_to_string(f"{DEMO}#outcome", {**context, "oob": True}, request=request)
    else:
        html = render_to_string(f"{DEMO}#{part}", context, request=request)
        if part not in ("record", "page-body"):
            html += render_to_string(f"{DEMO}#tally", {**context, "oob": True}, request=request)
        if part not in ("record", "page-body", "summary"):
            html += render_to_string(f"{DEMO}#outcome", {**context, "oob": True}, request=request)
    response = HttpResponse(html, status=status)
    return toast(response, message) if message and status == 200 else response


@require_GET
@login_required
def demo_page(request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int) -> HttpResponse:
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    context = _context(request, train, pi, iteration)
    if request.htmx and request.htmx.target == "demo-record" and context["demo"] is not None:
        return render(request, f"{DEMO}#record", context)
    return render(request, DEMO, context)


@require_POST
@login_required
def demo_prepare(request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int) -> HttpResponse:
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    try:
        demo, created = services.system_demo_prepare(actor=request.user, iteration=iteration)
    except ValidationError as exc:
        return _answer(
            request, train, pi, iteration, "page-body", status=422, prepare_refusal=exc.messages[0]
        )
    shown = demo.items.count()
    message = (
        f"System demo of {iteration.name} prepared with the {shown} feature{'s' if shown != 1 else ''} "
        "finished in it."
        if created
        else f"The system demo of {iteration.name} was prepared already."
    )
    return _answer(request, train, pi, iteration, "page-body", message=message, focus_id="demo-items-title")


@require_POST
@login_required
def demo_update(request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int) -> HttpResponse:
    """The summary and the state (held or planned) of the demo."""
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    demo = _demo_of(iteration)
    form = DemoSummaryForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            saved = services.system_demo_update(actor=request.user, demo=demo, version=version, **data)
        except ConflictError as exc:
            retry = DemoSummaryForm({**request.POST.dict(), "version": exc.current.version})
            return _answer(
                request, train, pi, iteration, "summary", status=409, summary_form=retry, summary_conflict=exc
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if saved.version == demo.version:
                message = "Nothing to save: no field changed."
            elif saved.state != demo.state:
                message = f"System demo of {iteration.name} marked {saved.get_state_display().lower()}."
            else:
                message = "Summary saved."
            return _answer(request, train, pi, iteration, "summary", message=message, anchor="demo-summary")
    return _answer(request, train, pi, iteration, "summary", status=422, summary_form=form)


def _demo_of(iteration: Iteration) -> SystemDemo:
    demo = SystemDemo.objects.filter(iteration=iteration).first()
    if demo is None:
        raise Http404("This iteration's system demo is not prepared yet")
    return demo


def _item_of(iteration: Iteration, item_id: int) -> DemoItem:
    item = (
        DemoItem.objects.filter(demo__iteration=iteration, pk=item_id)
        .select_related("demo", "feature")
        .first()
    )
    if item is None:
        raise Http404("No such feature on this demo")
    return item


def feature_by_key(train: ReleaseTrain, key: str) -> Feature | None:
    """A feature of the train by the key the app shows: its external key, or F-<number>."""
    key = key.strip()
    found = Feature.objects.filter(train=train, external_key=key).first()
    number = keys.parse_card_key(key, keys.FEATURE)
    if found is None and number is not None:
        found = Feature.objects.filter(train=train, number=number).first()
    return found


@require_POST
@login_required
def demo_item_add(request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int) -> HttpResponse:
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    demo = _demo_of(iteration)
    form = DemoItemAddForm(request.POST)
    if form.is_valid():
        feature = feature_by_key(train, form.cleaned_data["feature"])
        if feature is None:
            form.add_error("feature", f"no feature of this train has the key {form.cleaned_data['feature']}")
        else:
            try:
                services.demo_item_add(actor=request.user, demo=demo, feature=feature)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                message = f"{feature.key} “{feature.title}” added to the demo."
                return _answer(
                    request,
                    train,
                    pi,
                    iteration,
                    "items",
                    message=message,
                    anchor="demo-items",
                    focus_id="id_demo-add-feature",
                )
    return _answer(
        request, train, pi, iteration, "items", status=422, add_form=form, focus_id="id_demo-add-feature"
    )


@require_POST
@login_required
def demo_item_update(
    request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int, item_id: int
) -> HttpResponse:
    """Accepted, not accepted or not decided, with notes (business owners and the RTE)."""
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    item = _item_of(iteration, item_id)
    check_decide(request.user, train.pk)
    form = DemoItemForm(request.POST, item_id=item.pk)
    state: dict[str, Any] = {}
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            saved = services.demo_item_update(actor=request.user, item=item, version=version, **data)
        except ConflictError as exc:
            retry = DemoItemForm({**request.POST.dict(), "version": exc.current.version}, item_id=item.pk)
            state = {"form": retry, "conflict": exc}
            return _answer(
                request,
                train,
                pi,
                iteration,
                "item",
                status=409,
                item_id=item.pk,
                items_state={item.pk: state},
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            label = DemoItem.Outcome(saved.outcome).label.lower()
            message = (
                f"{item.feature.key}: {label}."
                if saved.version != item.version
                else "Nothing to save: no field changed."
            )
            state = {"focus": f"item-{item.pk}-save"}
            return _answer(
                request,
                train,
                pi,
                iteration,
                "item",
                message=message,
                anchor=f"demo-item-{item.pk}",
                item_id=item.pk,
                items_state={item.pk: state},
            )
    return _answer(
        request,
        train,
        pi,
        iteration,
        "item",
        status=422,
        item_id=item.pk,
        items_state={item.pk: {"form": form}},
    )


@require_POST
@login_required
def demo_item_move(
    request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int, item_id: int
) -> HttpResponse:
    """Up or down one place (the keyboard's way of ordering the demo), or to a position."""
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    item = _item_of(iteration, item_id)
    form = DemoItemMoveForm(request.POST)
    if not form.is_valid():
        return _answer(
            request, train, pi, iteration, "items", status=422, items_refusal=form.errors.as_text()
        )
    order = list(
        DemoItem.objects.filter(demo_id=item.demo_id).order_by("position", "id").values_list("pk", flat=True)
    )
    index = order.index(item.pk)
    services.demo_item_move(actor=request.user, item=item, position=form.cleaned_data["position"])
    direction = "up" if form.cleaned_data["position"] < index else "down"
    return _answer(
        request,
        train,
        pi,
        iteration,
        "items",
        message=f"{item.feature.key} moved {direction}.",
        anchor=f"demo-item-{item.pk}",
        focus_id=f"item-{item.pk}-{direction}",
    )


@require_POST
@login_required
def demo_item_remove(
    request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int, item_id: int
) -> HttpResponse:
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    item = _item_of(iteration, item_id)
    services.demo_item_remove(actor=request.user, item=item)
    message = f"{item.feature.key} “{item.feature.title}” taken off the demo."
    return _answer(
        request,
        train,
        pi,
        iteration,
        "items",
        message=message,
        anchor="demo-items",
        focus_id="demo-items-title",
    )


@require_POST
@login_required
def demo_feedback_add(request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int) -> HttpResponse:
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    check(request.user, Action.TAKE_PART, train.pk)
    demo = _demo_of(iteration)
    record = demo_record(demo=demo)
    form = DemoFeedbackForm(request.POST, features=_feature_choices(record.items))
    if form.is_valid():
        data = form.cleaned_data
        feature = next((i.feature for i in record.items if i.feature_id == data["feature"]), None)
        try:
            services.demo_feedback_add(
                actor=request.user,
                demo=demo,
                text=data["text"],
                stakeholder=data["stakeholder"],
                feature=feature,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _answer(
                request,
                train,
                pi,
                iteration,
                "feedback",
                message="Feedback noted.",
                anchor="demo-feedback",
                focus_id="id_feedback-text",
            )
    return _answer(request, train, pi, iteration, "feedback", status=422, feedback_form=form)


@require_POST
@login_required
def demo_feedback_delete(
    request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int, feedback_id: int
) -> HttpResponse:
    train, pi, iteration = _iteration(request, slug, pi_id, iteration_id)
    note = (
        DemoFeedback.objects.filter(demo__iteration=iteration, pk=feedback_id).select_related("demo").first()
    )
    if note is None:
        raise Http404("No such feedback note on this demo")
    services.demo_feedback_delete(actor=request.user, feedback=note)
    return _answer(
        request,
        train,
        pi,
        iteration,
        "feedback",
        message="Feedback note deleted.",
        anchor="demo-feedback",
        focus_id="demo-feedback-title",
    )


def demo_link_of(user: Any, event: Event) -> dict[str, str] | None:
    """The demo page of the iteration a system-demo event falls in (for the event's page)."""
    if event.kind != Event.Kind.SYSTEM_DEMO or not can(user, Action.VIEW, event.train_id):
        return None
    iteration = iteration_of_event(event)
    if iteration is None or iteration.is_ip:
        return None
    return {"url": demo_url(event.train, iteration), "label": f"System demo record of {iteration.name}"}
