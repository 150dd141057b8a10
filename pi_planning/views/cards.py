"""Pages of the card boards: PI objectives, the confidence vote (the RTE's control and the
phone voting page), the dependency board and the ROAM board.

Each view parses, asks art.access, calls a pi_planning service or selector and renders one
template per page; htmx requests get a named partial (a card, a team's section, a column).
Cards carry their version: a stale write answers 409 with the current card and what changed
(the person's edits against the current values) and a form to retry. A refused write answers
422 with the rule's words next to the thing refused. Without JavaScript every form still
works: writes redirect back, refusals re-render the page with the card in its refused state.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from art import rules
from art.access import (
    Action,
    can,
    can_vote_in,
    check,
    my_team_id,
    object_for_user,
    permissions,
    train_for_user,
)
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest
from art.models import Feature, Iteration, ProgramIncrement, ReleaseTrain, Team
from art.rules.definitions import DEFINITIONS
from pi_planning import services
from pi_planning.forms_cards import (
    CardForm,
    CommentForm,
    DependencyCreateForm,
    DependencyEditForm,
    DependencyStateForm,
    ObjectiveForm,
    RiskCreateForm,
    RiskEditForm,
    RiskMoveForm,
    VoteForm,
    iteration_choices,
)
from pi_planning.models import Dependency, Objective, Risk, Vote, VoteRound
from pi_planning.selectors import cards as selectors

OBJECTIVES = "pi_planning/objectives.html"
VOTE = "pi_planning/vote.html"
CONFIDENCE = "pi_planning/confidence.html"
DEPENDENCIES = "pi_planning/dependencies.html"
RISKS = "pi_planning/risks.html"


# --- helpers ---------------------------------------------------------------------------------


def _train_and_pi(request: HtmxHttpRequest, slug: str, pi_id: int) -> tuple[ReleaseTrain, ProgramIncrement]:
    """The train and its PI if the user may see them (404 otherwise)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    pi = object_for_user(request.user, ProgramIncrement.objects.filter(train=train), pi_id, Action.VIEW)
    return train, pi


def _base_context(request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement) -> dict[str, Any]:
    return {"train": train, "pi": pi, "can": permissions(request.user, train.pk), "now": timezone.now()}


def _toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    return trigger_client_event(response, "toast", {"message": message, "level": level})


