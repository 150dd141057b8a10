"""A PI's Inspect & Adapt page, in three parts with anchors (#demo, #review, #workshop):

1. the PI system demo: business owners score the actual business value of every objective of
   the PI (pi_planning.services.objectives.objective_update), grouped by team, with each team's
   and the train's predictability as it stands;
2. the quantitative review: predictability, flow and dependencies of the PI, from the metrics
   (sync.selectors.inspect_adapt.pi_review);
3. the problem-solving workshop (sync.views.workshops writes it).

One view serves the page and each part alone for htmx (HX-Target `ia-demo`, `ia-review`,
`workshop`, `dot-vote`, `item-form`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art.access import Action, can, object_for_user, permissions, train_for_user
from art.errors import ConflictError
from art.http import HtmxHttpRequest, toast
from art.models import ProgramIncrement, ReleaseTrain
from art.refusals import refusal_of
from pi_planning.models import Objective
from pi_planning.services.objectives import objective_update
from sync.charts import pareto_chart
from sync.forms.workshops import CauseForm, ItemForm, ScoreForm, SolutionForm, WorkshopForm
from sync.models import Event
from sync.selectors.inspect_adapt import pi_review, pi_system_demo
from sync.selectors.workshops import WorkshopData, workshop_data, workshop_of

PAGE = "sync/inspect_adapt.html"
PARTS = ("demo", "review", "workshop")
#: htmx targets served alone, and the part each needs.
TARGETS = {
    "ia-demo": "demo",
    "ia-review": "review",
    "workshop": "workshop",
    "dot-vote": "workshop",
    "item-form": "workshop",
}


def train_and_pi(request: HtmxHttpRequest, slug: str, pi_id: int) -> tuple[ReleaseTrain, ProgramIncrement]:
    """The train and its PI if the user may see them (404 otherwise, other trains' included)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    pi = object_for_user(request.user, ProgramIncrement.objects.filter(train=train), pi_id, Action.VIEW)
    pi.train = train
    return train, pi


def page_url(train: ReleaseTrain, pi: ProgramIncrement, anchor: str = "") -> str:
    url = reverse("sync:inspect_adapt", kwargs={"slug": train.slug, "pi_id": pi.pk})
    return url + (f"#{anchor}" if anchor else "")


def next_pi(pi: ProgramIncrement, pis: list[ProgramIncrement]) -> ProgramIncrement | None:
    """The PI after this one that is not closed: where the workshop's improvement items go."""
    later = [p for p in pis if p.start_date > pi.start_date and p.state != ProgramIncrement.State.CLOSED]
    return min(later, key=lambda p: p.start_date, default=None)


def item_initial(
    data: WorkshopData, target: ProgramIncrement | None, solution_id: str = "", cause_id: str = ""
) -> dict[str, Any]:
    """The improvement item form's values: the title from the chosen solution or cause, else
    from the cause with the most dots; targeted at the next PI, due by its end."""
    initial: dict[str, Any] = {"target_pi": str(target.pk) if target else ""}
    if target is not None:
        initial["due_date"] = target.end_date
    solution = next((s for s in data.solutions if str(s.pk) == solution_id), None) if solution_id else None
    row = data.row(int(cause_id)) if cause_id.isdigit() else None
    if solution is not None:
        initial.update(title=solution.text[:240], cause=str(solution.cause_id or ""))
    elif row is not None:
        initial.update(title=row.cause.text, cause=str(row.pk))
    elif data.top_cause is not None:
        initial.update(title=data.top_cause.cause.text, cause=str(data.top_cause.pk))
    return initial


def context(
    request: HtmxHttpRequest,
    train: ReleaseTrain,
    pi: ProgramIncrement,
    parts: tuple[str, ...] = PARTS,
    **extra: Any,
) -> dict[str, Any]:
    """What the page (or the parts asked for) shows."""
    user = request.user
    flags = permissions(user, train.pk)
    ctx: dict[str, Any] = {
        "train": train,
        "pi": pi,
        "can": flags,
        "may_score": can(user, Action.SCORE_BV, train.pk),
        "may_run": can(user, Action.MANAGE_TRAIN, train.pk),
        "may_take_part": can(user, Action.TAKE_PART, train.pk),
        "urls": {"page": page_url(train, pi)},
    }
    if "demo" in parts:
        ctx["demo"] = pi_system_demo(pi=pi)
        ctx["event"] = (
            Event.objects.filter(pi=pi, kind=Event.Kind.INSPECT_ADAPT).order_by("starts_at").first()
        )
    if "review" in parts:
        ctx["review"] = pi_review(pi=pi)
    if "workshop" in parts:
        workshop = workshop_of(pi)
        ctx["workshop"] = workshop
        if workshop is not None:
            data = workshop_data(workshop=workshop, voter=user)
            ctx["data"] = data
            ctx["pareto_chart"] = pareto_chart(data.pareto)
            for row in data.causes:
                row.can_edit = ctx["may_run"] or (  # type: ignore[attr-defined]
                    ctx["may_take_part"] and row.cause.created_by_id == user.pk
                )
            for solution in data.solutions:
                solution.can_delete = ctx["may_run"] or (  # type: ignore[attr-defined]
                    ctx["may_take_part"] and solution.created_by_id == user.pk
                )
            pis = list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))
            target = next_pi(pi, pis)
            ctx["next_pi"] = target
            if ctx["may_take_part"]:
                causes = [row.cause for row in data.causes]
                ctx.setdefault("cause_form", CauseForm())
                ctx.setdefault("solution_form", SolutionForm(causes=causes))
                ctx.setdefault(
                    "item_form",
                    ItemForm(
                        initial=item_initial(
                            data, target, request.GET.get("solution", ""), request.GET.get("cause", "")
                        ),
                        causes=causes,
                        pis=pis,
                    ),
                )
            if ctx["may_run"]:
                ctx.setdefault("workshop_form", WorkshopForm(initial={"version": workshop.version}))
    ctx.update(extra)
    return ctx


