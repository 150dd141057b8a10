"""The improvement backlog: every improvement item of the train across PIs, with its source,
target PI and the feature that plans it; written, edited, moved along and planned in place
(htmx), or by plain forms without JavaScript."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from art.access import Action, check, object_for_user, permissions, train_for_user
from art.errors import ConflictError
from art.forms import apply_service_errors, submit
from art.http import HtmxHttpRequest
from art.models import ProgramIncrement, ReleaseTrain
from pi_planning.selectors.history import histories, history_counts, train_labels
from pi_planning.views.board import BOARD, board_context, board_url
from pi_planning.views.common import conflict_context, done, first_error, toast
from sync import services
from sync.forms.improvements import (
    ImprovementCreateForm,
    ImprovementEditForm,
    ImprovementStatusForm,
    target_of,
)
from sync.models import ImprovementItem
from sync.selectors.improvements import (
    DIRECT,
    NEXT_STATUS,
    NO_TARGET,
    SORTS,
    STATUS_TONES,
    ImprovementFilters,
    improvement_backlog,
    improvement_card,
    improvement_counts,
)
from sync.services.improvements import TAKE_PART_FIELDS
from sync.views.common import log_after_create

if TYPE_CHECKING:
    from sync.selectors.improvements import ImprovementRow

PAGE = "sync/improvements.html"
LEAD = (
    "What the train decided to improve: items written at each PI's Inspect & Adapt problem-solving "
    "workshop (or any time), each targeted at the PI whose planning takes it up."
)


def _pis(train: ReleaseTrain) -> list[ProgramIncrement]:
    return list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))


def _page_url(train: ReleaseTrain, anchor: str = "") -> str:
    return reverse("sync:improvements", kwargs={"slug": train.slug}) + (f"#{anchor}" if anchor else "")


def _item_of(
    request: HtmxHttpRequest, train: ReleaseTrain, item_id: int, action: Action = Action.VIEW
) -> ImprovementItem:
    return object_for_user(request.user, ImprovementItem.objects.filter(train=train), item_id, action)


def _decorate(
    row: ImprovementRow, can: dict[str, bool], counts: dict[int, int], state: dict[str, Any] | None = None
) -> None:
    tone, icon = STATUS_TONES[ImprovementItem.Status(row.status)]
    nxt, label = NEXT_STATUS[ImprovementItem.Status(row.status)]
    target = row.target_pi
    values = {
        "tone": tone,
        "icon": icon,
        "next_status": nxt,
        "next_label": label,
        "can_edit": can[Action.TAKE_PART],
        "can_delete": can[Action.MANAGE_TRAIN],
        "can_plan": bool(
            can[Action.EDIT_BACKLOG]
            and row.is_open
            and row.feature_id is None
            and target is not None
            and target.state != ProgramIncrement.State.CLOSED
        ),
        "history_count": counts.get(row.pk, 0),
        "form": None,
        "conflict": None,
        "refusal": None,
        "editing": None,
        "focus": None,
    }
    for name, value in {**values, **(state or {})}.items():
        setattr(row, name, value)


def _edit_form(
    request: HtmxHttpRequest, item: ImprovementItem, pis: list[ProgramIncrement], data: Any = None
) -> ImprovementEditForm:
    manages = permissions(request.user, item.train_id)[Action.MANAGE_TRAIN]
    return ImprovementEditForm(
        data,
        initial=ImprovementEditForm.values_of(item),  # disabled fields keep these
        pis=pis,
        current=item.target_pi_id,
        only=None if manages else TAKE_PART_FIELDS,
        auto_id=f"id_improvement-{item.pk}-%s",
    )


def _filters_showing(request: HtmxHttpRequest, item: ImprovementItem) -> ImprovementFilters:
    """The page's filters, widened so that they show `item`."""
    filters = ImprovementFilters.from_query(request.GET)
    if filters.status and filters.status != item.status:
        filters = dataclasses.replace(filters, status="")
    return dataclasses.replace(filters, target="", source="") if filters.target or filters.source else filters


