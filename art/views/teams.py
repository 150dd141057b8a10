"""Teams: creating, renaming and deleting them on the train page, and the team page with its people."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art import selectors, services
from art.access import Action, can, object_for_user, permissions, train_for_user
from art.errors import InUseError
from art.forms import EDIT_IDS, TeamForm, TeamMemberForm, submit
from art.http import HtmxHttpRequest
from art.models import ReleaseTrain, Team, TeamMember
from art.services.common import deletion_summary, deletion_words
from art.services.train import team_delete_refusal
from art.views.common import focus, int_param, page, refused, written
from art.views.trains import TRAIN_TEMPLATE, train_context, train_url


@require_POST
@login_required
def team_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    form = TeamForm(request.POST)
    team = submit(form, lambda data: services.team_create(actor=request.user, train=train, **data))
    if team is not None:
        return written(
            request,
            template=TRAIN_TEMPLATE,
            section="teams",
            context=lambda: focus(train_context(request, train), "id_team-name"),
            redirect_to=train_url(train, "teams"),
            message=f"Team {team.name} added.",
            event="teams-changed",
        )
    return refused(
        request,
        template=TRAIN_TEMPLATE,
        section="teams",
        context=train_context(request, train, team_form=form),
    )


def _team_of_train(request: HtmxHttpRequest, train: ReleaseTrain, team_id: int, action: Action) -> Team:
    return object_for_user(request.user, Team.objects.filter(train=train), team_id, action)


@require_POST
@login_required
def team_update(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    team = _team_of_train(request, train, team_id, Action.MANAGE_TRAIN)
    form = TeamForm(request.POST, auto_id=EDIT_IDS)
    saved = submit(form, lambda data: services.team_update(actor=request.user, team=team, **data))
    if saved is not None:
        team = saved
        return written(
            request,
            template=TRAIN_TEMPLATE,
            section="teams",
            context=lambda: focus(train_context(request, train), f"team-{team.pk}-edit"),
            redirect_to=train_url(train, "teams"),
            message=f"Team {team.name} saved.",
            event="teams-changed",
        )
    return refused(
        request,
        template=TRAIN_TEMPLATE,
        section="teams",
        context=train_context(request, train, edit_team_id=team.pk, edit_team_form=form),
    )


@require_POST
@login_required
def team_delete(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    team = _team_of_train(request, train, team_id, Action.MANAGE_TRAIN)
    if request.POST.get("confirm") != "yes" and not team_delete_refusal(team):
        # First say what goes with it (people, objectives, dependencies, …); the button in that
        # answer confirms. A team with nothing in it goes at once.
        try:
            goes = deletion_words(deletion_summary(team))
        except InUseError as exc:
            goes, in_use = "", str(exc)
        else:
            in_use = ""
        if goes or in_use:
            context = train_context(
                request,
                train,
                row_error={team.pk: in_use} if in_use else {},
                row_confirm={team.pk: f"Deleting {team.name} also deletes {goes}."} if goes else {},
            )
            name = f"{TRAIN_TEMPLATE}#teams" if request.htmx else TRAIN_TEMPLATE
            return render(request, name, context, status=409 if in_use else 200)
    try:
        services.team_delete(actor=request.user, team=team)
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, " ".join(exc.messages))
            return redirect(train_url(train, "teams"))
        return refused(
            request,
            template=TRAIN_TEMPLATE,
            section="teams",
            context=train_context(request, train, row_error={team.pk: " ".join(exc.messages)}),
        )
    return written(
        request,
        template=TRAIN_TEMPLATE,
        section="teams",
        context=lambda: train_context(request, train),
        redirect_to=train_url(train, "teams"),
        message=f"Team {team.name} deleted.",
        event="teams-changed",
    )


# --- team page: the team's people -----------------------------------------------------------

TEAM_TEMPLATE = "art/team.html"
TEAM_SECTIONS = {"team-people"}


def _team_context(request: HtmxHttpRequest, train: ReleaseTrain, team: Team, **extra: Any) -> dict[str, Any]:
    can_edit = can(request.user, Action.EDIT_TEAM, train.pk, [team.pk])
    people = list(selectors.team_member_list(team=team))
    context: dict[str, Any] = {
        "train": train,
        "team": team,
        "can": permissions(request.user, train.pk),
        "can_edit_team": can_edit,
        "people": people,
        "fte_total": sum((p.fte for p in people), start=0),
        "delivering_count": sum(1 for p in people if p.delivering),
    }
    if can_edit:
        context["member_form"] = TeamMemberForm()
    context.update(extra)
    return context


def _team_url(train: ReleaseTrain, team: Team) -> str:
    return reverse("art:team", kwargs={"slug": train.slug, "team_id": team.pk})


def _editable_team(request: HtmxHttpRequest, slug: str, team_id: int) -> tuple[ReleaseTrain, Team]:
    train = train_for_user(request.user, slug, Action.VIEW)
    team = object_for_user(
        request.user, Team.objects.filter(train=train), team_id, Action.EDIT_TEAM, teams=lambda t: [t.pk]
    )
    return train, team


@require_GET
@login_required
def team(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    team = object_for_user(request.user, Team.objects.filter(train=train), team_id, Action.VIEW)
    context = _team_context(request, train, team)
    if context["can_edit_team"]:
        person = next((p for p in context["people"] if p.pk == int_param(request, "edit_member")), None)
        if person is not None:
            context["edit_member_id"] = person.pk
            context["edit_member_form"] = TeamMemberForm(
                initial={
                    "name": person.name,
                    "role": person.role,
                    "fte": person.fte,
                    "delivering": person.delivering,
                },
                auto_id=EDIT_IDS,
            )
    return page(request, TEAM_TEMPLATE, context, TEAM_SECTIONS)


@require_POST
@login_required
def team_member_create(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train, team = _editable_team(request, slug, team_id)
    form = TeamMemberForm(request.POST)
    person = submit(form, lambda data: services.team_member_create(actor=request.user, team=team, **data))
    if person is not None:
        return written(
            request,
            template=TEAM_TEMPLATE,
            section="team-people",
            context=lambda: focus(_team_context(request, train, team), "id_member-name"),
            redirect_to=_team_url(train, team),
            message=f"{person.name} added to {team.name}.",
        )
    return refused(
        request,
        template=TEAM_TEMPLATE,
        section="team-people",
        context=_team_context(request, train, team, member_form=form),
    )


def _person_of_team(request: HtmxHttpRequest, team: Team, member_id: int) -> TeamMember:
    return object_for_user(
        request.user,
        TeamMember.objects.filter(team=team),
        member_id,
        Action.EDIT_TEAM,
        teams=lambda m: [m.team_id],
    )


@require_POST
@login_required
def team_member_update(request: HtmxHttpRequest, slug: str, team_id: int, member_id: int) -> HttpResponse:
    train, team = _editable_team(request, slug, team_id)
    person = _person_of_team(request, team, member_id)
    form = TeamMemberForm(request.POST, auto_id=EDIT_IDS)
    saved = submit(form, lambda data: services.team_member_update(actor=request.user, member=person, **data))
    if saved is not None:
        person = saved
        return written(
            request,
            template=TEAM_TEMPLATE,
            section="team-people",
            context=lambda: focus(_team_context(request, train, team), f"member-{person.pk}-edit"),
            redirect_to=_team_url(train, team),
            message=f"{person.name} saved.",
        )
    return refused(
        request,
        template=TEAM_TEMPLATE,
        section="team-people",
        context=_team_context(request, train, team, edit_member_id=person.pk, edit_member_form=form),
    )


@require_POST
@login_required
def team_member_delete(request: HtmxHttpRequest, slug: str, team_id: int, member_id: int) -> HttpResponse:
    train, team = _editable_team(request, slug, team_id)
    person = _person_of_team(request, team, member_id)
    services.team_member_delete(actor=request.user, member=person)
    return written(
        request,
        template=TEAM_TEMPLATE,
        section="team-people",
        context=lambda: _team_context(request, train, team),
        redirect_to=_team_url(train, team),
        message=f"{person.name} removed from {team.name}.",
    )
