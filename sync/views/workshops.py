"""The writes of Inspect & Adapt's problem-solving workshop, on the I&A page
(sync.views.inspect_adapt): the RTE opens it and writes the problem, its restatement and the
dots; everyone who takes part adds causes with their whys, casts dots, brainstorms solutions and
writes improvement items from them (sync.services.improvements.improvement_item_create).

Each write answers with the workshop's part of the page (`workshop` partial), a dot with the
vote and its Pareto chart (`dot-vote` partial), and a toast; a refusal answers the same part
with the rule's words next to what was refused. Without htmx: back to the page, with a message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest, toast
from art.models import ProgramIncrement, ReleaseTrain
from art.refusals import REFUSED, Refusal, refusal_of
from sync import services
from sync.forms.workshops import CauseForm, ItemForm, SolutionForm, VoteForm, WhyForm, WorkshopForm
from sync.models import Cause, Solution, Workshop
from sync.views.inspect_adapt import PAGE, context, page_url, train_and_pi

CONFLICT = "Someone else changed {what} meanwhile: it now shows as it is. Nothing of yours was saved."


def _workshop(
    request: HtmxHttpRequest, slug: str, pi_id: int
) -> tuple[ReleaseTrain, ProgramIncrement, Workshop]:
    train, pi = train_and_pi(request, slug, pi_id)
    workshop = Workshop.objects.filter(pi=pi).first()
    if workshop is None:
        raise Http404("This PI's workshop is not open yet")
    return train, pi, workshop


def _cause(workshop: Workshop, cause_id: int) -> Cause:
    cause = Cause.objects.filter(workshop=workshop, pk=cause_id).first()
    if cause is None:
        raise Http404("No such cause in this workshop")
    return cause


def _answer(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    message: str,
    *,
    part: str = "workshop",
    anchor: str = "workshop",
    status: int = 200,
    level: str = "success",
    **extra: Any,
) -> HttpResponse:
    """The workshop's part (or the dot vote) as it is now, with a toast; without htmx, back to
    the page with the message."""
    if not request.htmx:
        (messages.success if level == "success" else messages.error)(request, message)
        return redirect(page_url(train, pi, anchor))
    response = render(
        request, f"{PAGE}#{part}", context(request, train, pi, parts=("workshop",), **extra), status=status
    )
    return toast(response, message, level) if message else response


def _refused(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    refusal: Refusal,
    *,
    what: str,
    part: str = "workshop",
    anchor: str = "workshop",
    **extra: Any,
) -> HttpResponse:
    words = CONFLICT.format(what=what) if refusal.conflict else refusal.message
    if not request.htmx:
        messages.error(request, words)
        return redirect(page_url(train, pi, anchor))
    return _answer(
        request, train, pi, words, part=part, anchor=anchor, status=refusal.status, level="error", **extra
    )


def _form_refused(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    form: Any,
    exc: Exception | None,
    *,
    name: str,
    what: str,
    anchor: str = "workshop",
    **extra: Any,
) -> HttpResponse:
    """A form refused (by itself or by the service): the workshop again with the form, its
    words next to the fields they name."""
    if isinstance(exc, ConflictError):
        return _refused(request, train, pi, refusal_of(exc), what=what, anchor=anchor)
    if isinstance(exc, ValidationError):
        apply_service_errors(form, exc)
    status = refusal_of(exc).status if exc is not None else 422
    if not request.htmx:
        return render(request, PAGE, context(request, train, pi, **{name: form}, **extra), status=status)
    return render(
        request,
        f"{PAGE}#workshop",
        context(request, train, pi, parts=("workshop",), **{name: form}, **extra),
        status=status,
    )


def _attempt(act: Callable[[], Any]) -> tuple[Any, Exception | None]:
    try:
        return act(), None
    except REFUSED as exc:
        return None, exc


@require_POST
@login_required
def workshop_open(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    services.workshop_open(actor=request.user, pi=pi)
    return _answer(
        request,
        train,
        pi,
        "Workshop open: write the problem, then everyone adds causes.",
        focus_id="id_workshop-problem",
    )


@require_POST
@login_required
def workshop_update(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """The RTE's fields: only those the form posted change."""
    train, pi, workshop = _workshop(request, slug, pi_id)
    form = WorkshopForm(request.POST)
    if not form.is_valid():
        return _form_refused(request, train, pi, form, None, name="workshop_form", what="the workshop")
    changes = form.changes(request.POST.keys())
    saved, exc = _attempt(
        lambda: services.workshop_update(
            actor=request.user, workshop=workshop, version=form.cleaned_data["version"], **changes
        )
    )
    if exc is not None:
        return _form_refused(request, train, pi, form, exc, name="workshop_form", what="the workshop")
    words = {
        "problem": "Problem statement saved.",
        "restated_problem": "Restated problem saved.",
        "dots_per_participant": f"Everyone has {saved.dots_per_participant} dots.",
    }
    message = " ".join(words[n] for n in changes) if saved.version != workshop.version else "Nothing changed."
    focus = next((f"id_workshop-{n}" for n in changes), "")
    return _answer(request, train, pi, message, focus_id=focus)