def _context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    *,
    filters: ImprovementFilters | None = None,
    overrides: dict[int, dict[str, Any]] | None = None,
    create_form: ImprovementCreateForm | None = None,
) -> dict[str, Any]:
    can = permissions(request.user, train.pk)
    backlog = improvement_backlog(train=train, filters=filters or ImprovementFilters.from_query(request.GET))
    counts = history_counts(backlog.rows)
    for row in backlog.rows:
        _decorate(row, can, counts, (overrides or {}).get(row.pk))
    pis = _pis(train)
    context: dict[str, Any] = {
        "train": train,
        "can": can,
        "backlog": backlog,
        "rows": backlog.rows,
        "counts": backlog.counts,
        "filters": backlog.filters,
        "pis": pis,
        "sorts": list(SORTS.items()),
        "statuses": ImprovementItem.Status.choices,
        "no_target": NO_TARGET,
        "direct": DIRECT,
        "lead": LEAD,
    }
    if can[Action.TAKE_PART]:
        context["create_form"] = create_form or ImprovementCreateForm(pis=pis)
    return context


def _counts_oob(request: HtmxHttpRequest, train: ReleaseTrain) -> str:
    counts = improvement_counts(train=train)
    context = {
        "train": train,
        "counts": counts,
        "backlog": {"total": sum(c.count for c in counts)},
        "oob": True,
    }
    return render_to_string(f"{PAGE}#counts", context, request=request)


def _card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    item_id: int,
    *,
    status: int = 200,
    with_counts: bool = False,
    **state: Any,
) -> HttpResponse:
    """One item's card (and, after a write, the counts out of band)."""
    can = permissions(request.user, train.pk)
    row = improvement_card(pk=item_id, train=train)
    _decorate(row, can, history_counts([row]), state)
    html: str = render_to_string(f"{PAGE}#item", {"train": train, "can": can, "item": row}, request=request)
    if with_counts:
        html += _counts_oob(request, train)
    return HttpResponse(html, status=status)


def _refused(
    request: HtmxHttpRequest, train: ReleaseTrain, item: ImprovementItem, status: int, **state: Any
) -> HttpResponse:
    if request.htmx:
        return _card(request, train, item.pk, status=status, **state)
    context = _context(request, train, filters=_filters_showing(request, item), overrides={item.pk: state})
    return render(request, PAGE, context, status=status)