def _done(
    request: HtmxHttpRequest, response: Callable[[], HttpResponse], redirect_to: str, message: str
) -> HttpResponse:
    """After a write: the changed fragment with a toast (htmx), else back to the page."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(redirect_to)
    return _toast(response(), message)


def _first_error(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            return name, errors[0]
    return "__all__", exc.messages[0]


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


def _conflict(form: CardForm, current: dict[str, Any], exc: ConflictError) -> dict[str, Any]:
    """What the page shows after a stale write: the rows that differ and a retry form."""
    return {
        "rows": form.conflict_rows(current),
        "yours": exc.expected_version,
        "now": exc.current.version,
        "form": form.retry(current, exc.current.version),
    }


# --- PI objectives ---------------------------------------------------------------------------


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
    context = _base_context(request, train, pi)
    data = selectors.pi_objectives(pi=pi)
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
    history = selectors.predictability_by_pi(train_id=train.pk)
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
    train, pi = _train_and_pi(request, slug, pi_id)
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
    train, pi = _train_and_pi(request, slug, pi_id)
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
            return _done(
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
    train, pi = _train_and_pi(request, slug, pi_id)
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
            state = {"conflict": _conflict(form, ObjectiveForm.values_of(current), exc)}
            status = 409
        except ValidationError as exc:
            apply_service_errors(form, exc)
            state = {"form": form}
        else:
            return _done(
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
    train, pi = _train_and_pi(request, slug, pi_id)
    objective = _objective_of(request, pi, objective_id)
    check(request.user, Action.EDIT_TEAM, train.pk, [objective.team_id])
    team_id, title = objective.team_id, objective.title
    services.objective_delete(actor=request.user, objective=objective)
    return _done(
        request,
        lambda: _team_section(request, _objectives_context(request, train, pi), team_id),
        _objectives_url(train, pi, f"team-{team_id}"),
        f"Objective “{title}” deleted.",
    )


# --- confidence vote: the phone page ---------------------------------------------------------


def _vote_context(request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement) -> dict[str, Any]:
    context = _base_context(request, train, pi)
    scopes = selectors.confidence_scopes(pi=pi)
    mine = selectors.my_votes(pi=pi, user=request.user)
    team_id = my_team_id(request.user, train.pk)
    for scope in scopes:
        scope.my_vote = mine.get(scope.team.pk if scope.team else None)
        scope.is_mine = scope.team is not None and scope.team.pk == team_id
        scope.may_vote = can_vote_in(request.user, train.pk, scope.team.pk if scope.team else None)
    # Only the scopes the person votes in (each team votes on its own plan, then the whole
    # train on the train's): their own team's first, then the train's.
    open_scopes = sorted(
        (s for s in scopes if s.is_open and s.may_vote),
        key=lambda s: (not s.is_mine, s.team is not None, s.label.lower()),
    )
    context.update(
        scopes=scopes,
        open_scopes=open_scopes,
        others_open=[s for s in scopes if s.is_open and not s.may_vote],
        revealed_scopes=[s for s in scopes if s.is_revealed and s.my_vote],
        may_vote=can(request.user, Action.VOTE, train.pk),
    )
    return context


def _vote_url(train: ReleaseTrain, pi: ProgramIncrement) -> str:
    return reverse("pi_planning:vote", kwargs={"slug": train.slug, "pi_id": pi.pk})


@require_GET
@login_required
def vote(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    context = _vote_context(request, train, pi)
    if request.htmx and request.htmx.target == "vote-scopes":
        return render(request, f"{VOTE}#scopes", context)
    return render(request, VOTE, context)


@require_POST
@login_required
def vote_cast(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    check(request.user, Action.VOTE, train.pk)
    form = VoteForm(request.POST)
    error = ""
    scope_key = request.POST.get("scope", "")
    if form.is_valid():
        team_id = form.cleaned_data["scope"]
        team = None
        if team_id is not None:
            team = Team.objects.filter(train=train, pk=team_id).first()
            if team is None:
                raise Http404("No such team")
        refusal = selectors.vote_refusal(user=request.user, pi=pi, team=team)
        if refusal:
            raise PermissionDenied(refusal[:1].upper() + refusal[1:] + ".")
        try:
            cast = services.vote_cast(
                actor=request.user,
                pi=pi,
                team=team,
                score=form.cleaned_data["score"],
                concern=form.cleaned_data["concern"],
            )
        except ValidationError as exc:
            error = _first_error(exc)[1]
        else:
            what = f"Your vote {cast.score} is in" + (" with your concern" if cast.concern else "")
            return _done(
                request,
                lambda: _vote_scope_response(request, train, pi, cast.team_id),
                _vote_url(train, pi),
                f"{what}: voting again replaces it.",
            )
    else:
        error = str(next(iter(form.errors.values()))[0])
    if not request.htmx:
        messages.error(request, error[:1].upper() + error[1:])
        return redirect(_vote_url(train, pi))
    scope_team = int(scope_key) if scope_key.isdigit() else None
    return _vote_scope_response(request, train, pi, scope_team, error=error, status=422)


def _vote_scope_response(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    team_id: int | None,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _vote_context(request, train, pi)
    scope = next((s for s in context["scopes"] if (s.team.pk if s.team else None) == team_id), None)
    if scope is None:
        raise Http404("No such vote")
    scope.error = error
    return render(request, f"{VOTE}#scope", {**context, "scope": scope}, status=status)


# --- confidence vote: the RTE's control ------------------------------------------------------


def _confidence_context(
    request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement
) -> dict[str, Any]:
    context = _base_context(request, train, pi)
    context["scopes"] = selectors.confidence_scopes(pi=pi)
    context["vote_url"] = request.build_absolute_uri(_vote_url(train, pi))
    context["rule"] = rules.votes.CONFIDENCE_RULE
    context["risks_url"] = reverse("pi_planning:risks", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return context


def _scope_team(train: ReleaseTrain, scope: str) -> Team | None:
    if scope == "train":
        return None
    team = Team.objects.filter(train=train, pk=int(scope)).first() if scope.isdigit() else None
    if team is None:
        raise Http404("No such vote")
    return team


def _confidence_url(train: ReleaseTrain, pi: ProgramIncrement, scope: str = "") -> str:
    url = reverse("pi_planning:confidence", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return url + (f"#scope-{scope}" if scope else "")


def _scope_card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    team: Team | None,
    partial: str = "scope",
) -> HttpResponse:
    context = _confidence_context(request, train, pi)
    key = team.pk if team else None
    scope = next(s for s in context["scopes"] if (s.team.pk if s.team else None) == key)
    return render(request, f"{CONFIDENCE}#{partial}", {**context, "scope": scope})


@require_GET
@login_required
def confidence(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    return render(request, CONFIDENCE, _confidence_context(request, train, pi))


@require_GET
@login_required
def confidence_scope(request: HtmxHttpRequest, slug: str, pi_id: int, scope: str) -> HttpResponse:
    """One scope's card, or (`?part=count`) its live count, which polls while the vote is open."""
    train, pi = _train_and_pi(request, slug, pi_id)
    team = _scope_team(train, scope)
    return _scope_card(
        request, train, pi, team, "scope-count" if request.GET.get("part") == "count" else "scope"
    )


