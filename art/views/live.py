"""The presence strip of a live page: who has it open now, by team, and who edits which card
(art.live.presence). Loaded by the page once shown and again whenever the socket says the room
changed."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from art.access import train_for_user
from art.http import HtmxHttpRequest
from art.live import presence


@require_GET
@login_required
def live_presence(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train = train_for_user(request.user, slug)
    page = presence.clean_page(request.GET.get("page", ""))
    room = presence.on_page(train_id=train.pk, page=page)
    return render(
        request,
        "art/live_presence.html",
        {
            "train": train,
            "room": room,
            "page": page,
            "me": request.user.pk,
            "locks": presence.edited_by_others(room, int(request.user.pk or 0)),
        },
    )
