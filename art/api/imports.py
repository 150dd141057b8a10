"""`imports/jira-csv/`: a Jira CSV export previewed (dry_run=true) or imported (dry_run=false),
through the page's selector and service (art.selectors.imports, art.services.imports)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.parsers import BaseParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from art.access import Action, train_for_user
from art.api.parsers import RequestTooLarge, SafeJSONParser
from art.models import ProgramIncrement
from art.rules.jira_import import mapping_as_dict, megabytes
from art.selectors.imports import JiraPreview, import_limits, jira_import_preview
from art.services.imports import PreviewChanged, jira_import_apply


def too_large(words: str = "") -> RequestTooLarge:
    """413 naming the field and the limit."""
    words = words or f"the file is larger than {megabytes(import_limits()[0])}, the most one import takes"
    return RequestTooLarge({"file": [words]})


def _too_large_words(exc: ValidationError) -> str:
    for error in getattr(exc, "error_dict", {}).get("file", []):
        if error.code == "too_large":
            return str(error.messages[0])
    return ""


class CsvParser(BaseParser):
    """The body as bytes, read no further than the import's size limit (413 beyond it)."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = import_limits()[0]
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise too_large()
        return {"file": data}


def _int(request: Request, name: str, what: str) -> int:
    value = request.query_params.get(name, "")
    if not value.isdigit() or len(value) > 18:
        raise exceptions.ValidationError({name: [f"{name} is required: the id of {what} (?{name}=<id>)"]})
    return int(value)


def _flag(request: Request) -> bool:
    value = request.query_params.get("dry_run", "true").lower()
    if value not in ("true", "false", "1", "0"):
        raise exceptions.ValidationError({"dry_run": ["dry_run must be true or false"]})
    return value in ("true", "1")


def _mapping(request: Request, data: Any) -> Any:
    raw = data.get("mapping") if hasattr(data, "get") else None
    raw = raw if raw not in (None, "") else request.query_params.get("mapping")
    if raw in (None, "") or isinstance(raw, dict):
        return raw
    if hasattr(raw, "read"):
        raw = raw.read(100_000)
    try:
        return json.loads(raw)
    except (ValueError, TypeError) as exc:
        raise exceptions.ValidationError({"mapping": [f"mapping must be JSON: {exc}"]}) from None


def _file(data: Any) -> bytes:
    upload = data.get("file") if hasattr(data, "get") else None
    if isinstance(upload, bytes):
        return upload
    if upload is None or not hasattr(upload, "read"):
        raise exceptions.ValidationError(
            {
                "file": [
                    "send the Jira CSV export as the body (Content-Type: text/csv) "
                    "or as the multipart field file"
                ]
            }
        )
    if upload.size > import_limits()[0]:
        raise too_large()
    return upload.read()


def preview_data(preview: JiraPreview, *, dry_run: bool, ids: dict[int, int] | None = None) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "train": preview.train.pk,
        "pi": preview.pi.pk,
        "counts": preview.counts,
        "digest": preview.digest,
        "mapping": mapping_as_dict(preview.mapping),
        "rows": [
            {
                "row": r.row,
                "key": r.key,
                "type": r.type,
                "title": r.title,
                "action": r.action,
                "target": r.target or None,
                "reason": r.reason,
                "warnings": r.warnings,
                "changes": r.changes,
                "id": (ids or {}).get(r.row, r.card_id),
            }
            for r in preview.plan.rows
        ],
    }


class JiraImportView(APIView):
    """POST a Jira CSV export: the preview (`dry_run=true`, the default) or the import."""

    parser_classes = [CsvParser, MultiPartParser, SafeJSONParser]

    @extend_schema(
        summary="Preview or import a Jira CSV export",
        parameters=[
            OpenApiParameter("train", int, required=True, description="The train to import into."),
            OpenApiParameter(
                "pi", int, required=True, description="The PI (not closed) whose iterations sprints map to."
            ),
            OpenApiParameter(
                "dry_run", bool, description="true (default): answer the preview, write nothing."
            ),
            OpenApiParameter(
                "digest",
                str,
                description="The preview's digest: import only if the plan is still that one "
                "(409 otherwise).",
            ),
            OpenApiParameter(
                "mapping",
                str,
                description='JSON: {"statuses": {"QA": {"feature": "review", "story": "in_progress"}}, '
                '"sprints": {"Sprint 1": 12}, "teams": {"Checkout": 3}}',
            ),
        ],
        request={"text/csv": OpenApiTypes.BINARY, "multipart/form-data": OpenApiTypes.OBJECT},
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT,
                description="The preview (or, imported, the same rows with the ids written).",
            ),
            400: OpenApiResponse(
                description="A field named: file, train, pi, mapping or dry_run; or a row refused "
                "(nothing written)."
            ),
            403: OpenApiResponse(description="Product management and the RTE import."),
            404: OpenApiResponse(description="No such train (or not yours)."),
            409: OpenApiResponse(
                OpenApiTypes.OBJECT, description="The plan is no longer the digest's: the new preview."
            ),
            413: OpenApiResponse(description="The file is larger than the import takes."),
        },
    )
    def post(self, request: Request) -> Response:
        train = train_for_user(request.user, _int(request, "train", "a train"), Action.EDIT_BACKLOG)
        pi_id = _int(request, "pi", "a PI of the train")
        dry_run = _flag(request)
        pi = ProgramIncrement.objects.filter(pk=pi_id, train=train).first()
        if pi is None:
            raise exceptions.ValidationError({"pi": ["pi must be a PI of this train"]})
        data = request.data
        body, mapping = _file(data), _mapping(request, data)
        try:
            if dry_run:
                preview = jira_import_preview(
                    actor=request.user, train=train, pi=pi, data=body, mapping=mapping
                )
                return Response(preview_data(preview, dry_run=True))
            result = jira_import_apply(
                actor=request.user,
                train=train,
                pi=pi,
                data=body,
                mapping=mapping,
                digest=request.query_params.get("digest") or None,
            )
        except PreviewChanged as changed:
            return Response(
                {
                    "digest": [str(changed.messages[0])],
                    "preview": preview_data(changed.preview, dry_run=True),
                },
                status=status.HTTP_409_CONFLICT,
            )
        except ValidationError as exc:
            if _too_large_words(exc):
                raise too_large(_too_large_words(exc)) from None
            raise
        ids = {row: card.pk for row, card in result.cards.items()}
        return Response(preview_data(result.preview, dry_run=False, ids=ids))
