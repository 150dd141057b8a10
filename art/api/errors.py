"""One error format for the API: 400 `{"field": ["message"]}` naming the rule (a write of several
items refused as a whole: `{"errors": {"<index>": {"field": [...]}}}`); 409/412 with the current
card on a stale version; 401/403/404 as the access policy decides; 413 for a body too large; and
JSON even when Railyard itself fails (500, logged with its traceback): the API never answers
HTML."""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from art.api.parsers import RequestTooLarge, too_large_message
from art.errors import INTERNAL_ERROR, ConflictError, InUseError, ItemsRefused, PreconditionFailed
from art.outage import OUTAGE_ERRORS, unavailable_response

logger = logging.getLogger("art.api")


def _django_errors(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if field == NON_FIELD_ERRORS else field): messages
            for field, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_django_errors(exc))
    elif isinstance(exc, ConflictError):
        serializer_class = getattr(context.get("view"), "get_serializer_class", None)
        current = None
        if serializer_class is not None:
            try:
                current = serializer_class()(exc.current, context={"request": context.get("request")}).data
            except Exception:  # the conflict matters more than the body
                current = None
        code = (
            status.HTTP_412_PRECONDITION_FAILED
            if isinstance(exc, PreconditionFailed)
            else status.HTTP_409_CONFLICT
        )
        response = Response(
            {"detail": str(exc), "version": exc.current.version, "current": current, "changes": exc.changes},
            status=code,
        )
        response["ETag"] = f'"{exc.current.version}"'
        return response
    elif isinstance(exc, ItemsRefused):
        return Response({"errors": exc.errors}, status=status.HTTP_400_BAD_REQUEST)
    elif isinstance(exc, InUseError):
        return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge(too_large_message())
    response = drf_exception_handler(exc, context)
    if response is None and isinstance(exc, OUTAGE_ERRORS):
        request = context.get("request")
        return unavailable_response(request._request if hasattr(request, "_request") else request)
    if response is None:
        request = context.get("request")
        logger.error(
            "API error on %s %s",
            getattr(request, "method", "?"),
            getattr(request, "path", "?"),
            exc_info=(type(exc), exc, exc.__traceback__),
        )
        response = Response({"detail": INTERNAL_ERROR}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return response