@require_GET
@login_required
def improvements(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    context = _context(request, train)
    if request.htmx and request.htmx.target == "improvement-log":
        return render(request, f"{PAGE}#log", context)
    return render(request, PAGE, context)


@require_GET
@login_required
def improvement(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """One card as it is now; `?edit=1` opens its edit form; `?part=history` its history. Without
    htmx (the link opened on its own) the page, with this card as asked."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _item_of(request, train, item_id)
    state: dict[str, Any] = {}
    if request.GET.get("part") == "history":
        entries = histories([found], train_labels(train.pk)).get(found.pk, [])
        if request.htmx:
            return render(request, "pi_planning/components.html#history-list", {"entries": entries})
        state = {"history": entries, "history_open": True}
    if request.GET.get("edit") and permissions(request.user, train.pk)[Action.TAKE_PART]:
        state = {"editing": True, "form": _edit_form(request, found, _pis(train))}
    if request.htmx:
        return _card(request, train, found.pk, **state)
    context = _context(request, train, filters=_filters_showing(request, found), overrides={found.pk: state})
    return render(request, PAGE, context)


@require_POST
@login_required
def improvement_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    check(request.user, Action.TAKE_PART, train.pk)
    pis = _pis(train)
    form = ImprovementCreateForm(request.POST, pis=pis)
    created = submit(
        form,
        lambda data: services.improvement_item_create(
            actor=request.user,
            train=train,
            title=data["title"],
            owner=data["owner"],
            description=data["description"],
            due_date=data["due_date"],
            target_pi=target_of(pis, data["target_pi"]),
        ),
    )
    if created is None:
        context = _context(request, train, create_form=form)
        context["open_create"] = True
        if request.htmx:
            response = render(request, f"{PAGE}#create", context, status=422)
            return reswap(retarget(response, "#improvement-create-details"), "outerHTML")
        return render(request, PAGE, context, status=422)
    message = f"Improvement item “{created.title}” added."
    if not request.htmx:
        messages.success(request, message)
        return redirect(_page_url(train, f"improvement-{created.pk}"))
    context = _context(
        request,
        train,
        filters=ImprovementFilters(),
        overrides={created.pk: {"focus": f"improvement-{created.pk}-status"}},
    )
    return log_after_create(request, PAGE, context, _page_url(train), message)


@require_POST
@login_required
def improvement_update(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _item_of(request, train, item_id, Action.TAKE_PART)
    pis = _pis(train)
    form = _edit_form(request, found, pis, request.POST)
    if form.is_valid():
        changes = form.changes()
        if "target_pi" in changes:
            changes["target_pi"] = target_of(pis, changes["target_pi"])
        try:
            updated = services.improvement_item_update(
                actor=request.user, item=found, version=form.cleaned_data["version"], **changes
            )
        except ConflictError as exc:
            conflict = conflict_context(form, ImprovementEditForm.values_of(exc.current), exc)
            return _refused(request, train, found, 409, conflict=conflict, editing=True)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done(
                request,
                lambda: _card(
                    request, train, updated.pk, with_counts=True, focus=f"improvement-{updated.pk}-edit"
                ),
                _page_url(train, f"improvement-{updated.pk}"),
                f"Improvement item “{updated.title}” saved."
                if changes
                else "Nothing to save: no field changed.",
            )
    return _refused(request, train, found, 422, form=form, editing=True)


@require_POST
@login_required
def improvement_status(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Move an item's status in one click (start, mark done, drop, reopen)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _item_of(request, train, item_id, Action.TAKE_PART)
    form = ImprovementStatusForm(request.POST, auto_id=f"id_improvement-{found.pk}-status-%s")
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return _refused(request, train, found, 422, refusal={"field": name, "message": errors[0]})
    try:
        updated = services.improvement_item_update(
            actor=request.user,
            item=found,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        )
    except ConflictError as exc:
        conflict = conflict_context(form, ImprovementStatusForm.values_of(exc.current), exc)
        return _refused(request, train, found, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = first_error(exc)
        return _refused(request, train, found, 422, refusal={"field": name, "message": message})
    message = f"“{updated.title}” is {updated.get_status_display().lower()}."
    return done(
        request,
        lambda: _card(request, train, updated.pk, with_counts=True, focus=f"improvement-{updated.pk}-status"),
        _page_url(train, f"improvement-{updated.pk}"),
        message,
    )


@require_POST
@login_required
def improvement_delete(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """The RTE deletes an item written by mistake (its history keeps a copy)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _item_of(request, train, item_id, Action.MANAGE_TRAIN)
    services.improvement_item_delete(actor=request.user, item=found)
    message = f"Improvement item “{found.title}” deleted."
    if not request.htmx:
        messages.success(request, message)
        return redirect(_page_url(train))
    return toast(HttpResponse(_counts_oob(request, train)), message)


@require_POST
@login_required
def improvement_plan(request: HtmxHttpRequest, slug: str, item_id: int) -> HttpResponse:
    """Plan an item into its target PI as an enabler feature. From the board's backlog panel
    (`from=board`) it answers the panel; from the backlog page, the item's card."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _item_of(request, train, item_id, Action.EDIT_BACKLOG)
    from_board = request.POST.get("from") == "board" and found.target_pi_id is not None
    try:
        planned = services.improvement_item_plan(actor=request.user, item=found)
    except ValidationError as exc:
        name, words = first_error(exc)
        if from_board and request.htmx:
            return toast(HttpResponse(status=422), words[:1].upper() + words[1:], "error")
        if not request.htmx and from_board:
            messages.error(request, words)
            return redirect(board_url(found.target_pi) + "?panel=backlog")  # type: ignore[arg-type]
        return _refused(request, train, found, 422, refusal={"field": name, "message": words})
    assert planned.feature is not None and planned.target_pi is not None
    message = f"“{planned.title}” planned as {planned.feature.key} in {planned.target_pi.name}."
    if from_board:
        pi = planned.target_pi
        pi.train = train
        if not request.htmx:
            messages.success(request, message)
            return redirect(board_url(pi) + "?panel=backlog")
        context = board_context(
            request, pi, panels=["backlog"], focus_id=f"backlog-improvements-{planned.pk}-link"
        )
        return toast(render(request, f"{BOARD}#backlog", context), message)
    return done(
        request,
        lambda: _card(
            request, train, planned.pk, with_counts=True, focus=f"improvement-{planned.pk}-feature"
        ),
        _page_url(train, f"improvement-{planned.pk}"),
        message,
    )
