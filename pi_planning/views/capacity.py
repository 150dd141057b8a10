"""A team's capacity page: each person's FTE, whether they deliver and their absences per
iteration, the train's public holidays, and the team's capacity and load per iteration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art import rules, services
from art.access import Action, can, check, permissions, train_for_user
from art.forms import submit
from art.http import HtmxHttpRequest, toast
from art.models import Iteration, ProgramIncrement, ReleaseTrain, Team, TeamMember
from art.selectors import pi_current
from pi_planning import services as planning
from pi_planning.forms.capacity import HolidayForm, MemberCapacityForm
from pi_planning.models import Holiday
from pi_planning.selectors.board import (
    STATUS_ICONS,
    STATUS_TONES,
)
from pi_planning.selectors.capacity import BASIS_LABELS, team_capacity_table
from pi_planning.views.common import basis_param

CAPACITY = "pi_planning/capacity.html"


CAPACITY_SECTIONS = {"capacity"}


def _team(request: HtmxHttpRequest, slug: str, team_id: int) -> tuple[ReleaseTrain, Team]:
    train = train_for_user(request.user, slug, Action.VIEW)
    team = Team.objects.filter(train=train, pk=team_id).first()
    if team is None:
        raise Http404("No such team in this train")
    return train, team


def _capacity_pi(request: HtmxHttpRequest, train: ReleaseTrain) -> ProgramIncrement | None:
    value = request.GET.get("pi") or request.POST.get("pi") or ""
    if value.isdigit():
        pi = ProgramIncrement.objects.filter(train=train, pk=int(value)).first()
        if pi is None:
            raise Http404("No such PI in this train")
        return pi
    return pi_current(train=train)


def _capacity_context(
    request: HtmxHttpRequest, train: ReleaseTrain, team: Team, pi: ProgramIncrement | None, **extra: Any
) -> dict[str, Any]:
    flags = permissions(request.user, train.pk)
    can_edit = can(request.user, Action.EDIT_TEAM, train.pk, [team.pk])
    context: dict[str, Any] = {
        "train": train,
        "team": team,
        "pi": pi,
        "pis": list(ProgramIncrement.objects.filter(train=train).order_by("-start_date")),
        "can": flags,
        "can_edit_team": can_edit,
        "can_manage_holidays": flags[Action.MANAGE_TRAIN],
        "capacity_rule": rules.capacity.CAPACITY_RULE,
        "status_tones": STATUS_TONES,
        "status_icons": STATUS_ICONS,
        "basis_labels": BASIS_LABELS,
        "velocity_iterations": rules.capacity.VELOCITY_ITERATIONS,
    }
    if pi is not None:
        table = team_capacity_table(team=team, pi=pi, basis=basis_param(request))
        context["table"] = table
        forms_by_member = extra.pop("member_forms", {})
        context["tiles"] = list(zip(table.iterations, table.cells, strict=True))
        for row in table.members:
            form = forms_by_member.get(row.member.pk) or MemberCapacityForm(
                member=row.member,
                iterations=table.iterations,
                initial={"fte": row.member.fte, "delivering": row.member.delivering}
                | {f"absence_{c.iteration.pk}": c.absence_days or "" for c in row.iterations},
            )
            row.form, row.form_id = form, f"member-form-{row.member.pk}"
            row.cells = [(cell, form[f"absence_{cell.iteration.pk}"]) for cell in row.iterations]
        if flags[Action.MANAGE_TRAIN]:
            context["holiday_form"] = HolidayForm()
    context.update(extra)
    return context


def _capacity_url(train: ReleaseTrain, team: Team, pi: ProgramIncrement | None) -> str:
    url = reverse("pi_planning:team_capacity", kwargs={"slug": train.slug, "team_id": team.pk})
    return f"{url}?pi={pi.pk}" if pi else url


@require_GET
@login_required
def team_capacity(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    train, team = _team(request, slug, team_id)
    context = _capacity_context(request, train, team, _capacity_pi(request, train))
    if request.htmx and request.htmx.target in CAPACITY_SECTIONS:
        return render(request, f"{CAPACITY}#{request.htmx.target}", context)
    return render(request, CAPACITY, context)


def _capacity_written(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    team: Team,
    pi: ProgramIncrement | None,
    message: str,
    **extra: Any,
) -> HttpResponse:
    if not request.htmx:
        messages.success(request, message)
        return redirect(_capacity_url(train, team, pi))
    response = render(request, f"{CAPACITY}#capacity", _capacity_context(request, train, team, pi, **extra))
    return toast(response, message)


def _capacity_refused(
    request: HtmxHttpRequest, train: ReleaseTrain, team: Team, pi: ProgramIncrement | None, **extra: Any
) -> HttpResponse:
    name = f"{CAPACITY}#capacity" if request.htmx else CAPACITY
    return render(request, name, _capacity_context(request, train, team, pi, **extra), status=422)


@require_POST
@login_required
def team_capacity_member(request: HtmxHttpRequest, slug: str, team_id: int, member_id: int) -> HttpResponse:
    """The team (or the RTE) sets a person's FTE, whether they deliver, and their absence days
    in each iteration of the PI."""
    train, team = _team(request, slug, team_id)
    check(request.user, Action.EDIT_TEAM, train.pk, [team.pk])
    member = TeamMember.objects.filter(team=team, pk=member_id).first()
    if member is None:
        raise Http404("No such person in this team")
    pi = _capacity_pi(request, train)
    if pi is None:
        raise Http404("This train has no PI yet")
    # With their PI: the service checks each iteration's train.
    iterations = list(Iteration.objects.filter(pi=pi).select_related("pi").order_by("number"))
    form = MemberCapacityForm(request.POST, member=member, iterations=iterations)
    saved = submit(
        form,
        lambda data: services.team_member_capacity_set(
            actor=request.user,
            member=member,
            fte=data["fte"],
            delivering=data["delivering"],
            absences=form.absences(),
        ),
        aliases={"days": f"absence_{iterations[0].pk}"} if iterations else {},
    )
    if saved is not None:
        return _capacity_written(
            request, train, team, pi, f"{member.name} saved.", focus_id=f"member-{member.pk}-save"
        )
    return _capacity_refused(request, train, team, pi, member_forms={member.pk: form}, error_member=member.pk)


@require_POST
@login_required
def holiday_create(request: HtmxHttpRequest, slug: str, team_id: int) -> HttpResponse:
    """The RTE adds a public holiday of the whole train: a day off for everyone."""
    train, team = _team(request, slug, team_id)
    check(request.user, Action.MANAGE_TRAIN, train.pk)
    pi = _capacity_pi(request, train)
    form = HolidayForm(request.POST)
    holiday = submit(form, lambda data: planning.holiday_create(actor=request.user, train=train, **data))
    if holiday is not None:
        return _capacity_written(
            request,
            train,
            team,
            pi,
            f"{holiday.name} ({holiday.date:%-d %b %Y}) is a holiday for everyone.",
            focus_id="id_holiday-date",
        )
    return _capacity_refused(request, train, team, pi, holiday_form=form)


@require_POST
@login_required
def holiday_delete(request: HtmxHttpRequest, slug: str, team_id: int, holiday_id: int) -> HttpResponse:
    train, team = _team(request, slug, team_id)
    check(request.user, Action.MANAGE_TRAIN, train.pk)
    holiday = Holiday.objects.filter(train=train, pk=holiday_id).first()
    if holiday is None:
        raise Http404("No such holiday")
    pi = _capacity_pi(request, train)
    planning.holiday_delete(actor=request.user, holiday=holiday)
    return _capacity_written(request, train, team, pi, f"{holiday.name} removed from the holidays.")
