"""The ROAM board: risks in their ROAM columns, moved by drag or by menu, edited, with their
history."""

from __future__ import annotations

import typing
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

from art import rules
from art.access import (
    Action,
    can,
    check,
    object_for_user,
)
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest, toast
from art.models import ProgramIncrement, ReleaseTrain, Team
from pi_planning import services
from pi_planning.forms.risks import RiskCreateForm, RiskEditForm, RiskMoveForm
from pi_planning.models import Risk
from pi_planning.selectors.risks import risk_board, risk_card
from pi_planning.views.common import base_context, conflict_context, done, first_error, train_and_pi

if TYPE_CHECKING:
    from pi_planning.selectors.risks import RiskCard

RISKS = "pi_planning/risks.html"


def _team_choices(train: ReleaseTrain) -> list[Team]:
    return list(Team.objects.filter(train=train).order_by("name"))


def _decorate_risk(request: HtmxHttpRequest, train: ReleaseTrain, risk: RiskCard) -> None:
    risk.can_edit = can(request.user, Action.EDIT_RISK, train.pk)
    risk.roam_label = Risk.Roam(risk.roam).label
    risk.moves = [(value, Risk.Roam(value).label) for value in risk.next_roams]
    for name in ("form", "conflict", "refusal", "editing"):
        if not hasattr(risk, name):
            setattr(risk, name, None)


def _risks_context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    *,
    overrides: dict[int, dict[str, Any]] | None = None,
    create_form: RiskCreateForm | None = None,
    opened: int | None = None,
) -> dict[str, Any]:
    """The page's context; the card `opened` (its own link, opened without htmx) is shown
    whatever the team filter, and focused."""
    context = base_context(request, train, pi)
    team = "" if opened is not None else request.GET.get("team", "")
    board = risk_board(train=train, pi=pi, team=int(team) if team.isdigit() else None)
    overrides = overrides or {}
    for column in board["columns"]:
        for risk in column.risks:
            for name, value in overrides.get(risk.pk, {}).items():
                setattr(risk, name, value)
            risk.opened = risk.pk == opened
            _decorate_risk(request, train, risk)
    teams = _team_choices(train)
    context.update(board)
    context.update(teams=teams, rule=rules.risks.ROAM_RULE, team_filter=int(team) if team.isdigit() else None)
    if context["can"][Action.EDIT_RISK]:
        context["create_form"] = create_form or RiskCreateForm(teams=teams)
    return context


def _risks_url(train: ReleaseTrain, pi: ProgramIncrement, anchor: str = "") -> str:
    url = reverse("pi_planning:risks", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return url + (f"#{anchor}" if anchor else "")


def _risk_of(
    request: HtmxHttpRequest, train: ReleaseTrain, risk_id: int, action: Action = Action.VIEW
) -> Risk:
    return object_for_user(request.user, Risk.objects.filter(train=train), risk_id, action)


def _risk_card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    risk_id: int,
    status: int = 200,
    **state: Any,
) -> HttpResponse:
    context = base_context(request, train, pi)
    risk = risk_card(pk=risk_id)
    for name, value in state.items():
        setattr(risk, name, value)
    _decorate_risk(request, train, risk)
    context["risk"] = risk
    context["teams"] = _team_choices(train)
    return render(request, f"{RISKS}#risk", context, status=status)


def _risk_refused(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    risk_id: int,
    status: int,
    **state: Any,
) -> HttpResponse:
    if request.htmx:
        return _risk_card(request, train, pi, risk_id, status=status, **state)
    return render(
        request, RISKS, _risks_context(request, train, pi, overrides={risk_id: state}), status=status
    )


