"""Pages of the train's core: my trains, train, PI, team, API tokens.

Each view parses, checks access through art.access, calls a service or selector and renders.
One template per page; htmx requests get a named partial of it (`page.html#section`): a GET
whose HX-Target is a section id gets that section, a write answers with the section it changed.
Without JavaScript every form still works: writes redirect back (or re-render the page with the
errors), and "edit" links open the row's form through a query parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from art import selectors, services
from art.access import Action, can, check_train_create, object_for_user, permissions, seat, train_for_user
from art.forms import (
    EDIT_IDS,
    ApiTokenForm,
    IterationForm,
    MembershipForm,
    MembershipRoleForm,
    MilestoneForm,
    PICreateForm,
    PIForm,
    TeamForm,
    TeamMemberForm,
    TrainForm,
    submit,
)
from art.http import HtmxHttpRequest
from art.models import (
    ApiToken,
    Iteration,
    Membership,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    Team,
    TeamMember,
)

# --- helpers --------------------------------------------------------------------------------


def _signed_in(request: HtmxHttpRequest) -> Any:
    """The user of a view behind @login_required (never anonymous there)."""
    return request.user


def _int_param(request: HtmxHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def _page(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], sections: set[str], status: int = 200
) -> HttpResponse:
    """The full page, or the section an htmx request targets."""
    target = request.htmx.target if request.htmx else None
    if target in sections:
        return render(request, f"{template}#{target}", context, status=status)
    return render(request, template, context, status=status)


def _written(
    request: HtmxHttpRequest,
    *,
    template: str,
    section: str,
    context: Callable[[], dict[str, Any]],
    redirect_to: str,
    message: str,
    event: str | None = None,
) -> HttpResponse:
    """After a successful write: the changed section and a toast (htmx), else redirect back."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(redirect_to)
    response = render(request, f"{template}#{section}", context())
    trigger_client_event(response, "toast", {"message": message, "level": "success"})
    if event:
        trigger_client_event(response, event)
    return response


def _refused(
    request: HtmxHttpRequest, *, template: str, section: str, context: dict[str, Any]
) -> HttpResponse:
    """Invalid input: the section (htmx) or the page with the messages next to the fields, 422."""
    name = f"{template}#{section}" if request.htmx else template
    return render(request, name, context, status=422)


def _focus(context: dict[str, Any], element_id: str) -> dict[str, Any]:
    context["focus_id"] = element_id
    return context


# --- sign in and my trains ------------------------------------------------------------------


def _my_trains_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    trains = list(selectors.train_list(user=request.user))
    current = selectors.pi_current_by_train(train_ids=[t.pk for t in trains])
    cards = []
    for train in trains:
        train_seat = seat(request.user, train.pk)
        cards.append(
            {
                "train": train,
                "current_pi": current.get(train.pk),
                "seat": train_seat,
                "role_label": Membership.Role(train_seat.role).label if train_seat else "Admin access",
            }
        )
    context: dict[str, Any] = {"trains": cards, "can_create_train": request.user.is_superuser}
    if request.user.is_superuser:
        context["train_form"] = TrainForm()
    context.update(extra)
    return context


@require_GET
@login_required
def my_trains(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, "art/my_trains.html", _my_trains_context(request), {"trains"})


@require_POST
@login_required
def train_create(request: HtmxHttpRequest) -> HttpResponse:
    check_train_create(request.user)
    form = TrainForm(request.POST)
    train = submit(form, lambda data: services.train_create(actor=request.user, **data))
    if train is not None:
        url = reverse("art:train", kwargs={"slug": train.slug})
        messages.success(request, f"{train.name} created: you are its RTE.")
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return _refused(
        request,
        template="art/my_trains.html",
        section="trains",
        context=_my_trains_context(request, train_form=form, show_train_form=True),
    )


# --- train page: PIs, teams, people ---------------------------------------------------------

TRAIN_TEMPLATE = "art/train.html"
TRAIN_SECTIONS = {"pis", "teams", "people"}


