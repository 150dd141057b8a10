"""Conditional GETs of the computed views (the board, capacity, confidence, the metrics, the ART
Kanban) and of cards: an `ETag` on every 200, and 304 with an empty body when the caller's
`If-None-Match` names it, so a dashboard that polls downloads a view again only when it changed.

A computed view's ETag is a hash of its body: always right (it changes exactly when the
answer does, whoever asks and whatever the query), though the view is still computed to know
it; a fingerprint from a few max/count queries would spare that work but has to list every table
a view reads, and a view that forgets one answers 304 to a changed board. A card's ETag is its
version (art.api.mixins.etag), set by VersionedCardMixin before this runs."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

from django.http import HttpResponse, HttpResponseBase
from django.utils.cache import get_conditional_response
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

CONDITIONAL_METHODS = {"GET", "HEAD"}

#: The schema's description of the header and the answer, for the views that honour them.
IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="The ETag of an earlier answer: 304 with an empty body if nothing changed since.",
)
NOT_MODIFIED = {304: OpenApiResponse(description="Not modified: the If-None-Match ETag is still current.")}


def body_etag(data: Any) -> str:
    """A strong ETag of a JSON body: the SHA-256 of its canonical JSON (sorted keys), shortened."""
    text = json.dumps(data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return '"' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def content_etag(content: bytes) -> str:
    """A strong ETag of a rendered body: the SHA-256 of its bytes, shortened."""
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def not_modified_or(request: Request, response: HttpResponseBase) -> HttpResponseBase:
    """`response` with its ETag (a hash of its body unless it has one), or 304 (empty body, the
    same ETag and Vary) when the request's If-None-Match names that ETag. Only a successful GET
    or HEAD is touched: errors and writes pass as they are.

    A response DRF has finalized (ConditionalGetMixin) is rendered here and its ETag is the hash
    of the bytes it sends (content_etag): the JSON is encoded once, not once more for the hash.
    One not finalized yet (a view's own call) is hashed by its data (body_etag)."""
    if request.method not in CONDITIONAL_METHODS or response.status_code != 200:
        return response
    if not response.has_header("ETag"):
        if not isinstance(response, Response) or response.data is None:
            return response
        if getattr(response, "accepted_renderer", None) is not None:
            response["ETag"] = content_etag(response.render().content)
        else:
            response["ETag"] = body_etag(response.data)
    conditional = get_conditional_response(
        request._request, etag=response["ETag"], response=cast(HttpResponse, response)
    )
    return conditional if conditional is not None else response


class ConditionalGetMixin:
    """For an APIView whose GET is a computed view: its answers carry an ETag, and a matching
    If-None-Match answers 304 (see not_modified_or)."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        return not_modified_or(request, response)
