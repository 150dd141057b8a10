"""The impediment log: the train's impediments, oldest first, with their age and aging; raised,
edited, resolved and reopened in place (htmx), or by plain forms without JavaScript."""

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
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget

from art import rules
from art.access import Action, check, my_team_id, object_for_user, permissions, train_for_user
from art.errors import ConflictError
from art.forms import apply_service_errors, submit
from art.http import HtmxHttpRequest
from art.models import ReleaseTrain, Team
from pi_planning.views.common import conflict_context, done, first_error, toast
from sync import services
from sync.forms.impediments import (
    ImpedimentCreateForm,
    ImpedimentEditForm,
    ImpedimentStatusForm,
    team_choices,
)
from sync.models import Impediment
from sync.selectors.impediments import (
    ALL,
    SORTS,
    STATUSES,
    ImpedimentFilters,
    impediment_card,
    impediment_counts,
    impediment_list,
)
from sync.views.common import log_after_create

if TYPE_CHECKING:
    from sync.selectors.impediments import ImpedimentRow

LOG = "sync/impediments.html"
RULE = (
    f"An impediment open {rules.syncs.IMPEDIMENT_AGING_DAYS} days or more is aging; "
    "the oldest open ones come to every ART sync as blockers."
)


def _teams(train: ReleaseTrain) -> list[Team]:
    return list(Team.objects.filter(train=train).order_by("name"))


def _team(teams: list[Team], team_id: int | None) -> Team | None:
    return next((t for t in teams if t.pk == team_id), None)


def _log_url(train: ReleaseTrain, anchor: str = "") -> str:
    url = reverse("sync:impediments", kwargs={"slug": train.slug})
    return url + (f"#{anchor}" if anchor else "")


def _impediment_of(
    request: HtmxHttpRequest, train: ReleaseTrain, impediment_id: int, action: Action = Action.VIEW
) -> Impediment:
    return object_for_user(request.user, Impediment.objects.filter(train=train), impediment_id, action)


def _decorate(row: ImpedimentRow, can: dict[str, bool], state: dict[str, Any] | None = None) -> None:
    row.can_edit = can[Action.TAKE_PART]  # type: ignore[attr-defined]
    row.can_delete = can[Action.MANAGE_TRAIN]  # type: ignore[attr-defined]
    for name in ("form", "conflict", "refusal", "editing", "focus"):
        setattr(row, name, None)
    for name, value in (state or {}).items():
        setattr(row, name, value)


def _create_form(request: HtmxHttpRequest, train: ReleaseTrain, teams: list[Team]) -> ImpedimentCreateForm:
    """A blank form; a team member's own team comes chosen."""
    return ImpedimentCreateForm(
        teams=team_choices(teams), initial={"team": my_team_id(request.user, train.pk)}
    )


def _filters_showing(request: HtmxHttpRequest, impediment: Impediment) -> ImpedimentFilters:
    """The page's filters, widened to the status of the impediment it must show."""
    filters = ImpedimentFilters.from_query(request.GET)
    if filters.status not in (ALL, impediment.status):
        filters = dataclasses.replace(filters, status=impediment.status)
    return filters


def _context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    *,
    filters: ImpedimentFilters | None = None,
    overrides: dict[int, dict[str, Any]] | None = None,
    create_form: ImpedimentCreateForm | None = None,
) -> dict[str, Any]:
    can = permissions(request.user, train.pk)
    log = impediment_list(train=train, filters=filters or ImpedimentFilters.from_query(request.GET))
    teams = _teams(train)
    for row in log.rows:
        _decorate(row, can, (overrides or {}).get(row.pk))
    context: dict[str, Any] = {
        "train": train,
        "can": can,
        "log": log,
        "rows": log.rows,
        "counts": log.counts,
        "filters": log.filters,
        "teams": teams,
        "categories": Impediment.Category.choices,
        "escalations": Impediment.Escalation.choices,
        "statuses": list(STATUSES.items()),
        "sorts": list(SORTS.items()),
        "rule": RULE,
        "aging_days": rules.syncs.IMPEDIMENT_AGING_DAYS,
        "now": timezone.now(),
    }
    if can[Action.TAKE_PART]:
        context["create_form"] = create_form or _create_form(request, train, teams)
    return context


def _card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    impediment_id: int,
    *,
    status: int = 200,
    with_counts: bool = False,
    **state: Any,
) -> HttpResponse:
    """One impediment's card (and, after a write, the header's counts out of band)."""
    can = permissions(request.user, train.pk)
    row = impediment_card(pk=impediment_id)
    _decorate(row, can, state)
    context = {"train": train, "can": can, "imp": row}
    html: str = render_to_string(f"{LOG}#impediment", context, request=request)
    if with_counts:
        html += _counts_oob(request, train)
    return HttpResponse(html, status=status)


def _counts_oob(request: HtmxHttpRequest, train: ReleaseTrain) -> str:
    context = {"train": train, "counts": impediment_counts(train=train), "oob": True}
    return render_to_string(f"{LOG}#counts", context, request=request)


def _refused(
    request: HtmxHttpRequest, train: ReleaseTrain, impediment: Impediment, status: int, **state: Any
) -> HttpResponse:
    """A refused write of one card: the card with the reason (htmx), else the page with it."""
    if request.htmx:
        return _card(request, train, impediment.pk, status=status, **state)
    context = _context(
        request, train, filters=_filters_showing(request, impediment), overrides={impediment.pk: state}
    )
    return render(request, LOG, context, status=status)


