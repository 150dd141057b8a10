"""The plan baseline: the RTE commits the plan; the board then shows what changed since."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from art.access import Action
from art.http import HtmxHttpRequest, toast
from pi_planning import services as planning
from pi_planning.forms.baselines import BaselineForm
from pi_planning.views.board import BOARD, board_context, board_url
from pi_planning.views.common import pi_for_request


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