@require_POST
@login_required
def cause_add(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi, workshop = _workshop(request, slug, pi_id)
    form = CauseForm(request.POST)
    if not form.is_valid():
        return _form_refused(
            request, train, pi, form, None, name="cause_form", what="the cause", anchor="fishbone"
        )
    data = form.cleaned_data
    cause, exc = _attempt(
        lambda: services.cause_add(
            actor=request.user,
            workshop=workshop,
            category=data["category"],
            text=data["text"],
            whys=data["whys"],
        )
    )
    if exc is not None:
        return _form_refused(
            request, train, pi, form, exc, name="cause_form", what="the cause", anchor="fishbone"
        )
    return _answer(
        request,
        train,
        pi,
        f"Cause added to {cause.get_category_display()}.",
        anchor=f"cause-{cause.pk}",
        focus_id="id_cause-text",
    )


@require_POST
@login_required
def cause_update(request: HtmxHttpRequest, slug: str, pi_id: int, cause_id: int) -> HttpResponse:
    train, pi, workshop = _workshop(request, slug, pi_id)
    cause = _cause(workshop, cause_id)
    form = CauseForm(request.POST, auto_id=f"id_cause-{cause.pk}-%s")
    exc: Exception | None = None
    if form.is_valid():
        data = form.cleaned_data
        _, exc = _attempt(
            lambda: services.cause_update(
                actor=request.user,
                cause=cause,
                version=data["version"],
                category=data["category"],
                text=data["text"],
                whys=data["whys"],
            )
        )
        if exc is None:
            return _answer(
                request, train, pi, "Cause saved.", anchor=f"cause-{cause.pk}", focus_id=f"cause-{cause.pk}"
            )
    if isinstance(exc, ConflictError):
        return _refused(request, train, pi, refusal_of(exc), what="this cause", anchor=f"cause-{cause.pk}")
    if isinstance(exc, ValidationError):
        apply_service_errors(form, exc)
    status = refusal_of(exc).status if exc is not None else 422
    if not request.htmx:
        messages.error(request, refusal_of(exc).message if exc else "The cause was not saved.")
        return redirect(page_url(train, pi, f"cause-{cause.pk}"))
    return render(
        request,
        f"{PAGE}#workshop",
        context(request, train, pi, parts=("workshop",), edit_forms={cause.pk: form}),
        status=status,
    )


@require_POST
@login_required
def cause_why_add(request: HtmxHttpRequest, slug: str, pi_id: int, cause_id: int) -> HttpResponse:
    """One more “why?” at the end of the cause's chain (a sixth is refused by the rule)."""
    train, pi, workshop = _workshop(request, slug, pi_id)
    cause = _cause(workshop, cause_id)
    form = WhyForm(request.POST, auto_id=f"id_why-{cause.pk}-%s")
    exc: Exception | None = None
    if form.is_valid():
        data = form.cleaned_data
        _, exc = _attempt(
            lambda: services.cause_update(
                actor=request.user, cause=cause, version=data["version"], whys=[*cause.whys, data["why"]]
            )
        )
        if exc is None:
            return _answer(
                request,
                train,
                pi,
                f"Why {len(cause.whys) + 1} added.",
                anchor=f"cause-{cause.pk}",
                focus_id=f"id_why-{cause.pk}-why",
            )
    if isinstance(exc, ConflictError):
        return _refused(request, train, pi, refusal_of(exc), what="this cause", anchor=f"cause-{cause.pk}")
    if isinstance(exc, ValidationError):
        apply_service_errors(form, exc, aliases={"whys": "why"})
    status = refusal_of(exc).status if exc is not None else 422
    if not request.htmx:
        messages.error(request, refusal_of(exc).message if exc else "why is required")
        return redirect(page_url(train, pi, f"cause-{cause.pk}"))
    return render(
        request,
        f"{PAGE}#workshop",
        context(
            request,
            train,
            pi,
            parts=("workshop",),
            why_forms={cause.pk: form},
            focus_id=f"id_why-{cause.pk}-why",
        ),
        status=status,
    )


@require_POST
@login_required
def cause_delete(request: HtmxHttpRequest, slug: str, pi_id: int, cause_id: int) -> HttpResponse:
    train, pi, workshop = _workshop(request, slug, pi_id)
    cause = _cause(workshop, cause_id)
    _, exc = _attempt(lambda: services.cause_delete(actor=request.user, cause=cause))
    if exc is not None:
        return _refused(request, train, pi, refusal_of(exc), what="this cause", anchor=f"cause-{cause.pk}")
    return _answer(
        request,
        train,
        pi,
        f"“{cause.text}” taken off the fishbone (the history keeps it).",
        anchor="fishbone",
    )


@require_POST
@login_required
def cause_vote(request: HtmxHttpRequest, slug: str, pi_id: int, cause_id: int) -> HttpResponse:
    """Set my dots on a cause (the + and − buttons post the new number); the vote and its
    Pareto chart answer."""
    train, pi, workshop = _workshop(request, slug, pi_id)
    cause = _cause(workshop, cause_id)
    form = VoteForm(request.POST)
    focus = request.POST.get("focus", "")
    focus = focus if focus.startswith("vote-") else f"vote-{cause.pk}-plus"
    exc: Exception | None = None
    if form.is_valid():
        _, exc = _attempt(
            lambda: services.cause_vote(actor=request.user, cause=cause, dots=form.cleaned_data["dots"])
        )
    else:
        exc = ValidationError({"dots": "dots must be a whole number"})
    if exc is not None:
        refusal = refusal_of(exc)
        return _refused(
            request,
            train,
            pi,
            refusal,
            what="the vote",
            part="dot-vote",
            anchor="vote",
            vote_refusals={cause.pk: refusal.message},
            focus_id=focus,
        )
    dots = form.cleaned_data["dots"]
    message = f"{dots} dot{'s' if dots != 1 else ''} on “{cause.text}”."
    return _answer(request, train, pi, message, part="dot-vote", anchor="vote", focus_id=focus)


@require_POST
@login_required
def solution_add(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi, workshop = _workshop(request, slug, pi_id)
    form = SolutionForm(request.POST, causes=Cause.objects.filter(workshop=workshop))
    if not form.is_valid():
        return _form_refused(
            request, train, pi, form, None, name="solution_form", what="the solution", anchor="solutions"
        )
    data = form.cleaned_data
    _, exc = _attempt(
        lambda: services.solution_add(
            actor=request.user, workshop=workshop, text=data["text"], cause=data["cause"]
        )
    )
    if exc is not None:
        return _form_refused(
            request, train, pi, form, exc, name="solution_form", what="the solution", anchor="solutions"
        )
    return _answer(request, train, pi, "Solution added.", anchor="solutions", focus_id="id_solution-text")


@require_POST
@login_required
def solution_delete(request: HtmxHttpRequest, slug: str, pi_id: int, solution_id: int) -> HttpResponse:
    train, pi, workshop = _workshop(request, slug, pi_id)
    solution = Solution.objects.filter(workshop=workshop, pk=solution_id).first()
    if solution is None:
        raise Http404("No such solution in this workshop")
    _, exc = _attempt(lambda: services.solution_delete(actor=request.user, solution=solution))
    if exc is not None:
        return _refused(request, train, pi, refusal_of(exc), what="this solution", anchor="solutions")
    return _answer(request, train, pi, "Solution removed (the history keeps it).", anchor="solutions")


@require_POST
@login_required
def item_add(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """An improvement item written from the workshop (and one of its causes), for the backlog
    of the PI it targets (never a closed one)."""
    train, pi, workshop = _workshop(request, slug, pi_id)
    form = ItemForm(
        request.POST,
        causes=Cause.objects.filter(workshop=workshop),
        pis=ProgramIncrement.objects.filter(train=train).order_by("start_date"),
    )
    if not form.is_valid():
        return _form_refused(
            request, train, pi, form, None, name="item_form", what="the item", anchor="items"
        )
    data = form.cleaned_data
    item, exc = _attempt(
        lambda: services.improvement_item_create(
            actor=request.user,
            train=train,
            title=data["title"],
            owner=data["owner"],
            description=data["description"],
            due_date=data["due_date"],
            target_pi=data["target_pi"],
            workshop=workshop,
            cause=data["cause"],
        )
    )
    if exc is not None:
        return _form_refused(request, train, pi, form, exc, name="item_form", what="the item", anchor="items")
    where = f" for {item.target_pi.name}" if item.target_pi else ""
    return _answer(
        request,
        train,
        pi,
        f"Improvement item “{item.title}” written{where}.",
        anchor="items",
        focus_id=f"item-{item.pk}",
    )
