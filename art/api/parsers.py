"""The API's one parser: JSON, refused in words before it can hurt. A body larger than
`DATA_UPLOAD_MAX_MEMORY_SIZE` (or the view's `body_limit()`, larger for bulk writes) answers 413;
JSON nested deeper than `MAX_JSON_DEPTH` levels (which would exhaust Python's recursion) answers
400; so does a NUL or other control character in any
string (tab, CR and LF aside), naming the field it sits in."""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from art.services.common import CONTROL_CHARACTERS

MAX_JSON_DEPTH = 32


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def too_large_message(limit: int | None = None) -> str:
    limit = limit or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"the request body is larger than {limit // 1024} KB: send less at once"


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text opens more than `limit` arrays or objects inside each other; strings
    are skipped, so brackets inside them do not count. One pass, no recursion."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def control_character_field(data: Any, path: str = "") -> str | None:
    """The dotted path of the first string holding a NUL or another control character (keys
    included), or None. Iterative, so that no input can exhaust the stack."""
    stack: list[tuple[str, Any]] = [(path, data)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, str):
            if CONTROL_CHARACTERS.search(value):
                return where or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                name = f"{where}.{key}" if where else str(key)
                if CONTROL_CHARACTERS.search(str(key)):
                    return "body"
                stack.append((name, item))
        elif isinstance(value, list):
            stack.extend((f"{where}[{i}]" if where else f"[{i}]", item) for i, item in enumerate(value))
    return None


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        # A view may take larger bodies for some requests (a bulk write: art.api.upserts).
        own_limit = getattr(parser_context.get("view"), "body_limit", None)
        limit = (own_limit() if callable(own_limit) else None) or settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if stream is not None else b""
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large_message(limit))
        try:
            text = codecs.decode(raw, encoding)
        except UnicodeDecodeError as exc:
            raise exceptions.ParseError(f"the body is not {encoding} text: {exc.reason}") from None
        if json_depth_exceeds(text):
            raise exceptions.ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is refused")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        field = control_character_field(data)
        if field is not None:
            raise exceptions.ValidationError(
                {field: ["control characters (such as NUL) are not allowed in text"]}
            )
        return data


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
