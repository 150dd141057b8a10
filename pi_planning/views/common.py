"""What the PI planning pages share: the train and PI a request may see, the page context,
and how a write answers (a toast with htmx, a redirect without)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from art.access import (
    Action,
    check,
    object_for_user,
    permissions,
    train_for_user,
)
from art.errors import ConflictError
from art.http import HtmxHttpRequest, toast
from art.models import ProgramIncrement, ReleaseTrain
from pi_planning.forms.common import CardForm
from pi_planning.selectors.capacity import BASES, NORMALIZED


def train_and_pi(request: HtmxHttpRequest, slug: str, pi_id: int) -> tuple[ReleaseTrain, ProgramIncrement]:
    """The train and its PI if the user may see them (404 otherwise)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    pi = object_for_user(request.user, ProgramIncrement.objects.filter(train=train), pi_id, Action.VIEW)
    return train, pi


def base_context(request: HtmxHttpRequest, train: ReleaseTrain, pi: ProgramIncrement) -> dict[str, Any]:
    return {"train": train, "pi": pi, "can": permissions(request.user, train.pk), "now": timezone.now()}


def done(
    request: HtmxHttpRequest, response: Callable[[], HttpResponse], redirect_to: str, message: str
) -> HttpResponse:
    """After a write: the changed fragment with a toast (htmx), else back to the page."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(redirect_to)
    return toast(response(), message)


def first_error(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            return name, errors[0]
    return "__all__", exc.messages[0]


def conflict_context(form: CardForm, current: dict[str, Any], exc: ConflictError) -> dict[str, Any]:
    """What the page shows after a stale write: the rows that differ and a retry form."""
    return {
        "rows": form.conflict_rows(current),
        "yours": exc.expected_version,
        "now": exc.current.version,
        "form": form.retry(current, exc.current.version),
    }


def pi_for_request(
    request: HtmxHttpRequest, slug: str, pi_id: int, action: Action = Action.VIEW
) -> ProgramIncrement:
    """The PI of a train the user may see (404 otherwise), if they may do `action` (403)."""
    train = train_for_user(request.user, slug, Action.VIEW)
    pi = ProgramIncrement.objects.filter(train=train, pk=pi_id).first()
    if pi is None:
        raise Http404("No such PI in this train")
    pi.train = train
    if action is not Action.VIEW:
        check(request.user, action, train.pk)
    return pi


def basis_param(request: HtmxHttpRequest) -> str:
    basis = request.GET.get("basis") or request.POST.get("basis") or NORMALIZED
    return basis if basis in BASES else NORMALIZED
