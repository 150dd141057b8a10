"""Memberships: who is on the train, in which role (the train page's "people" section)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from art import services
from art.access import Action, object_for_user, train_for_user
from art.forms import MembershipForm, MembershipRoleForm, submit
from art.http import HtmxHttpRequest
from art.models import Membership, ReleaseTrain
from art.views.common import focus, refused, written
from art.views.trains import TRAIN_TEMPLATE, train_context, train_url


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
        return written(
            request,
            template=TRAIN_TEMPLATE,
            section="people",
            context=lambda: focus(train_context(request, train), "id_person-username"),
            redirect_to=train_url(train, "people"),
            event="people-changed",
            message=f"{membership.user.get_username()} added as {membership.get_role_display()}.",
        )
    return refused(
        request,
        template=TRAIN_TEMPLATE,
        section="people",
        context=train_context(request, train, person_form=form),
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
        return written(
            request,
            template=TRAIN_TEMPLATE,
            section="people",
            context=lambda: focus(train_context(request, train), f"person-{membership.pk}-edit"),
            redirect_to=train_url(train, "people"),
            event="people-changed",
            message=f"{membership.user.get_username()} is now {membership.get_role_display()}.",
        )
    return refused(
        request,
        template=TRAIN_TEMPLATE,
        section="people",
        context=train_context(request, train, edit_person_id=membership.pk, edit_person_form=form),
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
            return redirect(train_url(train, "people"))
        return refused(
            request,
            template=TRAIN_TEMPLATE,
            section="people",
            context=train_context(request, train, row_error={membership.pk: " ".join(exc.messages)}),
        )
    return written(
        request,
        template=TRAIN_TEMPLATE,
        section="people",
        context=lambda: train_context(request, train),
        redirect_to=train_url(train, "people"),
        event="people-changed",
        message=f"{membership.user.get_username()} removed from {train.name}.",
    )
