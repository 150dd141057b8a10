"""The confidence vote: the phone page where people vote, and the RTE's control where each
scope's vote is opened, counted live, revealed, and a concern turned into a risk."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art import rules
from art.access import (
    Action,
    can,
    can_vote_in,
    my_team_id,
)
from art.http import HtmxHttpRequest, toast
from art.models import ProgramIncrement, ReleaseTrain, Team
from pi_planning import services
from pi_planning.forms.votes import VoteForm
from pi_planning.models import Vote, VoteRound
from pi_planning.selectors.votes import confidence_scopes, my_votes
from pi_planning.views.common import base_context, done, first_error, train_and_pi

VOTE = "pi_planning/vote.html"


CONFIDENCE = "pi_planning/confidence.html"


def _vote_context(request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement) -> dict[str, Any]:
    context = base_context(request, train, pi)
    scopes = confidence_scopes(pi=pi)
    mine = my_votes(pi=pi, user=request.user)
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
    train, pi = train_and_pi(request, slug, pi_id)
    context = _vote_context(request, train, pi)
    if request.htmx and request.htmx.target == "vote-scopes":
        return render(request, f"{VOTE}#scopes", context)
    return render(request, VOTE, context)


@require_POST
@login_required
def vote_cast(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
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
        try:  # who votes in which scope is the service's to decide (PermissionDenied: 403)
            cast = services.vote_cast(
                actor=request.user,
                pi=pi,
                team=team,
                score=form.cleaned_data["score"],
                concern=form.cleaned_data["concern"],
            )
        except ValidationError as exc:
            error = first_error(exc)[1]
        else:
            what = f"Your vote {cast.score} is in" + (" with your concern" if cast.concern else "")
            return done(
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


def _confidence_context(
    request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement
) -> dict[str, Any]:
    context = base_context(request, train, pi)
    context["scopes"] = confidence_scopes(pi=pi)
    if not context["can"][Action.RUN_EVENTS]:
        # The concern texts are the RTE's to read (docs/domain.md, "Confidence vote"): others,
        # viewers above all, see how many there are, never what they say.
        for scope in context["scopes"]:
            scope.concerns = []
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
    train, pi = train_and_pi(request, slug, pi_id)
    return render(request, CONFIDENCE, _confidence_context(request, train, pi))


@require_GET
@login_required
def confidence_scope(request: HtmxHttpRequest, slug: str, pi_id: int, scope: str) -> HttpResponse:
    """One scope's card, or (`?part=count`) its live count, which polls while the vote is open.
    Without htmx (the link opened on its own): the confidence page, at that scope's card."""
    train, pi = train_and_pi(request, slug, pi_id)
    team = _scope_team(train, scope)
    if not request.htmx:
        return redirect(_confidence_url(train, pi, scope))
    return _scope_card(
        request, train, pi, team, "scope-count" if request.GET.get("part") == "count" else "scope"
    )


@require_POST
@login_required
def vote_round_open(request: HtmxHttpRequest, slug: str, pi_id: int, scope: str) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    team = _scope_team(train, scope)
    services.vote_round_open(actor=request.user, pi=pi, team=team)
    return done(
        request,
        lambda: _scope_card(request, train, pi, team),
        _confidence_url(train, pi, scope),
        f"{team.name + '’s' if team else 'The train’s'} vote is open: people vote at the link on this page.",
    )


@require_POST
@login_required
def vote_round_reveal(request: HtmxHttpRequest, slug: str, pi_id: int, scope: str) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    team = _scope_team(train, scope)
    round_ = VoteRound.objects.filter(pi=pi, team=team).first()
    if round_ is None:
        raise Http404("This vote has not been opened")
    services.vote_round_reveal(actor=request.user, round_=round_)
    return done(
        request,
        lambda: _scope_card(request, train, pi, team),
        _confidence_url(train, pi, scope),
        f"{team.name + '’s' if team else 'The train’s'} vote revealed.",
    )


@require_POST
@login_required
def vote_concern_to_risk(request: HtmxHttpRequest, slug: str, pi_id: int, vote_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    cast = Vote.objects.filter(pi=pi, pk=vote_id).select_related("team", "pi__train").first()
    if cast is None:
        raise Http404("No such concern")
    try:
        risk = services.vote_concern_to_risk(actor=request.user, vote=cast)
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, first_error(exc)[1])
            return redirect(_confidence_url(train, pi))
        response = _scope_card(request, train, pi, cast.team)
        return toast(response, first_error(exc)[1].capitalize(), "error")
    return done(
        request,
        lambda: _scope_card(request, train, pi, cast.team),
        _confidence_url(train, pi, str(cast.team_id) if cast.team_id else "train"),
        f"Concern raised as risk “{risk.title}”, un-ROAMed on the risk board.",
    )
