"""PI objectives page: each team's committed and uncommitted objectives, business value and
predictability, with the train's figure and its history across PIs."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from art import rules
from art.access import (
    Action,
    can,
    check,
    my_team_id,
    object_for_user,
)
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest
from art.models import Feature, ProgramIncrement, ReleaseTrain, Team
from art.rules.definitions import DEFINITIONS
from pi_planning import services
from pi_planning.forms.objectives import ObjectiveForm
from pi_planning.models import Objective
from pi_planning.selectors.objectives import pi_objectives, predictability_by_pi
from pi_planning.views.common import base_context, conflict_context, done, train_and_pi

OBJECTIVES = "pi_planning/objectives.html"


def _one_decimal(value: float | None) -> str:
    if value is None:
        return ""
    return str(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def predictability_display(
    result: rules.predictability.PredictabilityResult,
) -> dict[str, Any]:
    """How a predictability figure reads on a page: one decimal, or "n/a" / "not scored" in
    words, with a tone against the 80–100 % target band (never colour alone)."""
    if result.status == "n/a":
        return {"text": "n/a", "tone": "muted", "icon": "info", "note": "no committed planned business value"}
    if result.status == "not scored":
        n = result.unscored
        return {
            "text": "not scored",
            "tone": "neutral",
            "icon": "clock",
            "note": f"{n} objective{'s' if n != 1 else ''} still to score",
        }
    percent = result.percent or 0.0
    if percent > 100:
        tone, icon, note = "info", "sparkle", "above 100 %: stretch delivered"
    elif percent >= 80:
        tone, icon, note = "healthy", "check-circle", "in the 80–100 % target band"
    else:
        tone, icon, note = "risk", "alert", "below the 80 % target band"
    return {"text": f"{_one_decimal(percent)} %", "tone": tone, "icon": icon, "note": note}


def bv_display(
    result: rules.predictability.PredictabilityResult, objectives: Iterable[Objective]
) -> dict[str, Any]:
    """The business-value sums next to a predictability figure, in words where the rule says so:
    an objective not yet scored is *not scored*, not 0, so the actual sum reads "not scored"
    until one is scored, then the sum scored so far with how many are still to score (the sums
    are metrics.calculations.predictability's; this only counts what is missing)."""
    objectives = list(objectives)
    committed = [o for o in objectives if o.committed]
    unset = sum(1 for o in committed if o.planned_bv is None)
    unscored = sum(1 for o in objectives if o.actual_bv is None)
    planned: dict[str, Any]
    actual: dict[str, Any]
    if not committed:
        planned = {"value": None, "text": "n/a", "note": "no committed objective"}
    elif unset == len(committed):
        planned = {"value": None, "text": "not set", "note": f"{unset} not set"}
    else:
        planned = {
            "value": result.planned,
            "text": str(result.planned),
            "note": f"{unset} not set" if unset else "",
        }
    if not objectives:
        actual = {"value": None, "text": "n/a", "note": "no objective"}
    elif unscored == len(objectives):
        actual = {"value": None, "text": "not scored", "note": f"{unscored} not scored"}
    else:
        actual = {
            "value": result.actual,
            "text": str(result.actual),
            "note": f"{unscored} not scored" if unscored else "",
        }
    return {"planned": planned, "actual": actual}


PREDICTABILITY_DEFINITION = next(d for d in DEFINITIONS if d.anchor == "predictability")


def _definition_url(train: ReleaseTrain) -> str | None:
    try:
        return reverse("metrics:definitions", kwargs={"slug": train.slug}) + "#predictability"
    except NoReverseMatch:
        return None


def _feature_choices(features: Iterable[Feature], team: Team | None = None) -> list[tuple[int, str]]:
    items = sorted(features, key=lambda f: (team is None or f.team_id != team.pk, f.title.lower()))
    return [
        (
            f.pk,
            f"{f.key} {f.title}"
            + (
                f" ({f.team.name})"
                if f.team_id and f.team_id != getattr(team, "pk", None) and f.team is not None
                else ""
            ),
        )
        for f in items
    ]


def _objectives_context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    *,
    editing: int | None = None,
    overrides: dict[int, dict[str, Any]] | None = None,
    add_forms: dict[int, ObjectiveForm] | None = None,
) -> dict[str, Any]:
    context = base_context(request, train, pi)
    data = pi_objectives(pi=pi)
    user = request.user
    may_score = can(user, Action.SCORE_BV, train.pk)
    overrides, add_forms = overrides or {}, add_forms or {}
    for group in data["groups"]:
        group.display = predictability_display(group.predictability)
        group.bv = bv_display(group.predictability, group.objectives)
        group.can_edit = can(user, Action.EDIT_TEAM, train.pk, [group.team.pk])
        # A new objective links the team's own features (the edit form offers all the PI's).
        group.feature_choices = _feature_choices(
            [f for f in data["features"] if f.team_id == group.team.pk], group.team
        )
        group.add_form = None
        if group.can_edit:
            group.add_form = add_forms.get(group.team.pk) or ObjectiveForm(
                initial={"committed": True},
                feature_choices=group.feature_choices,
                may_score=may_score,
                auto_id=f"id_add-{group.team.pk}-%s",
            )
        for objective in group.objectives:
            objective.can_edit_text = group.can_edit
            objective.can_score = may_score
            objective.can_edit = group.can_edit or may_score
            objective.team_name = group.team.name
            objective.feature_list = list(objective.features.all())
            state = overrides.get(objective.pk, {})
            objective.form = state.get("form")
            objective.conflict = state.get("conflict")
            if objective.form is None and editing == objective.pk and objective.can_edit:
                choices = _feature_choices(data["features"], group.team)
                objective.form = _objective_form(objective, choices, group.can_edit, may_score)
    context.update(data)
    context["train_display"] = predictability_display(data["train_predictability"])
    context["train_bv"] = bv_display(data["train_predictability"], data["objectives"])
    context["may_score"] = may_score
    context["my_team_id"] = my_team_id(user, train.pk)
    context["definition"] = PREDICTABILITY_DEFINITION
    context["definition_url"] = _definition_url(train)
    history = predictability_by_pi(train_id=train.pk)
    context["history_pis"] = [
        {"pi": row.pi, "train": predictability_display(row.train), "is_current": row.pi.pk == pi.pk}
        for row in history
    ]
    context["history_teams"] = [
        {
            "team": team,
            "cells": [
                predictability_display(row.teams.get(team.pk) or rules.predictability.predictability([]))
                for row in history
            ],
        }
        for team in data["teams"]
    ]
    return context


