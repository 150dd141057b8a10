"""My trains, creating a train, and the train page (its PIs, teams and people)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from art import selectors, services
from art.access import Action, check_train_create, permissions, seat, train_for_user
from art.forms import EDIT_IDS, MembershipForm, MembershipRoleForm, PICreateForm, TeamForm, TrainForm, submit
from art.http import HtmxHttpRequest
from art.models import Membership, ReleaseTrain
from art.views.common import int_param, page, refused

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
    return page(request, "art/my_trains.html", _my_trains_context(request), {"trains"})


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
    return refused(
        request,
        template="art/my_trains.html",
        section="trains",
        context=_my_trains_context(request, train_form=form, show_train_form=True),
    )


# --- train page: PIs, teams, people ---------------------------------------------------------

TRAIN_TEMPLATE = "art/train.html"
TRAIN_SECTIONS = {"pis", "teams", "people"}


def train_context(request: HtmxHttpRequest, train: ReleaseTrain, **extra: Any) -> dict[str, Any]:
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
        # The RTE sees which tokens act in the train (never the keys); only a superuser may
        # revoke someone else's, in the admin.
        context.update(
            train_tokens=list(selectors.train_api_tokens(train=train)),
            can_revoke_others=request.user.is_superuser,
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
    context = train_context(request, train)
    if context["can"][Action.MANAGE_TRAIN]:
        edit_team_id, edit_person_id = int_param(request, "edit_team"), int_param(request, "edit_person")
        team = next((t for t in context["teams"] if t.pk == edit_team_id), None)
        if team is not None:
            context["edit_team_id"] = team.pk
            context["edit_team_form"] = TeamForm(
                initial={
                    "name": team.name,
                    "kind": team.kind,
                    "abbreviation": team.abbreviation,
                    "wip_limit": team.wip_limit,
                },
                auto_id=EDIT_IDS,
            )
        person = next((m for m in context["memberships"] if m.pk == edit_person_id), None)
        if person is not None:
            context["edit_person_id"] = person.pk
            context["edit_person_form"] = MembershipRoleForm(
                train=train, initial={"role": person.role, "team": person.team_id}
            )
    return page(request, TRAIN_TEMPLATE, context, TRAIN_SECTIONS)


def train_url(train: ReleaseTrain, anchor: str = "") -> str:
    return reverse("art:train", kwargs={"slug": train.slug}) + (f"#{anchor}" if anchor else "")