@require_POST
@login_required
def vote_round_open(request: HtmxHttpRequest, slug: str, pi_id: int, scope: str) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    team = _scope_team(train, scope)
    services.vote_round_open(actor=request.user, pi=pi, team=team)
    return _done(
        request,
        lambda: _scope_card(request, train, pi, team),
        _confidence_url(train, pi, scope),
        f"{team.name + '’s' if team else 'The train’s'} vote is open: people vote at the link on this page.",
    )


@require_POST
@login_required
def vote_round_reveal(request: HtmxHttpRequest, slug: str, pi_id: int, scope: str) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    team = _scope_team(train, scope)
    round_ = VoteRound.objects.filter(pi=pi, team=team).first()
    if round_ is None:
        raise Http404("This vote has not been opened")
    services.vote_round_reveal(actor=request.user, round_=round_)
    return _done(
        request,
        lambda: _scope_card(request, train, pi, team),
        _confidence_url(train, pi, scope),
        f"{team.name + '’s' if team else 'The train’s'} vote revealed.",
    )


@require_POST
@login_required
def vote_concern_to_risk(request: HtmxHttpRequest, slug: str, pi_id: int, vote_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    check(request.user, Action.RUN_EVENTS, train.pk)
    cast = Vote.objects.filter(pi=pi, pk=vote_id).select_related("team", "pi__train").first()
    if cast is None:
        raise Http404("No such concern")
    try:
        risk = services.vote_concern_to_risk(actor=request.user, vote=cast)
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, _first_error(exc)[1])
            return redirect(_confidence_url(train, pi))
        response = _scope_card(request, train, pi, cast.team)
        return _toast(response, _first_error(exc)[1].capitalize(), "error")
    return _done(
        request,
        lambda: _scope_card(request, train, pi, cast.team),
        _confidence_url(train, pi, str(cast.team_id) if cast.team_id else "train"),
        f"Concern raised as risk “{risk.title}”, un-ROAMed on the risk board.",
    )


# --- dependency board ------------------------------------------------------------------------


