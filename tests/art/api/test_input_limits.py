"""Bodies the API refuses before they can hurt, always in JSON: nesting deeper than 32 levels
(which would exhaust Python's recursion), a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), NUL and
other control characters in text (the field named); and the API never answers HTML, not for an
unknown path and not when Railyard itself fails."""

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from art.api.parsers import control_character_field, json_depth_exceeds
from art.models import Membership, Team

DEEP = "[" * 100_000 + "]" * 100_000


def nested(levels: int) -> str:
    return '{"name": ' + "[" * (levels - 1) + "1" + "]" * (levels - 1) + "}"


def test_depth_is_counted_outside_strings_in_one_pass():
    assert not json_depth_exceeds(nested(32))
    assert json_depth_exceeds(nested(33))
    assert not json_depth_exceeds(json.dumps({"title": "[[[[" * 50 + '\\"{{{' * 50}))
    assert json_depth_exceeds(DEEP)


def test_control_characters_are_found_with_the_field_they_sit_in():
    assert control_character_field({"title": "ok", "whys": ["fine", "bad\x00"]}) == "whys[1]"
    assert control_character_field({"notes": "tab\there\r\nand lines"}) is None
    assert control_character_field({"a": {"b": "\x1b[31m"}}) == "a.b"
    assert control_character_field(["\x7f"]) == "[0]"


@pytest.mark.parametrize("path", ["/api/v1/teams/", "/api/v1/auth/token/"])
def test_json_nested_too_deep_answers_400_in_json(world, as_user, path):
    api = as_user(world.rte) if "teams" in path else APIClient()
    response = api.post(path, DEEP, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 32 levels is refused"}


def test_a_nul_in_a_username_answers_400_naming_the_field_and_changes_nothing(world, as_user):
    api = as_user(world.rte)
    before = Membership.objects.count()
    body = {"train": world.train.pk, "username": "ana\x00", "role": "viewer"}
    response = api.post("/api/v1/memberships/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"username": ["control characters (such as NUL) are not allowed in text"]}
    assert Membership.objects.count() == before


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096)
def test_a_body_over_the_limit_answers_413_in_json_and_changes_nothing(world, as_user):
    api = as_user(world.rte)
    before = Team.objects.count()
    body = {"train": world.train.pk, "name": "Big", "description": "x" * 5000}
    response = api.post("/api/v1/teams/", json.dumps(body), content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {"detail": "the request body is larger than 4 KB: send less at once"}
    assert Team.objects.count() == before


def test_an_unknown_api_path_answers_404_in_json(world, as_user):
    response = as_user(world.rte).get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "No API resource at /api/v1/no-such-thing/. See /api/v1/docs/."}


def test_when_railyard_fails_the_api_answers_500_in_json(world, as_user, monkeypatch):
    from art.api import views

    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.TeamViewSet, "list", fail)
    api = as_user(world.rte)
    api.raise_request_exception = False
    response = api.get("/api/v1/teams/")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Railyard failed on this request; the error is logged. Nothing was changed."
    }


@pytest.mark.parametrize(
    ("path", "field", "value", "message"),
    [
        ("pis", "name", "PI 27.1\r\nInjected: header", "name must be one line: line breaks are not allowed"),
        ("teams", "name", "Alpha\nBeta", "name must be one line: line breaks are not allowed"),
        ("features", "title", "Checkout\u2028v2", "title must be one line: line breaks are not allowed"),
    ],
)
def test_a_line_break_in_a_name_is_refused_naming_the_field(world, as_user, path, field, value, message):
    bodies = {
        "pis": {"train": world.train.pk, "start_date": "2030-01-05", "end_date": "2030-03-20"},
        "teams": {"train": world.train.pk},
        "features": {"train": world.train.pk},
    }
    response = as_user(world.rte).post(f"/api/v1/{path}/", {**bodies[path], field: value}, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]


def test_a_line_break_stays_allowed_in_a_description(world, as_user):
    response = as_user(world.rte).post(
        "/api/v1/teams/",
        {"train": world.train.pk, "name": "Delta", "description": "First line\nSecond line"},
        format="json",
    )
    assert response.status_code == 201


def test_a_time_zone_longer_than_any_is_refused_naming_it(world, as_user):
    response = as_user(world.rte).patch(
        f"/api/v1/trains/{world.train.pk}/", {"time_zone": "x" * 5000}, format="json"
    )
    assert response.status_code == 400
    assert "is not a known time zone" in response.json()["time_zone"][0]


def test_a_token_name_refuses_line_breaks(world, as_user):
    response = as_user(world.rte).post("/api/v1/tokens/", {"name": "cron\r\nX-Injected: 1"}, format="json")
    assert response.status_code == 400
    assert response.json()["name"] == [
        "name must be one line: line breaks and control characters are not allowed"
    ]
