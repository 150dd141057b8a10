"""PIs: creating one on the train page, and the PI page with its iterations and milestones."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art import selectors, services
from art.access import Action, object_for_user, permissions, train_for_user
from art.context_processors import pi_links
from art.forms import EDIT_IDS, IterationForm, MilestoneForm, PICreateForm, PIForm, submit
from art.http import HtmxHttpRequest
from art.models import Iteration, Milestone, ProgramIncrement, ReleaseTrain
from art.views.common import focus, int_param, page, refused, written
from art.views.trains import TRAIN_TEMPLATE, train_context, train_url


@require_POST
@login_required
def pi_create(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    form = PICreateForm(request.POST)
    pi = submit(form, lambda data: services.pi_create(actor=request.user, train=train, **data))
    if pi is not None:
        return written(
            request,
            template=TRAIN_TEMPLATE,
            section="pis",
            context=lambda: focus(train_context(request, train), f"pi-{pi.pk}-link"),
            redirect_to=train_url(train, "pis"),
            event="pis-changed",
            message=f"{pi.name} created with {form.cleaned_data['iterations']} iterations.",
        )
    return refused(
        request,
        template=TRAIN_TEMPLATE,
        section="pis",
        context=train_context(request, train, pi_form=form, show_pi_form=True),
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
    context["pi_links"] = pi_links(train, pi)
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
            (i for i in context["iterations"] if i.pk == int_param(request, "edit_iteration")), None
        )
        if iteration is not None:
            context["edit_iteration_id"] = iteration.pk
            context["edit_iteration_form"] = IterationForm(
                initial={"start_date": iteration.start_date, "end_date": iteration.end_date}
            )
        milestone = next(
            (m for m in context["milestones"] if m.pk == int_param(request, "edit_milestone")), None
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
    return page(request, PI_TEMPLATE, context, PI_SECTIONS)


@require_POST
@login_required
def pi_update(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train = train_for_user(request.user, slug, Action.MANAGE_TRAIN)
    pi = _pi_of_train(request, train, pi_id)
    form = PIForm(request.POST)
    saved = submit(form, lambda data: services.pi_update(actor=request.user, pi=pi, **data))
    if saved is not None:
        pi = saved
        return written(
            request,
            template=PI_TEMPLATE,
            section="pi-details",
            context=lambda: focus(_pi_context(request, train, pi), "pi-edit"),
            redirect_to=_pi_url(pi, train),
            message=f"{pi.name} saved.",
        )
    return refused(
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
        return written(
            request,
            template=PI_TEMPLATE,
            section="schedule",
            context=lambda: focus(_pi_context(request, train, pi), f"iteration-{iteration.pk}-edit"),
            redirect_to=_pi_url(pi, train, "schedule"),
            message=f"{iteration.name} saved.",
        )
    return refused(
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
        return written(
            request,
            template=PI_TEMPLATE,
            section="schedule",
            context=lambda: focus(_pi_context(request, train, pi), "id_milestone-name"),
            redirect_to=_pi_url(pi, train, "schedule"),
            message=f"Milestone {milestone.name} added.",
        )
    return refused(
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
        return written(
            request,
            template=PI_TEMPLATE,
            section="schedule",
            context=lambda: focus(_pi_context(request, train, pi), f"milestone-{milestone.pk}-edit"),
            redirect_to=_pi_url(pi, train, "schedule"),
            message=f"Milestone {milestone.name} saved.",
        )
    return refused(
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
    return written(
        request,
        template=PI_TEMPLATE,
        section="schedule",
        context=lambda: _pi_context(request, train, pi),
        redirect_to=_pi_url(pi, train, "schedule"),
        message=f"Milestone {milestone.name} deleted.",
    )
