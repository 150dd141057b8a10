"""API tokens: the signed-in user's own, created (with an expiry and a scope) and revoked on
the account page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from art import selectors, services
from art.forms import ApiTokenForm, submit
from art.http import HtmxHttpRequest, toast
from art.models import ApiToken
from art.views.common import page, refused, signed_in, written

TOKENS_TEMPLATE = "art/tokens.html"


def _tokens_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    context = {
        "tokens": list(selectors.api_tokens_of(user=signed_in(request))),
        "token_form": ApiTokenForm(),
    }
    context.update(extra)
    return context


@require_GET
@login_required
def tokens(request: HtmxHttpRequest) -> HttpResponse:
    return page(request, TOKENS_TEMPLATE, _tokens_context(request), {"tokens"})


@require_POST
@login_required
def token_create(request: HtmxHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    saved = submit(
        form,
        lambda data: services.api_token_create(
            user=request.user, name=data["name"], scope=data["scope"], expires_at=form.expires_at()
        ),
        aliases={"expires_at": "expires"},
    )
    if saved is not None:
        token, key = saved
        # The key exists only in this response: it is never stored, so show it here and now,
        # also without htmx (no redirect, which would lose it).
        context = _tokens_context(request, new_token=token, new_key=key)
        name = f"{TOKENS_TEMPLATE}#tokens" if request.htmx else TOKENS_TEMPLATE
        response = render(request, name, context, status=200)
        if request.htmx:
            toast(response, f"Token {token.name} created.")
        return response
    return refused(
        request, template=TOKENS_TEMPLATE, section="tokens", context=_tokens_context(request, token_form=form)
    )


@require_POST
@login_required
def token_revoke(request: HtmxHttpRequest, token_id: int) -> HttpResponse:
    token = ApiToken.objects.filter(user=signed_in(request), pk=token_id).first()
    if token is None:
        raise Http404("No such token")
    services.api_token_revoke(user=request.user, token=token)
    return written(
        request,
        template=TOKENS_TEMPLATE,
        section="tokens",
        context=lambda: _tokens_context(request),
        redirect_to=reverse("art:tokens"),
        message=f"Token {token.name} revoked: it no longer works.",
    )
