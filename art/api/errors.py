"""One error format for the API: 400 `{"field": ["message"]}` naming the rule; 409/412 with the
current card on a stale version; 401/403/404 as the access policy decides."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from art.errors import ConflictError, PreconditionFailed


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
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or "Not found.")
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