def _train_context(request: HtmxHttpRequest, train: ReleaseTrain, **extra: Any) -> dict[str, Any]:
    can_flags = permissions(request.user, train.pk)
    my_seat = seat(request.user, train.pk)
    context: dict[str, Any] = {
        "train": train,
        "can": can_flags,
        "my_seat": my_seat,
        "my_role": Membership.Role(my_seat.role).label if my_seat else "Admin access",
        "pis": list(selectors.pi_list(train=train)),
        "teams": list(selectors.team_list(train=train)),
        "memberships": list(selectors.membership_list(train=train)),
    }
    if can_flags[Action.MANAGE_TRAIN]:
        context.update(
            team_form=TeamForm(),
            person_form=MembershipForm(train=train),
            pi_form=PICreateForm(),
        )
    context.update(extra)
    return context


@require_GET
@login_required
def train(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    context = _train_context(request, train)
    if context["can"][Action.MANAGE_TRAIN]:
        edit_team_id, edit_person_id = _int_param(request, "edit_team"), _int_param(request, "edit_person")
        team = next((t for t in context["teams"] if t.pk == edit_team_id), None)
        if team is not None:
            context["edit_team_id"] = team.pk
            context["edit_team_form"] = TeamForm(
                initial={"name": team.name, "kind": team.kind, "abbreviation": team.abbreviation},
                auto_id=EDIT_IDS,
            )
        person = next((m for m in context["memberships"] if m.pk == edit_person_id), None)
        if person is not None:
            context["edit_person_id"] = person.pk
            context["edit_person_form"] = MembershipRoleForm(
                train=train, initial={"role": person.role, "team": person.team_id}
            )
    return _page(request, TRAIN_TEMPLATE, context, TRAIN_SECTIONS)


def _train_url(train: ReleaseTrain, anchor: str = "") -> str:
    return reverse("art:train", kwargs={"slug": train.slug}) + (f"#{anchor}" if anchor else "")


@require_POST
@login_required
def team_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    form = TeamForm(request.POST)
    team = submit(form, lambda data: services.team_create(actor=request.user, train=train, **data))
    if team is not None:
        return _written(
            request,
            template=TRAIN_TEMPLATE,
            section="teams",
            context=lambda: _focus(_train_context(request, train), "id_team-name"),
            redirect_to=_train_url(train, "teams"),
            message=f"Team {team.name} added.",
            event="teams-changed",
        )
    return _refused(
        request,
        template=TRAIN_TEMPLATE,
        section="teams",
        context=_train_context(request, train, team_form=form),
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
        return _written(
            request,
            template=TRAIN_TEMPLATE,
            section="teams",
            context=lambda: _focus(_train_context(request, train), f"team-{team.pk}-edit"),
            redirect_to=_train_url(train, "teams"),
            message=f"Team {team.name} saved.",
            event="teams-changed",
        )
    return _refused(
        request,
        template=TRAIN_TEMPLATE,
        section="teams",
        context=_train_context(request, train, edit_team_id=team.pk, edit_team_form=form),
    )


@require_POST
@login_required
def team_delete(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    team = _team_of_train(request, train, team_id, Action.MANAGE_TRAIN)
    try:
        services.team_delete(actor=request.user, team=team)
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, " ".join(exc.messages))
            return redirect(_train_url(train, "teams"))
        return _refused(
            request,
            template=TRAIN_TEMPLATE,
            section="teams",
            context=_train_context(request, train, row_error={team.pk: " ".join(exc.messages)}),
        )
    return _written(
        request,
        template=TRAIN_TEMPLATE,
        section="teams",
        context=lambda: _train_context(request, train),
        redirect_to=_train_url(train, "teams"),
        message=f"Team {team.name} deleted.",
        event="teams-changed",
    )


@require_POST
@login_required
def membership_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    form = MembershipForm(request.POST, train=train)
    membership = submit(
        form,
        lambda data: services.membership_create(actor=request.user, train=train, **data),
        aliases={"user": "username"},
    )
    if membership is not None:
        return _written(
            request,
            template=TRAIN_TEMPLATE,
            section="people",
            context=lambda: _focus(_train_context(request, train), "id_person-username"),
            redirect_to=_train_url(train, "people"),
            event="people-changed",
            message=f"{membership.user.get_username()} added as {membership.get_role_display()}.",
        )
    return _refused(
        request,
        template=TRAIN_TEMPLATE,
        section="people",
        context=_train_context(request, train, person_form=form),
    )


def _membership_of_train(request: HtmxHttpRequest, train: ReleaseTrain, membership_id: int) -> Membership:
    return object_for_user(
        request.user,
        Membership.objects.filter(train=train).select_related("user"),
        membership_id,
        Action.MANAGE_TRAIN,
    )


@require_POST
@login_required
def membership_update(request: HtmxHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    membership = _membership_of_train(request, train, membership_id)
    form = MembershipRoleForm(request.POST, train=train)
    saved = submit(
        form, lambda data: services.membership_update(actor=request.user, membership=membership, **data)
    )
    if saved is not None:
        membership = saved
        return _written(
            request,
            template=TRAIN_TEMPLATE,
            section="people",
            context=lambda: _focus(_train_context(request, train), f"person-{membership.pk}-edit"),
            redirect_to=_train_url(train, "people"),
            event="people-changed",
            message=f"{membership.user.get_username()} is now {membership.get_role_display()}.",
        )
    return _refused(
        request,
        template=TRAIN_TEMPLATE,
        section="people",
        context=_train_context(request, train, edit_person_id=membership.pk, edit_person_form=form),
    )


@require_POST
@login_required
def membership_delete(request: HtmxHttpRequest, slug: str, membership_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    membership = _membership_of_train(request, train, membership_id)
    try:
        services.membership_delete(actor=request.user, membership=membership)
    except ValidationError as exc:
        if not request.htmx:
            messages.error(request, " ".join(exc.messages))
            return redirect(_train_url(train, "people"))
        return _refused(
            request,
            template=TRAIN_TEMPLATE,
            section="people",
            context=_train_context(request, train, row_error={membership.pk: " ".join(exc.messages)}),
        )
    return _written(
        request,
        template=TRAIN_TEMPLATE,
        section="people",
        context=lambda: _train_context(request, train),
        redirect_to=_train_url(train, "people"),
        event="people-changed",
        message=f"{membership.user.get_username()} removed from {train.name}.",
    )


@require_POST
@login_required
def pi_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    form = PICreateForm(request.POST)
    pi = submit(form, lambda data: services.pi_create(actor=request.user, train=train, **data))
    if pi is not None:
        return _written(
            request,
            template=TRAIN_TEMPLATE,
            section="pis",
            context=lambda: _focus(_train_context(request, train), f"pi-{pi.pk}-link"),
            redirect_to=_train_url(train, "pis"),
            event="pis-changed",
            message=f"{pi.name} created with {form.cleaned_data['iterations']} iterations.",
        )
    return _refused(
        request,
        template=TRAIN_TEMPLATE,
        section="pis",
        context=_train_context(request, train, pi_form=form, show_pi_form=True),
    )


# --- PI page: iterations and milestones -----------------------------------------------------

PI_TEMPLATE = "art/pi.html"
PI_SECTIONS = {"pi-details", "schedule"}


def _pi_of_train(request: HtmxHttpRequest, train: ReleaseTrain, pi_id: int) -> ProgramIncrement:
    return object_for_user(request.user, ProgramIncrement.objects.filter(train=train), pi_id, Action.VIEW)


def _pi_context(
    request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement, **extra: Any
) -> dict[str, Any]:
    context = {"train": train, "can": permissions(request.user, train.pk), **selectors.pi_detail(pi=pi)}
    context["development_iterations"] = [i for i in context["iterations"] if not i.is_ip]
    context["unplaced_milestones"] = [
        m for m in context["milestones"] if not any(m in i.milestone_list for i in context["iterations"])
    ]
    if context["can"][Action.MANAGE_TRAIN]:
        context["milestone_form"] = MilestoneForm()
    context.update(extra)
    return context


def _pi_url(pi: ProgramIncrement, train: ReleaseTrain, anchor: str = "") -> str:
    return reverse("art:pi", kwargs={"slug": train.slug, "pi_id": pi.pk}) + (f"#{anchor}" if anchor else "")


@require_GET
@login_required
def pi(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.VIEW)
    pi = _pi_of_train(request, train, pi_id)
    context = _pi_context(request, train, pi)
    if context["can"][Action.MANAGE_TRAIN]:
        if request.GET.get("edit") == "pi":
            context["edit_pi_form"] = PIForm(
                initial={
                    "name": pi.name,
                    "start_date": pi.start_date,
                    "end_date": pi.end_date,
                    "state": pi.state,
                }
            )
        iteration = next(
            (i for i in context["iterations"] if i.pk == _int_param(request, "edit_iteration")), None
        )
        if iteration is not None:
            context["edit_iteration_id"] = iteration.pk
            context["edit_iteration_form"] = IterationForm(
                initial={"start_date": iteration.start_date, "end_date": iteration.end_date}
            )
        milestone = next(
            (m for m in context["milestones"] if m.pk == _int_param(request, "edit_milestone")), None
        )
        if milestone is not None:
            context["edit_milestone_id"] = milestone.pk
            context["edit_milestone_form"] = MilestoneForm(
                initial={
                    "name": milestone.name,
                    "date": milestone.date,
                    "description": milestone.description,
                },
                auto_id=EDIT_IDS,
            )
    return _page(request, PI_TEMPLATE, context, PI_SECTIONS)


@require_POST
@login_required
def pi_update(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = _pi_of_train(request, train, pi_id)
    form = PIForm(request.POST)
    saved = submit(form, lambda data: services.pi_update(actor=request.user, pi=pi, **data))
    if saved is not None:
        pi = saved
        return _written(
            request,
            template=PI_TEMPLATE,
            section="pi-details",
            context=lambda: _focus(_pi_context(request, train, pi), "pi-edit"),
            redirect_to=_pi_url(pi, train),
            message=f"{pi.name} saved.",
        )
    return _refused(
        request,
        template=PI_TEMPLATE,
        section="pi-details",
        context=_pi_context(request, train, pi, edit_pi_form=form),
    )


@require_POST
@login_required
def iteration_update(request: HtmxHttpRequest, slug: str, pi_id: int, iteration_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = _pi_of_train(request, train, pi_id)
    iteration = object_for_user(
        request.user, Iteration.objects.filter(pi=pi), iteration_id, Action.MANAGE_TRAIN
    )
    form = IterationForm(request.POST)
    saved = submit(
        form, lambda data: services.iteration_update(actor=request.user, iteration=iteration, **data)
    )
    if saved is not None:
        iteration = saved
        return _written(
            request,
            template=PI_TEMPLATE,
            section="schedule",
            context=lambda: _focus(_pi_context(request, train, pi), f"iteration-{iteration.pk}-edit"),
            redirect_to=_pi_url(pi, train, "schedule"),
            message=f"{iteration.name} saved.",
        )
    return _refused(
        request,
        template=PI_TEMPLATE,
        section="schedule",
        context=_pi_context(request, train, pi, edit_iteration_id=iteration.pk, edit_iteration_form=form),
    )


@require_POST
@login_required
def milestone_create(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = _pi_of_train(request, train, pi_id)
    form = MilestoneForm(request.POST)
    milestone = submit(form, lambda data: services.milestone_create(actor=request.user, pi=pi, **data))
    if milestone is not None:
        return _written(
            request,
            template=PI_TEMPLATE,
            section="schedule",
            context=lambda: _focus(_pi_context(request, train, pi), "id_milestone-name"),
            redirect_to=_pi_url(pi, train, "schedule"),
            message=f"Milestone {milestone.name} added.",
        )
    return _refused(
        request,
        template=PI_TEMPLATE,
        section="schedule",
        context=_pi_context(request, train, pi, milestone_form=form),
    )


def _milestone_of_pi(request: HtmxHttpRequest, pi: ProgramIncrement, milestone_id: int) -> Milestone:
    return object_for_user(request.user, Milestone.objects.filter(pi=pi), milestone_id, Action.MANAGE_TRAIN)


@require_POST
@login_required
def milestone_update(request: HtmxHttpRequest, slug: str, pi_id: int, milestone_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = _pi_of_train(request, train, pi_id)
    milestone = _milestone_of_pi(request, pi, milestone_id)
    form = MilestoneForm(request.POST, auto_id=EDIT_IDS)
    saved = submit(
        form, lambda data: services.milestone_update(actor=request.user, milestone=milestone, **data)
    )
    if saved is not None:
        milestone = saved
        return _written(
            request,
            template=PI_TEMPLATE,
            section="schedule",
            context=lambda: _focus(_pi_context(request, train, pi), f"milestone-{milestone.pk}-edit"),
            redirect_to=_pi_url(pi, train, "schedule"),
            message=f"Milestone {milestone.name} saved.",
        )
    return _refused(
        request,
        template=PI_TEMPLATE,
        section="schedule",
        context=_pi_context(request, train, pi, edit_milestone_id=milestone.pk, edit_milestone_form=form),
    )


@require_POST
@login_required
def milestone_delete(request: HtmxHttpRequest, slug: str, pi_id: int, milestone_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = _pi_of_train(request, train, pi_id)
    milestone = _milestone_of_pi(request, pi, milestone_id)
    services.milestone_delete(actor=request.user, milestone=milestone)
    return _written(
        request,
        template=PI_TEMPLATE,
        section="schedule",
        context=lambda: _pi_context(request, train, pi),
        redirect_to=_pi_url(pi, train, "schedule"),
        message=f"Milestone {milestone.name} deleted.",
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
        person = next((p for p in context["people"] if p.pk == _int_param(request, "edit_member")), None)
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
    return _page(request, TEAM_TEMPLATE, context, TEAM_SECTIONS)


@require_POST
@login_required
def team_member_create(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train, team = _editable_team(request, slug, team_id)
    form = TeamMemberForm(request.POST)
    person = submit(form, lambda data: services.team_member_create(actor=request.user, team=team, **data))
    if person is not None:
        return _written(
            request,
            template=TEAM_TEMPLATE,
            section="team-people",
            context=lambda: _focus(_team_context(request, train, team), "id_member-name"),
            redirect_to=_team_url(train, team),
            message=f"{person.name} added to {team.name}.",
        )
    return _refused(
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
        return _written(
            request,
            template=TEAM_TEMPLATE,
            section="team-people",
            context=lambda: _focus(_team_context(request, train, team), f"member-{person.pk}-edit"),
            redirect_to=_team_url(train, team),
            message=f"{person.name} saved.",
        )
    return _refused(
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
    return _written(
        request,
        template=TEAM_TEMPLATE,
        section="team-people",
        context=lambda: _team_context(request, train, team),
        redirect_to=_team_url(train, team),
        message=f"{person.name} removed from {team.name}.",
    )


# --- API tokens -----------------------------------------------------------------------------

TOKENS_TEMPLATE = "art/tokens.html"


def _tokens_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    context = {
        "tokens": list(
            ApiToken.objects.filter(user=_signed_in(request)).order_by("revoked_at", "-created_at")
        ),
        "token_form": ApiTokenForm(),
    }
    context.update(extra)
    return context


@require_GET
@login_required
def tokens(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request, TOKENS_TEMPLATE, _tokens_context(request), {"tokens"})


@require_POST
@login_required
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    saved = submit(form, lambda data: services.api_token_create(user=request.user, name=data["name"]))
    if saved is not None:
        token, key = saved
        # The key exists only in this response: it is never stored, so show it here and now,
        # also without htmx (no redirect, which would lose it).
        context = _tokens_context(request, new_token=token, new_key=key)
        name = f"{TOKENS_TEMPLATE}#tokens" if request.htmx else TOKENS_TEMPLATE
        response = render(request, name, context, status=200)
        if request.htmx:
            trigger_client_event(
                response, "toast", {"message": f"Token {token.name} created.", "level": "success"}
            )
        return response
    return _refused(
        request, template=TOKENS_TEMPLATE, section="tokens", context=_tokens_context(request, token_form=form)
    )


@require_POST
@login_required
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=_signed_in(request), pk=token_id).first()
    if token is None:
        raise Http404("No such token")
    services.api_token_revoke(user=request.user, token=token)
    return _written(
        request,
        template=TOKENS_TEMPLATE,
        section="tokens",
        context=lambda: _tokens_context(request),
        redirect_to=reverse("art:tokens"),
        message=f"Token {token.name} revoked: it no longer works.",
    )
