"""What the log pages of sync (the impediment log, the improvement backlog) share."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django_htmx.http import push_url

from art.http import HtmxHttpRequest, toast

#: The parts of a log page that a create refreshes out of band, besides the log itself.
LOG_PARTS = ("counts", "filters", "create")


def log_after_create(
    request: HtmxHttpRequest, template: str, context: dict[str, Any], url: str, message: str
) -> HttpResponse:
    """The answer to an htmx create on a log page: the log as it opens (with the new row in it)
    and its counts, filters and create form swapped out of band, the URL of the unfiltered log
    pushed, and a toast."""
    context = {**context, "oob": True}
    html: str = render_to_string(f"{template}#log", {**context, "oob": False}, request=request)
    for part in LOG_PARTS:
        html += render_to_string(f"{template}#{part}", context, request=request)
    return toast(push_url(HttpResponse(html), url), message)
