"""Helpers every page of the train's core shares: the full page or the section an htmx request
targets, the answer to a write that worked (`written`) or was refused (`refused`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import trigger_client_event

from art.http import HtmxHttpRequest, toast


def signed_in(request: HtmxHttpRequest) -> Any:
    """The user of a view behind @login_required (never anonymous there)."""
    return request.user


def int_param(request: HtmxHttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def page(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], sections: set[str], status: int = 200
) -> HttpResponse:
    """The full page, or the section an htmx request targets."""
    target = request.htmx.target if request.htmx else None
    if target in sections:
        return render(request, f"{template}#{target}", context, status=status)
    return render(request, template, context, status=status)


def written(
    request: HtmxHttpRequest,
    *,
    template: str,
    section: str,
    context: Callable[[], dict[str, Any]],
    redirect_to: str,
    message: str,
    event: str | None = None,
) -> HttpResponse:
    """After a successful write: the changed section and a toast (htmx), else redirect back."""
    if not request.htmx:
        messages.success(request, message)
        return redirect(redirect_to)
    response = render(request, f"{template}#{section}", context())
    toast(response, message)
    if event:
        trigger_client_event(response, event)
    return response


def refused(
    request: HtmxHttpRequest, *, template: str, section: str, context: dict[str, Any]
) -> HttpResponse:
    """Invalid input: the section (htmx) or the page with the messages next to the fields, 422."""
    name = f"{template}#{section}" if request.htmx else template
    return render(request, name, context, status=422)


def focus(context: dict[str, Any], element_id: str) -> dict[str, Any]:
    context["focus_id"] = element_id
    return context
