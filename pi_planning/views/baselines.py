"""The plan baseline: the RTE commits the plan; the board then shows what changed since. The
PI's commits are listed on their own page, which compares the live plan with any of them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from art.access import Action
from art.http import HtmxHttpRequest, toast
from pi_planning import services as planning
from pi_planning.forms.baselines import BaselineForm
from pi_planning.selectors.baselines import baseline_comparison, pi_baselines
from pi_planning.views.board import BOARD, board_context, board_url
from pi_planning.views.common import base_context, pi_for_request, train_and_pi

BASELINES = "pi_planning/baselines.html"


@require_GET
@login_required
def baselines(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """The PI's committed baselines (who, when, note, what each holds) and the live plan
    compared with one of them: `?compare=<id>`, by default the end-of-planning commit."""
    train, pi = train_and_pi(request, slug, pi_id)
    rows = pi_baselines(pi=pi)
    wanted = request.GET.get("compare", "")
    chosen = next((r for r in rows if wanted.isdigit() and r.id == int(wanted)), None)
    if wanted and chosen is None:
        raise Http404("No such baseline of this PI")
    chosen = chosen or next((r for r in rows if r.end_of_planning), None)
    context = {
        **base_context(request, train, pi),
        "rows": rows,
        "chosen": chosen,
        "comparison": baseline_comparison(pi=pi, baseline=chosen.baseline) if chosen else None,
        "board_url": board_url(pi),
    }
    if request.htmx and request.htmx.target == "comparison":
        return render(request, f"{BASELINES}#comparison", context)
    return render(request, BASELINES, context)


@require_POST
@login_required
def baseline_commit(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """The RTE commits the plan at the end of PI planning: the board then shows what changed."""
    pi = pi_for_request(request, slug, pi_id, Action.RUN_EVENTS)
    form = BaselineForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    baseline = planning.plan_baseline_commit(actor=request.user, pi=pi, note=note)
    message = (
        f"Plan committed: {len(baseline.snapshot['features'])} features and "
        f"{len(baseline.snapshot['stories'])} stories kept as the baseline."
    )
    if not request.htmx:
        messages.success(request, message)
        return redirect(board_url(pi))
    response = render(request, f"{BOARD}#changes", board_context(request, pi, focus_id="changes-title"))
    toast(response, message)
    return trigger_client_event(
        response, "board:changed", {"saved": "", "level": "success", "message": message}
    )