def _dependency_filters(request: HtmxHttpRequest) -> selectors.DependencyFilters:
    get = request.GET
    team = get.get("team", "")
    state = get.get("state", "")
    health = get.get("health", "")
    return selectors.DependencyFilters(
        team=int(team) if team.isdigit() else None,
        state=state if state in rules.dependencies.DEPENDENCY_STATE_LABELS else None,
        health=health if health in rules.dependencies.HEALTH_LABELS else None,
        aging=get.get("aging") in ("1", "on", "true"),
        show_done=get.get("done") in ("1", "on", "true"),
    )


def _dependency_choices(pi: ProgramIncrement) -> dict[str, Any]:
    choices = selectors.dependency_form_choices(pi=pi)
    choices["iteration_options"] = iteration_choices(choices["iterations"], pi.pk)
    choices["pi_iteration_options"] = [(str(i.pk), i.name) for i in choices["pi_iterations"]]
    return choices


def _decorate_dependency(
    request: HtmxHttpRequest, train: ReleaseTrain, dep: selectors.DependencyCard, choices: dict[str, Any]
) -> None:
    dep.can_edit = can(
        request.user, Action.EDIT_DEPENDENCY, train.pk, [dep.requester_team_id, dep.provider_team_id]
    )
    dep.next_states = [
        (s, rules.dependencies.DEPENDENCY_STATE_LABELS[s])
        for s in rules.dependencies.dependency_next_states(dep.state)
    ]
    dep.state_label = rules.dependencies.DEPENDENCY_STATE_LABELS[dep.state]
    dep.counter_proposed = bool(dep.committed_iteration_id and dep.committed_iteration_id != dep.needed_by_id)
    for name in ("form", "conflict", "refusal", "comment_form", "editing", "lazy"):
        if not hasattr(dep, name):
            setattr(dep, name, None)


def _dependencies_context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    *,
    overrides: dict[int, dict[str, Any]] | None = None,
    create_form: DependencyCreateForm | None = None,
) -> dict[str, Any]:
    context = _base_context(request, train, pi)
    filters = _dependency_filters(request)
    board = selectors.dependency_board(
        pi=pi, view=request.GET.get("view", "provider"), filters=filters, lazy=True
    )
    choices = _dependency_choices(pi)
    overrides = overrides or {}
    for group in board["groups"]:
        for dep in group.cards:
            dep.lazy = True  # comments and history load when opened
            for name, value in overrides.get(dep.pk, {}).items():
                setattr(dep, name, value)
            _decorate_dependency(request, train, dep, choices)
    context.update(board)
    context.update(choices)
    context["views"] = selectors.DEPENDENCY_VIEWS
    context["states"] = rules.dependencies.DEPENDENCY_STATE_LABELS
    context["healths"] = [
        (code, rules.dependencies.HEALTH_LABELS[code], rules.dependencies.HEALTH_ICONS[code])
        for code in rules.dependencies.HEALTH_LABELS
    ]
    context["health_rule"] = rules.dependencies.HEALTH_RULE
    context["lifecycle_rule"] = rules.dependencies.DEPENDENCY_RULE
    context["aging_after"] = rules.dependencies.AGING_AFTER_DAYS
    context["may_create"] = can(
        request.user, Action.EDIT_DEPENDENCY, train.pk, [t.pk for t in choices["teams"]]
    )
    if context["may_create"]:
        my_team = my_team_id(request.user, train.pk)
        context["create_form"] = create_form or DependencyCreateForm(
            initial={"requester_team": my_team} if my_team else None,
            teams=choices["teams"],
            iterations=choices["pi_iterations"],
            features=choices["features"],
        )
    return context


