"""A PI's planning readiness: the checklist of art.rules.readiness (items that tick themselves,
each with where to fix it, and items the RTE ticks in place), its progress and the improvement
items targeted at the PI."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art import rules
from art.access import Action, permissions
from art.http import HtmxHttpRequest, toast
from art.models import ProgramIncrement
from pi_planning.views.common import first_error, pi_for_request
from sync import services
from sync.selectors.readiness import pi_readiness

PAGE = "sync/readiness.html"
RULE = (
    "Five items tick themselves from the train's data; the RTE ticks the other four. "
    "The PI is ready when every item that applies is done (n/a items count neither way)."
)


def _url(pi: ProgramIncrement) -> str:
    return reverse("sync:readiness", kwargs={"slug": pi.train.slug, "pi_id": pi.pk})


def _context(request: HtmxHttpRequest, pi: ProgramIncrement, **extra: Any) -> dict[str, Any]:
    readiness = pi_readiness(pi)
    return {
        "train": pi.train,
        "pi": pi,
        "can": permissions(request.user, pi.train_id),
        "readiness": readiness,
        "summary": readiness.summary,
        "rule": RULE,
        "states": {
            rules.readiness.DONE: "Done",
            rules.readiness.TODO: "To do",
            rules.readiness.NOT_APPLICABLE: "n/a",
        },
        **extra,
    }


@require_GET
@login_required
def readiness(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    pi = pi_for_request(request, slug, pi_id)
    context = _context(request, pi)
    if request.htmx and request.htmx.target == "readiness-checklist":
        return render(request, f"{PAGE}#checklist", context)
    return render(request, PAGE, context)


@require_POST
@login_required
def readiness_check(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    """The RTE ticks or unticks one manual item, with an optional note."""
    pi = pi_for_request(request, slug, pi_id, Action.MANAGE_TRAIN)
    item = request.POST.get("item", "")
    done = request.POST.get("done", "") in ("1", "true", "on", "yes")
    try:
        check = services.readiness_check_set(
            actor=request.user, pi=pi, item=item, done=done, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        name, words = first_error(exc)
        refusal = {"item": item, "field": name, "message": words}
        if not request.htmx:
            return render(request, PAGE, _context(request, pi, refusal=refusal), status=422)
        html = render_to_string(f"{PAGE}#checklist", _context(request, pi, refusal=refusal), request=request)
        return HttpResponse(html, status=422)
    title = dict(rules.readiness.MANUAL_ITEMS)[check.item]
    message = f"“{title}” {'ticked' if check.done else 'unticked'}."
    if not request.htmx:
        messages.success(request, message)
        return redirect(_url(pi) + f"#readiness-{check.item}")
    context = _context(request, pi, focus=f"readiness-{check.item}-toggle")
    return toast(render(request, f"{PAGE}#checklist", context), message)
