"""The OpenAPI schema lists every error response an operation can give (docs/api.md,
"Errors"): a postprocessing hook of drf-spectacular adds the answers every operation shares, in
the one error shape, where the view did not describe them itself. The API fuzz test
(tests/test_api_fuzz.py) holds the schema to it: a status the schema does not list fails."""

from __future__ import annotations

from typing import Any

ERROR_SCHEMA = {
    "type": "object",
    "description": 'A refusal: `{"field": ["message", ...]}` naming the field and the rule, '
    '`{"detail": "..."}`, or `{"errors": {"<index>": {...}}}` for a list.',
    "additionalProperties": True,
}

#: Every operation: bad query parameters or body (400), no or bad credentials (401), a role that
#: may not (403), a train not yours (404), a body too large (413), a body not JSON (415), too
#: many requests (429).
COMMON = {
    "400": "Bad input: the message names the field and the rule; nothing changed.",
    "401": "No credentials, or a token revoked or expired.",
    "403": "Your role (or your token's scope) may not do this; nothing changed.",
    "404": "No such object in a train you belong to.",
    "413": "The body is larger than the API accepts.",
    "415": "The body is not JSON (or the content type the operation takes).",
    "429": "Too many requests or failed sign-ins: see Retry-After.",
}
#: Writes of versioned cards, and writes that meet another row: a stale version (409), a stale
#: If-Match (412), a change stating no version (428); 409 also for a reference still in use.
WRITES = {
    "409": "A conflict: a stale version (with the current card), or the row is still referred to.",
    "412": "If-Match does not match the card's current version; nothing changed.",
    "428": "A change of a versioned card must state the version it is based on (body or If-Match).",
}


#: A time of day is a wall-clock time in the train's time zone, without an offset ("09:30:00"),
#: which JSON Schema's `time` format (RFC 3339, offset required) would refuse.
LOCAL_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"


def _local_times(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "string" and node.get("format") == "time":
            del node["format"]
            node.setdefault("pattern", LOCAL_TIME)
        for value in node.values():
            _local_times(value)
    elif isinstance(node, list):
        for value in node:
            _local_times(value)


def document_errors(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    _local_times(result)
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "put", "patch", "post", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            codes = dict(COMMON)
            if method != "get":
                codes.update(WRITES)
            content = {"application/json": {"schema": ref}}
            for code, text in codes.items():
                responses.setdefault(code, {"description": text, "content": content})
    return result