def _dependencies_url(train: ReleaseTrain, pi: ProgramIncrement, anchor: str = "") -> str:
    url = reverse("pi_planning:dependencies", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return url + (f"#{anchor}" if anchor else "")


def _dependency_of(
    request: HtmxHttpRequest, pi: ProgramIncrement, dep_id: int, action: Action = Action.VIEW
) -> Dependency:
    return object_for_user(
        request.user,
        Dependency.objects.filter(pi=pi),
        dep_id,
        action,
        teams=lambda d: [d.requester_team_id, d.provider_team_id],
    )


def _dependency_card(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    dep_id: int,
    status: int = 200,
    **state: Any,
) -> HttpResponse:
    context = _base_context(request, train, pi)
    dep = selectors.dependency_card(pk=dep_id)
    for name, value in state.items():
        setattr(dep, name, value)
    choices = _dependency_choices(pi)
    _decorate_dependency(request, train, dep, choices)
    context.update(choices)
    context["dep"] = dep
    return render(request, f"{DEPENDENCIES}#dependency", context, status=status)


def _dependency_refused(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    dep_id: int,
    status: int,
    **state: Any,
) -> HttpResponse:
    if request.htmx:
        return _dependency_card(request, train, pi, dep_id, status=status, **state)
    context = _dependencies_context(request, train, pi, overrides={dep_id: state})
    return render(request, DEPENDENCIES, context, status=status)


@require_GET
@login_required
def dependencies(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    context = _dependencies_context(request, train, pi)
    if request.htmx and request.htmx.target == "dependency-board":
        return render(request, f"{DEPENDENCIES}#board", context)
    return render(request, DEPENDENCIES, context)


@require_GET
@login_required
def dependency(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    """One card; `?edit=1` opens its edit form (team members involved and the RTE);
    `?part=history` or `?part=comments` is what the board's card loads when it opens them."""
    train, pi = _train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id)
    part = request.GET.get("part")
    if part in ("history", "comments"):
        card = selectors.dependency_card(pk=dep.pk)
        _decorate_dependency(request, train, card, {})
        if part == "history":
            return render(
                request, "pi_planning/cards_components.html#history-list", {"entries": card.history}
            )
        return render(
            request, f"{DEPENDENCIES}#comments-body", {**_base_context(request, train, pi), "dep": card}
        )
    state: dict[str, Any] = {}
    if request.GET.get("edit") and can(
        request.user, Action.EDIT_DEPENDENCY, train.pk, [dep.requester_team_id, dep.provider_team_id]
    ):
        choices = _dependency_choices(pi)
        state["editing"] = True
        state["form"] = DependencyEditForm(
            initial=DependencyEditForm.values_of(dep),
            iterations=choices["iteration_options"],
            pi_iterations=choices["pi_iteration_options"],
            auto_id=f"id_dep-{dep.pk}-%s",
        )
    return _dependency_card(request, train, pi, dep.pk, **state)


@require_POST
@login_required
def dependency_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    choices = _dependency_choices(pi)
    form = DependencyCreateForm(
        request.POST,
        teams=choices["teams"],
        iterations=choices["pi_iterations"],
        features=choices["features"],
    )
    if form.is_valid():
        data = form.cleaned_data
        teams = {t.pk: t for t in choices["teams"]}
        iterations = {i.pk: i for i in choices["pi_iterations"]}
        features = {f.pk: f for f in choices["features"]}
        requester = teams.get(data["requester_team"])  # the form's choices are these teams
        provider = teams.get(data["provider_team"]) if data["provider_team"] else None
        check(
            request.user,
            Action.EDIT_DEPENDENCY,
            train.pk,
            [requester.pk if requester else None, provider.pk if provider else None],
        )
        try:
            dep = services.dependency_create(
                actor=request.user,
                pi=pi,
                requester_team=typing.cast(Team, requester),
                provider_team=provider,
                external_provider=data["external_provider"],
                needed_by=typing.cast(Iteration, iterations.get(data["needed_by"])),  # one of the choices
                feature=features.get(data["feature"]) if data["feature"] else None,
                provider_feature=features.get(data["provider_feature"]) if data["provider_feature"] else None,
                title=data["title"],
                description=data["description"],
                owner=data["owner"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if not request.htmx:
                messages.success(request, f"Dependency {dep.key} added.")
                return redirect(_dependencies_url(train, pi, f"dep-{dep.pk}"))
            context = _dependencies_context(request, train, pi)
            board = render_to_string(f"{DEPENDENCIES}#board", context, request=request)
            fresh = render_to_string(f"{DEPENDENCIES}#create", {**context, "oob": True}, request=request)
            return _toast(HttpResponse(board + fresh), f"Dependency {dep.key} added: {dep}.")
    else:
        if not can(request.user, Action.EDIT_DEPENDENCY, train.pk, [t.pk for t in choices["teams"]]):
            check(request.user, Action.EDIT_DEPENDENCY, train.pk, [])
    context = _dependencies_context(request, train, pi, create_form=form)
    context["open_create"] = True
    if request.htmx:
        response = render(request, f"{DEPENDENCIES}#create", context, status=422)
        return reswap(retarget(response, "#dependency-create-details"), "outerHTML")
    return render(request, DEPENDENCIES, context, status=422)


@require_POST
@login_required
def dependency_state(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    """Move a card along its lifecycle (commit with an iteration, counter-propose, start,
    deliver, block, cancel, reopen)."""
    train, pi = _train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id, Action.EDIT_DEPENDENCY)
    choices = _dependency_choices(pi)
    form = DependencyStateForm(
        request.POST, iterations=choices["iteration_options"], auto_id=f"id_dep-{dep.pk}-st-%s"
    )
    if not form.is_valid():
        name, errors = next(iter(form.errors.items()))
        return _dependency_refused(
            request, train, pi, dep.pk, 422, refusal={"field": name, "message": errors[0]}
        )
    data = form.cleaned_data
    iterations = {i.pk: i for i in choices["iterations"]}
    iteration = iterations.get(data["committed_iteration"]) if data["committed_iteration"] else None
    try:
        dep = services.dependency_set_state(
            actor=request.user,
            dependency=dep,
            state=data["state"],
            committed_iteration=iteration,
            version=data["version"],
        )
    except ConflictError as exc:
        conflict = _conflict(form, DependencyStateForm.values_of(typing.cast(Dependency, exc.current)), exc)
        return _dependency_refused(request, train, pi, dep.pk, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = _first_error(exc)
        return _dependency_refused(
            request, train, pi, dep.pk, 422, refusal={"field": name, "message": message}
        )
    label = rules.dependencies.DEPENDENCY_STATE_LABELS[dep.state].lower()
    extra = ""
    if dep.state == Dependency.State.COMMITTED and dep.committed_iteration_id and dep.committed_iteration:
        extra = f" for {dep.committed_iteration.name}"
    return _done(
        request,
        lambda: _dependency_card(request, train, pi, dep.pk),
        _dependencies_url(train, pi, f"dep-{dep.pk}"),
        f"{dep.key} is now {label}{extra}.",
    )


@require_POST
@login_required
def dependency_update(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id, Action.EDIT_DEPENDENCY)
    choices = _dependency_choices(pi)
    form = DependencyEditForm(
        request.POST,
        iterations=choices["iteration_options"],
        pi_iterations=choices["pi_iteration_options"],
        auto_id=f"id_dep-{dep.pk}-%s",
    )
    if form.is_valid():
        changes = form.changes()
        iterations = {i.pk: i for i in choices["iterations"]}
        for name in ("needed_by", "committed_iteration"):
            if name in changes:
                changes[name] = iterations.get(changes[name]) if changes[name] else None
        try:
            dep = services.dependency_update(
                actor=request.user, dependency=dep, version=form.cleaned_data["version"], **changes
            )
        except ConflictError as exc:
            conflict = _conflict(
                form, DependencyEditForm.values_of(typing.cast(Dependency, exc.current)), exc
            )
            return _dependency_refused(request, train, pi, dep.pk, 409, conflict=conflict, editing=True)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(
                request,
                lambda: _dependency_card(request, train, pi, dep.pk),
                _dependencies_url(train, pi, f"dep-{dep.pk}"),
                f"{dep.key} saved." if changes else "Nothing to save: no field changed.",
            )
    return _dependency_refused(request, train, pi, dep.pk, 422, form=form, editing=True)


@require_POST
@login_required
def dependency_comment(request: HtmxHttpRequest, slug: str, pi_id: int, dep_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
    dep = _dependency_of(request, pi, dep_id, Action.EDIT_DEPENDENCY)
    form = CommentForm(request.POST, auto_id=f"id_dep-{dep.pk}-comment-%s")
    if form.is_valid():
        try:
            services.dependency_comment_add(
                actor=request.user, dependency=dep, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(
                request,
                lambda: _dependency_card(request, train, pi, dep.pk, comments_open=True),
                _dependencies_url(train, pi, f"dep-{dep.pk}"),
                f"Comment added to {dep.key}.",
            )
    return _dependency_refused(request, train, pi, dep.pk, 422, comment_form=form, comments_open=True)


# --- ROAM board ------------------------------------------------------------------------------


def _team_choices(train: ReleaseTrain) -> list[Team]:
    return list(Team.objects.filter(train=train).order_by("name"))


def _decorate_risk(request: HtmxHttpRequest, train: ReleaseTrain, risk: selectors.RiskCard) -> None:
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
) -> dict[str, Any]:
    context = _base_context(request, train, pi)
    team = request.GET.get("team", "")
    board = selectors.risk_board(train=train, pi=pi, team=int(team) if team.isdigit() else None)
    overrides = overrides or {}
    for column in board["columns"]:
        for risk in column.risks:
            for name, value in overrides.get(risk.pk, {}).items():
                setattr(risk, name, value)
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
    context = _base_context(request, train, pi)
    risk = selectors.risk_card(pk=risk_id)
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
    train, pi = _train_and_pi(request, slug, pi_id)
    context = _risks_context(request, train, pi)
    if request.htmx and request.htmx.target == "roam-board":
        return render(request, f"{RISKS}#board", context)
    return render(request, RISKS, context)


@require_GET
@login_required
def risk(request: HtmxHttpRequest, slug: str, pi_id: int, risk_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
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
    return _risk_card(request, train, pi, risk.pk, **state)


@require_POST
@login_required
def risk_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
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
            return _toast(HttpResponse(board + fresh), f"Risk “{created.title}” raised: it starts un-ROAMed.")
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
    train, pi = _train_and_pi(request, slug, pi_id)
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
        conflict = _conflict(form, RiskMoveForm.values_of(typing.cast(Risk, exc.current)), exc)
        return _risk_refused(request, train, pi, risk.pk, 409, conflict=conflict)
    except ValidationError as exc:
        name, message = _first_error(exc)
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
    return _done(
        request,
        lambda: _risk_card(request, train, pi, moved.pk),
        _risks_url(train, pi, f"risk-{moved.pk}"),
        f"“{moved.title}” is {label}." if moved.roam != risk.roam else f"“{moved.title}” stays {label}.",
    )


@require_POST
@login_required
def risk_update(request: HtmxHttpRequest, slug: str, pi_id: int, risk_id: int) -> HttpResponse:
    train, pi = _train_and_pi(request, slug, pi_id)
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
            conflict = _conflict(form, RiskEditForm.values_of(typing.cast(Risk, exc.current)), exc)
            return _risk_refused(request, train, pi, risk.pk, 409, conflict=conflict, editing=True)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            return _done(
                request,
                lambda: _risk_card(request, train, pi, risk.pk),
                _risks_url(train, pi, f"risk-{risk.pk}"),
                f"Risk “{risk.title}” saved." if changes else "Nothing to save: no field changed.",
            )
    return _risk_refused(request, train, pi, risk.pk, 422, form=form, editing=True)
