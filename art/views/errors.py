"""Error pages, with JSON for the API: a request under /api/ that fails outside a DRF view (an
unknown path, a middleware refusing the request, Railyard failing) gets the API's error format,
never an HTML page; everyone else gets the site's error page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from art.errors import INTERNAL_ERROR

API_PREFIX = "/api/"


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        message = str(exception) if str(exception) else "Bad request."
        status = 413 if type(exception).__name__ == "RequestDataTooBig" else 400
        return JsonResponse({"detail": message}, status=status)
    return defaults.bad_request(request, exception, **kwargs)


def permission_denied(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": str(exception) or "You do not have permission."}, status=403)
    return defaults.permission_denied(request, exception, **kwargs)


def page_not_found(request: HttpRequest, exception: Exception, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": "Not found: no such API path."}, status=404)
    return defaults.page_not_found(request, exception, **kwargs)


def server_error(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": INTERNAL_ERROR}, status=500)
    return defaults.server_error(request, **kwargs)