def _edit_form(
    train: ReleaseTrain, impediment: Impediment, teams: list[Team], data: Any = None
) -> ImpedimentEditForm:
    return ImpedimentEditForm(
        data,
        initial=None if data is not None else ImpedimentEditForm.values_of(impediment),
        teams=team_choices(teams),
        auto_id=f"id_impediment-{impediment.pk}-%s",
    )


@require_GET
@login_required
def impediments(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    context = _context(request, train)
    if request.htmx and request.htmx.target == "impediment-log":
        return render(request, f"{LOG}#log", context)
    return render(request, LOG, context)


@require_GET
@login_required
def impediment(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    """One card as it is now; `?edit=1` opens its edit form (for those who may edit)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _impediment_of(request, train, impediment_id)
    state: dict[str, Any] = {}
    if request.GET.get("edit") and permissions(request.user, train.pk)[Action.TAKE_PART]:
        state = {"editing": True, "form": _edit_form(train, found, _teams(train))}
    if request.htmx:
        return _card(request, train, found.pk, **state)
    context = _context(request, train, filters=_filters_showing(request, found), overrides={found.pk: state})
    return render(request, LOG, context)


@require_POST
@login_required
def impediment_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    check(request.user, Action.TAKE_PART, train.pk)
    teams = _teams(train)
    form = ImpedimentCreateForm(request.POST, teams=team_choices(teams))
    created = submit(
        form,
        lambda data: services.impediment_create(
            actor=request.user,
            train=train,
            title=data["title"],
            category=data["category"],
            team=_team(teams, data["team"]),
            owner=data["owner"],
            escalation=data["escalation"],
            description=data["description"],
            created_at=form.created_at_in(train.time_zone),
        ),
    )
    if created is None:
        context = _context(request, train, create_form=form)
        context["open_create"] = True
        if request.htmx:
            response = render(request, f"{LOG}#create", context, status=422)
            return reswap(retarget(response, "#impediment-create-details"), "outerHTML")
        return render(request, LOG, context, status=422)
    message = f"Impediment “{created.title}” raised."
    if not request.htmx:
        messages.success(request, message)
        return redirect(_log_url(train, f"impediment-{created.pk}"))
    # The log as it opens (open impediments, oldest first), with the new one in it, its Resolve
    # button focused (it names the impediment).
    context = _context(request, train, filters=ImpedimentFilters())
    context["focus_id"] = f"impediment-{created.pk}-status"
    return log_after_create(request, LOG, context, _log_url(train), message)


@require_POST
@login_required
def impediment_update(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _impediment_of(request, train, impediment_id, Action.TAKE_PART)
    teams = _teams(train)
    form = _edit_form(train, found, teams, request.POST)
    if form.is_valid():
        changes = form.changes()
        if "team" in changes:
            changes["team"] = _team(teams, changes["team"])
        try:
            updated = services.impediment_update(
                actor=request.user, impediment=found, version=form.cleaned_data["version"], **changes
            )
        except ConflictError as exc:
            conflict = conflict_context(form, ImpedimentEditForm.values_of(exc.current), exc)
            return _refused(request, train, found, 409, conflict=conflict, editing=True)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done(
                request,
                lambda: _card(
                    request, train, updated.pk, with_counts=True, focus=f"impediment-{updated.pk}-edit"
                ),
                _log_url(train, f"impediment-{updated.pk}"),
                f"Impediment “{updated.title}” saved." if changes else "Nothing to save: no field changed.",
            )
    return _refused(request, train, found, 422, form=form, editing=True)


@require_POST
@login_required
def impediment_status(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    """Resolve an impediment, or open it again."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _impediment_of(request, train, impediment_id, Action.TAKE_PART)
    form = ImpedimentStatusForm(request.POST, auto_id=f"id_impediment-{found.pk}-status-%s")
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return _refused(request, train, found, 422, refusal={"field": name, "message": errors[0]})
    try:
        updated = services.impediment_update(
            actor=request.user,
            impediment=found,
            version=form.cleaned_data["version"],
            status=form.cleaned_data["status"],
        )
    except ConflictError as exc:
        conflict = conflict_context(form, ImpedimentStatusForm.values_of(exc.current), exc)
        return _refused(request, train, found, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = first_error(exc)
        return _refused(request, train, found, 422, refusal={"field": name, "message": message})
    if updated.status == found.status:
        message = f"“{updated.title}” was already {updated.get_status_display().lower()}."
    elif updated.status == Impediment.Status.RESOLVED:
        message = f"“{updated.title}” resolved."
    else:
        message = f"“{updated.title}” is open again."
    return done(
        request,
        lambda: _card(request, train, updated.pk, with_counts=True, focus=f"impediment-{updated.pk}-status"),
        _log_url(train, f"impediment-{updated.pk}"),
        message,
    )


@require_POST
@login_required
def impediment_delete(request: HtmxHttpRequest, slug: str, impediment_id: int) -> HttpResponse:
    """The RTE deletes an impediment logged by mistake (its history keeps a copy)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    found = _impediment_of(request, train, impediment_id, Action.MANAGE_TRAIN)
    services.impediment_delete(actor=request.user, impediment=found)
    message = f"Impediment “{found.title}” deleted."
    if not request.htmx:
        messages.success(request, message)
        return redirect(_log_url(train))
    return toast(HttpResponse(_counts_oob(request, train)), message)