@require_GET
@login_required
def risks(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    context = _risks_context(request, train, pi)
    if request.htmx and request.htmx.target == "roam-board":
        return render(request, f"{RISKS}#board", context)
    return render(request, RISKS, context)


@require_GET
@login_required
def risk(request: HtmxHttpRequest, slug: str, pi_id: int, risk_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    risk = _risk_of(request, train, risk_id)
    state: dict[str, Any] = {}
    if request.GET.get("edit") and can(request.user, Action.EDIT_RISK, train.pk):
        teams = [(str(t.pk), t.name) for t in _team_choices(train)]
        state = {
            "editing": True,
            "form": RiskEditForm(
                initial=RiskEditForm.values_of(risk), teams=teams, auto_id=f"id_risk-{risk.pk}-%s"
            ),
        }
    if not request.htmx:  # a link opened on its own (new tab, shared): the page, this card open
        context = _risks_context(request, train, pi, overrides={risk.pk: state}, opened=risk.pk)
        return render(request, RISKS, context)
    return _risk_card(request, train, pi, risk.pk, **state)


@require_POST
@login_required
def risk_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    check(request.user, Action.EDIT_RISK, train.pk)
    teams = _team_choices(train)
    form = RiskCreateForm(request.POST, teams=teams)
    if form.is_valid():
        data = form.cleaned_data
        try:
            created = services.risk_create(
                actor=request.user,
                train=train,
                pi=pi,
                team=next((t for t in teams if t.pk == data["team"]), None),
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, f"Risk “{created.title}” raised: it starts un-ROAMed.")
                return redirect(_risks_url(train, pi, f"risk-{created.pk}"))
            context = _risks_context(request, train, pi)
            board = render_to_string(f"{RISKS}#board", context, request=request)
            fresh = render_to_string(f"{RISKS}#create", {**context, "oob": True}, request=request)
            return toast(HttpResponse(board + fresh), f"Risk “{created.title}” raised: it starts un-ROAMed.")
    context = _risks_context(request, train, pi, create_form=form)
    context["open_create"] = True
    if request.htmx:
        response = render(request, f"{RISKS}#create", context, status=422)
        return reswap(retarget(response, "#risk-create-details"), "outerHTML")
    return render(request, RISKS, context, status=422)


@require_POST
@login_required
def risk_move(request: HtmxHttpRequest, slug: str, pi_id: int, risk_id: int) -> HttpResponse:
    """A ROAM move, by drag or by the move menu. Refused moves come back with the rule's words
    and a quick form for what is missing (an owner, a mitigation plan)."""
    train, pi = train_and_pi(request, slug, pi_id)
    risk = _risk_of(request, train, risk_id, Action.EDIT_RISK)
    form = RiskMoveForm(request.POST, auto_id=f"id_risk-{risk.pk}-move-%s")
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return _risk_refused(request, train, pi, risk.pk, 422, refusal={"field": name, "message": errors[0]})
    target = form.cleaned_data["roam"]
    supplied = form.supplied()
    try:
        moved = services.risk_roam(
            actor=request.user, risk=risk, roam=target, version=form.cleaned_data["version"], **supplied
        )
    except ConflictError as exc:
        conflict = conflict_context(form, RiskMoveForm.values_of(typing.cast(Risk, exc.current)), exc)
        return _risk_refused(request, train, pi, risk.pk, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = first_error(exc)
        refusal = {
            "field": name,
            "message": message,
            "target": target,
            "target_label": Risk.Roam(target).label,
            "needs_owner": name in ("owner", "mitigation_plan") and target in ("owned", "mitigated"),
            "needs_plan": target == "mitigated" and name in ("owner", "mitigation_plan"),
            "owner": supplied.get("owner", risk.owner),
            "mitigation_plan": supplied.get("mitigation_plan", risk.mitigation_plan),
        }
        return _risk_refused(request, train, pi, risk.pk, 422, refusal=refusal)
    label = Risk.Roam(moved.roam).label
    return done(
        request,
        lambda: _risk_card(request, train, pi, moved.pk),
        _risks_url(train, pi, f"risk-{moved.pk}"),
        f"“{moved.title}” is {label}." if moved.roam != risk.roam else f"“{moved.title}” stays {label}.",
    )


@require_POST
@login_required
def risk_update(request: HtmxHttpRequest, slug: str, pi_id: int, risk_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    risk = _risk_of(request, train, risk_id, Action.EDIT_RISK)
    teams = _team_choices(train)
    form = RiskEditForm(
        request.POST, teams=[(str(t.pk), t.name) for t in teams], auto_id=f"id_risk-{risk.pk}-%s"
    )
    if form.is_valid():
        changes = form.changes()
        if "team" in changes:
            changes["team"] = next((t for t in teams if t.pk == changes["team"]), None)
        try:
            risk = services.risk_update(
                actor=request.user, risk=risk, version=form.cleaned_data["version"], **changes
            )
        except ConflictError as exc:
            conflict = conflict_context(form, RiskEditForm.values_of(typing.cast(Risk, exc.current)), exc)
            return _risk_refused(request, train, pi, risk.pk, 409, conflict=conflict, editing=True)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done(
                request,
                lambda: _risk_card(request, train, pi, risk.pk),
                _risks_url(train, pi, f"risk-{risk.pk}"),
                f"Risk “{risk.title}” saved." if changes else "Nothing to save: no field changed.",
            )
    return _risk_refused(request, train, pi, risk.pk, 422, form=form, editing=True)
