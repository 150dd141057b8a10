"""The bad-input sweep: every write the API serves (every POST of a collection in the OpenAPI
schema), every field it names, with values no client should send — NUL and line breaks, a
megabyte of text, a 10,000-item list, nesting, wrong types, huge and negative numbers, dates
outside 1990–2199 — answers in JSON and never 500; a refusal (4xx) leaves the resource's rows and
the history as they were. (A value the rules allow, such as a number sent as a name, may be
accepted: it is then an ordinary create.)"""

from __future__ import annotations

import json

import pytest
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from art.models import ChangeRecord
from tests.art.api.test_access_matrix import RESOURCES

BAD_VALUES = [
    "\x00",
    "line\r\nbreak",
    "x" * 1_000_000,
    list(range(10_000)),
    {"a": {"b": {"c": {}}}},
    10**30,
    -1,
    True,
    None,
    "0001-01-01",
    "2200-01-01T00:00:00Z",
]


def collection_posts() -> list[tuple[str, list[str]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    found = []
    for path, operations in schema["paths"].items():
        post = operations.get("post")
        if not post or "{" in path:
            continue
        content = post.get("requestBody", {}).get("content", {}).get("application/json", {})
        ref = content.get("schema", {}).get("$ref", "")
        properties = components.get(ref.split("/")[-1], {}).get("properties", {}) if ref else {}
        found.append((path, [name for name, spec in properties.items() if not spec.get("readOnly")]))
    return sorted(found)


POSTS = collection_posts()


def rows_of(path: str):
    """A count of the rows the endpoint writes, and of the history."""
    view = resolve(path).func
    queryset = getattr(getattr(view, "cls", None), "queryset", None)
    model = queryset.model if queryset is not None else None

    def count() -> tuple[int, int]:
        return (model._default_manager.count() if model else 0, ChangeRecord.objects.count())

    return count


@pytest.mark.parametrize(("path", "fields"), POSTS, ids=[p for p, _ in POSTS])
def test_every_write_answers_bad_values_in_json_never_500_and_a_refusal_changes_nothing(world, path, fields):
    api = APIClient()
    api.force_authenticate(world.rte)
    name = path.removeprefix("/api/v1/").rstrip("/")
    base = RESOURCES[name].payload(world) if name in RESOURCES else {}
    count = rows_of(path)
    for field in fields:
        for value in BAD_VALUES:
            before = count()
            response = api.post(path, json.dumps({**base, field: value}), content_type="application/json")
            where = f"{path} {field}={repr(value)[:40]} → {response.status_code} {response.content[:200]!r}"
            assert response.status_code < 500, where
            assert response["Content-Type"].startswith("application/json"), where
            if 400 <= response.status_code < 500:
                assert count() == before, where
