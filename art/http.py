"""What the apps' views share about requests and answers: the htmx request type, and the toast
a write answers with."""

from django.http import HttpRequest, HttpResponse
from django_htmx.http import trigger_client_event
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's middleware (for type checking)."""

    htmx: HtmxDetails


def toast(response: HttpResponse, message: str, level: str = "success") -> HttpResponse:
    """Ask the page to show `message` as a toast (HX-Trigger "toast", level success, error,
    warning or info) once htmx has swapped `response`."""
    return trigger_client_event(response, "toast", {"message": message, "level": level})
