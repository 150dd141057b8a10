"""Release notes of a PI or of one of its iterations: the features finished in it, grouped by
kind (art.rules.releases.release_groups), on a page and as a Markdown download."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from art.access import permissions
from art.http import HtmxHttpRequest, attachment_disposition
from art.models import Iteration, ProgramIncrement
from sync.selectors.releases import ReleaseNotes, release_notes
from sync.views.demos import _pi

PAGE = "sync/release_notes.html"


def _notes(
    request: HtmxHttpRequest, slug: str, pi_id: int
) -> tuple[ProgramIncrement, list[Iteration], ReleaseNotes]:
    """The notes of the PI, or of its iteration `?iteration=<id>` (404 for another PI's)."""
    _, pi = _pi(request, slug, pi_id)
    iterations = list(pi.iterations.order_by("number"))
    wanted = request.GET.get("iteration", "")
    iteration = None
    if wanted:
        iteration = next((i for i in iterations if str(i.pk) == wanted), None)
        if iteration is None:
            raise Http404("No such iteration in this PI")
    return pi, iterations, release_notes(pi=pi, iteration=iteration)


@require_GET
@login_required
def release_notes_page(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    pi, iterations, notes = _notes(request, slug, pi_id)
    context = {
        "train": pi.train,
        "pi": pi,
        "iterations": iterations,
        "notes": notes,
        "can": permissions(request.user, pi.train_id),
    }
    if request.htmx and request.htmx.target == "release-notes":
        return render(request, f"{PAGE}#notes", context)
    return render(request, PAGE, context)


@require_GET
@login_required
def release_notes_md(request: HtmxHttpRequest, slug: str, pi_id: int) -> HttpResponse:
    _, _, notes = _notes(request, slug, pi_id)
    response = HttpResponse(notes.markdown(), content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(notes.filename)
    return response