def _objective_form(
    objective: Objective, feature_choices: list[tuple[int, str]], may_edit_text: bool, may_score: bool
) -> ObjectiveForm:
    return ObjectiveForm(
        initial=ObjectiveForm.values_of(objective),
        feature_choices=feature_choices,
        may_edit_text=may_edit_text,
        may_score=may_score,
        auto_id=f"id_obj-{objective.pk}-%s",
    )


def _objectives_url(train: ReleaseTrain, pi: ProgramIncrement, anchor: str = "") -> str:
    url = reverse("pi_planning:objectives", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return url + (f"#{anchor}" if anchor else "")


def _team_section(
    request: HtmxHttpRequest, context: dict[str, Any], team_id: int, status: int = 200
) -> HttpResponse:
    """A team's section of the objectives page, and the train's figures out of band."""
    group = next(g for g in context["groups"] if g.team.pk == team_id)
    body = render_to_string(f"{OBJECTIVES}#team-objectives", {**context, "group": group}, request=request)
    summary = render_to_string(f"{OBJECTIVES}#summary", {**context, "oob": True}, request=request)
    return HttpResponse(body + summary, status=status)


@require_GET
@login_required
def objectives(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    editing = request.GET.get("edit", "")
    context = _objectives_context(request, train, pi, editing=int(editing) if editing.isdigit() else None)
    target = request.htmx.target if request.htmx else ""
    if target and target.startswith("team-"):
        team_id = target.removeprefix("team-")
        if team_id.isdigit() and any(g.team.pk == int(team_id) for g in context["groups"]):
            return _team_section(request, context, int(team_id))
    return render(request, OBJECTIVES, context)


def _objective_of(request: HtmxHttpRequest, pi: ProgramIncrement, objective_id: int) -> Objective:
    return object_for_user(
        request.user, Objective.objects.filter(pi=pi).select_related("team", "pi"), objective_id, Action.VIEW
    )


@require_POST
@login_required
def objective_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    team_id = request.POST.get("team", "")
    team = Team.objects.filter(train=train, pk=int(team_id)).first() if team_id.isdigit() else None
    if team is None:
        raise Http404("No such team")
    check(request.user, Action.EDIT_TEAM, train.pk, [team.pk])
    may_score = can(request.user, Action.SCORE_BV, train.pk)
    if not may_score and any(request.POST.get(n, "").strip() for n in ObjectiveForm.VALUE_FIELDS):
        check(request.user, Action.SCORE_BV, train.pk)
    features = list(Feature.objects.filter(train=train, pi=pi).select_related("team"))
    form = ObjectiveForm(
        request.POST,
        feature_choices=_feature_choices(features, team),
        may_score=may_score,
        auto_id=f"id_add-{team.pk}-%s",
    )
    if form.is_valid():
        data = form.cleaned_data
        chosen = {f.pk: f for f in features}
        try:
            objective = services.objective_create(
                actor=request.user,
                pi=pi,
                team=team,
                title=data["title"],
                description=data["description"],
                committed=data["committed"],
                planned_bv=data["planned_bv"] if may_score else None,
                actual_bv=data["actual_bv"] if may_score else None,
                features=[chosen[i] for i in data["features"] if i in chosen],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return done(
                request,
                lambda: _team_section(request, _objectives_context(request, train, pi), team.pk),
                _objectives_url(train, pi, f"team-{team.pk}"),
                f"Objective “{objective.title}” added to {team.name}.",
            )
    context = _objectives_context(request, train, pi, add_forms={team.pk: form})
    context["open_add"] = team.pk
    if request.htmx:
        return _team_section(request, context, team.pk, status=422)
    return render(request, OBJECTIVES, context, status=422)


@require_POST
@login_required
def objective_update(request: HtmxHttpRequest, slug: str, pi_id: int, objective_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    objective = _objective_of(request, pi, objective_id)
    user = request.user
    may_edit_text = can(user, Action.EDIT_TEAM, train.pk, [objective.team_id])
    may_score = can(user, Action.SCORE_BV, train.pk)
    if not (may_edit_text or may_score):
        check(user, Action.EDIT_TEAM, train.pk, [objective.team_id])
    # Disabled fields are never sent by a browser: a request that sends them asks for more
    # than the person may do (business values for team members, text for business owners).
    if not may_score and any(n in request.POST for n in ObjectiveForm.VALUE_FIELDS):
        check(user, Action.SCORE_BV, train.pk)
    if not may_edit_text and any(n in request.POST for n in ("title", "committed", "features")):
        check(user, Action.EDIT_TEAM, train.pk, [objective.team_id])
    features = list(Feature.objects.filter(train=train).filter(pi=pi).select_related("team"))
    linked = list(objective.features.all())
    choices = _feature_choices({f.pk: f for f in [*features, *linked]}.values(), objective.team)
    form = ObjectiveForm(
        request.POST,
        feature_choices=choices,
        may_edit_text=may_edit_text,
        may_score=may_score,
        auto_id=f"id_obj-{objective.pk}-%s",
    )
    state: dict[str, Any] = {}
    status = 422
    if form.is_valid():
        changes = form.changes()
        if "features" in changes:
            by_id = {f.pk: f for f in [*features, *linked]}
            changes["features"] = [by_id[i] for i in changes["features"] if i in by_id]
        try:
            objective = services.objective_update(
                actor=user, objective=objective, version=form.cleaned_data["version"], **changes
            )
        except ConflictError as exc:
            current = Objective.objects.prefetch_related("features").get(pk=objective.pk)
            state = {"conflict": conflict_context(form, ObjectiveForm.values_of(current), exc)}
            status = 409
        except ValidationError as exc:
            apply_service_errors(form, exc)
            state = {"form": form}
        else:
            return done(
                request,
                lambda: _team_section(request, _objectives_context(request, train, pi), objective.team_id),
                _objectives_url(train, pi, f"objective-{objective.pk}"),
                f"Objective “{objective.title}” saved." if changes else "Nothing to save: no field changed.",
            )
    else:
        state = {"form": form}
    context = _objectives_context(request, train, pi, overrides={objective.pk: state})
    if request.htmx:
        return _team_section(request, context, objective.team_id, status=status)
    return render(request, OBJECTIVES, context, status=status)


@require_POST
@login_required
def objective_delete(request: HtmxHttpRequest, slug: str, pi_id: int, objective_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    objective = _objective_of(request, pi, objective_id)
    check(request.user, Action.EDIT_TEAM, train.pk, [objective.team_id])
    team_id, title = objective.team_id, objective.title
    services.objective_delete(actor=request.user, objective=objective)
    return done(
        request,
        lambda: _team_section(request, _objectives_context(request, train, pi), team_id),
        _objectives_url(train, pi, f"team-{team_id}"),
        f"Objective “{title}” deleted.",
    )
