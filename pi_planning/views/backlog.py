"""The ranked backlog on the board: product management scores WSJF inline."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from art import services
from art.access import Action, check
from art.errors import ConflictError
from art.forms import apply_service_errors
from art.http import HtmxHttpRequest, toast
from art.models import Feature
from pi_planning.forms.backlog import WsjfForm
from pi_planning.views.board import BOARD, board_context, board_url
from pi_planning.views.common import pi_for_request


@require_http_methods(["GET", "POST"])
@login_required
def feature_wsjf(request: HtmxHttpRequest, slug: str, pi_id: int, feature_id: int) -> HttpResponse:
    """Product management scores a feature inline: GET the row's form, POST the four inputs."""
    pi = pi_for_request(request, slug, pi_id)
    feature = Feature.objects.filter(train_id=pi.train_id, pk=feature_id).first()
    if feature is None:
        raise Http404("No such feature")
    if request.method == "GET":
        context = board_context(request, pi)
        # Without htmx (the link opened on its own): the whole board, its backlog open at the row.
        shown = f"{BOARD}#backlog-row" if request.htmx else BOARD
        if not request.htmx:
            context["panels"] = [*context["panels"], "backlog"]
        if request.GET.get("cancel") or not context["can"][Action.EDIT_BACKLOG]:
            context["feature"] = context["board"].card("feature", feature.pk)
            return render(request, shown, context)
        check(request.user, Action.EDIT_BACKLOG, pi.train_id)
        context.update(
            editing_id=feature.pk,
            feature=context["board"].card("feature", feature.pk),
            wsjf_form=WsjfForm(
                feature=feature,
                initial={name: getattr(feature, name) for name in WsjfForm.SCORES}
                | {"version": feature.version, "found_after_release": feature.found_after_release},
            ),
        )
        return render(request, shown, context)

    check(request.user, Action.EDIT_BACKLOG, pi.train_id)
    form = WsjfForm(request.POST, feature=feature)
    if form.is_valid():
        data = form.cleaned_data
        try:
            updated = services.feature_update(
                actor=request.user,
                feature=feature,
                version=data["version"],
                **form.changes(),
            )
        except ConflictError as exc:
            form.add_error(
                None,
                f"{feature.key} was changed by someone else meanwhile (now version {exc.current.version}): "
                "nothing was saved. Cancel to see their change, then score again.",
            )
            status = 409
        except ValidationError as exc:
            apply_service_errors(form, exc)
            status = 422
        else:
            message = (
                f"{updated.key} scored: WSJF {updated.wsjf:.2f}."
                if updated.wsjf is not None
                else (f"{updated.key} saved.")
            )
            if not request.htmx:
                messages.success(request, message)
                return redirect(board_url(pi))
            context = board_context(request, pi, focus_id=f"backlog-feature-{updated.pk}-edit")
            response = render(request, f"{BOARD}#backlog", context)
            return toast(response, message)
    else:
        status = 422
    context = board_context(request, pi, wsjf_form=form, editing_id=feature.pk)
    context["feature"] = context["board"].card("feature", feature.pk)
    if not request.htmx:
        messages.error(
            request, "Not saved: " + "; ".join(str(e) for errs in form.errors.values() for e in errs)
        )
        return redirect(board_url(pi))
    return render(request, f"{BOARD}#backlog-row", context, status=status)