@require_GET
@login_required
def inspect_adapt(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    train, pi = train_and_pi(request, slug, pi_id)
    target = request.htmx.target if request.htmx else None
    if target in TARGETS:
        part = TARGETS[target]
        # the item form asked for from a cause or a solution: the keyboard goes to its title
        extra = {"item_focus": target == "item-form"}
        return render(request, f"{PAGE}#{target}", context(request, train, pi, parts=(part,), **extra))
    return render(request, PAGE, context(request, train, pi))


@require_POST
@login_required
def objective_score(request: HtmxHttpRequest, slug: str, pi_id: int, objective_id: int) -> HttpResponse:
    """A business owner (or the RTE) scores an objective's actual business value at the PI
    system demo; blank takes the score back (not scored)."""
    train, pi = train_and_pi(request, slug, pi_id)
    objective = Objective.objects.filter(pi=pi, pk=objective_id).select_related("team").first()
    if objective is None:
        raise Http404("No such objective in this PI")
    form = ScoreForm(request.POST)
    refusal = None
    if form.is_valid():
        try:
            objective_update(
                actor=request.user,
                objective=objective,
                version=form.cleaned_data["version"],
                actual_bv=form.cleaned_data["actual_bv"],
            )
        except (ConflictError, ValidationError) as exc:
            refusal = refusal_of(exc)
    else:
        refusal = refusal_of(ValidationError({name: list(errors) for name, errors in form.errors.items()}))
    focus = f"score-{objective.pk}"
    if refusal is None:
        value = form.cleaned_data["actual_bv"]
        message = (
            f"“{objective.title}”: actual business value {value}."
            if value is not None
            else f"“{objective.title}” is not scored."
        )
        if not request.htmx:
            messages.success(request, message)
            return redirect(page_url(train, pi, f"objective-{objective.pk}"))
        response = render(
            request, f"{PAGE}#ia-demo", context(request, train, pi, parts=("demo",), focus_id=focus)
        )
        return toast(response, message)
    words = (
        f"“{objective.title}” was scored by someone else meanwhile: it now shows their score."
        if refusal.conflict
        else refusal.message
    )
    if not request.htmx:
        messages.error(request, words)
        return redirect(page_url(train, pi, f"objective-{objective.pk}"))
    response = render(
        request,
        f"{PAGE}#ia-demo",
        context(request, train, pi, parts=("demo",), focus_id=focus, refused={objective.pk: words}),
        status=refusal.status,
    )
    return toast(response, words, "error")
