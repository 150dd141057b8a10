"""Personal tokens through the API: signing in rotates the token of the name asked (default
"API token") instead of adding another, tokens expire (90 days by default for the API's),
read-only tokens are refused on any write (403 naming the scope), an expired token is refused
saying when it expired, and a token's last use is written at most once a minute."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from art.api.authentication import READ_ONLY_REFUSAL
from art.models import ApiToken, Team
from art.services.tokens import api_token_create

SIGN_IN = "/api/v1/auth/token/"


@pytest.fixture
def as_user(api):
    def signed_in(user):
        api.logout()
        api.force_login(user)
        return api

    return signed_in


def sign_in(api, password, **extra):
    return api.post(SIGN_IN, {"username": "rte", "password": password, **extra}, format="json")


def with_key(api, key):
    api.logout()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def test_signing_in_gives_a_token_named_api_token_that_expires_in_90_days(world, api, password):
    response = sign_in(api, password)
    assert response.status_code == 200
    body = response.json()
    token = ApiToken.objects.get(user=world.rte)
    assert body["name"] == token.name == "API token"
    assert body["scope"] == "write" and body["rotated"] is False and body["id"] == token.pk
    expires = parse_datetime(body["expires_at"])
    assert expires is not None
    assert abs(expires - (timezone.now() + dt.timedelta(days=90))) < dt.timedelta(minutes=1)
    assert with_key(api, body["token"]).get("/api/v1/trains/").status_code == 200


def test_signing_in_again_rotates_the_token_of_that_name(world, api, password):
    # given a job that signs in every hour under one name
    first = sign_in(api, password, name="Jira sync").json()
    second = sign_in(api, password, name="Jira sync").json()
    # then there is still one token, with a new key: the old key stops working
    assert ApiToken.objects.filter(user=world.rte).count() == 1
    token = ApiToken.objects.get(user=world.rte)
    assert second["rotated"] is True and second["id"] == first["id"] == token.pk
    assert second["token"] != first["token"] and token.prefix == second["token"][:8]
    assert token.rotated_at is not None and token.revoked_at is None
    old = with_key(api, first["token"]).get("/api/v1/trains/")
    assert old.status_code == 401 and old.json() == {"detail": "Invalid or revoked token."}
    assert with_key(api, second["token"]).get("/api/v1/trains/").status_code == 200


def test_another_name_is_another_token_and_revoked_ones_are_not_reused(world, api, password):
    jira = sign_in(api, password, name="Jira sync").json()
    ado = sign_in(api, password, name="ADO sync").json()
    assert jira["id"] != ado["id"]
    ApiToken.objects.filter(pk=jira["id"]).update(revoked_at=timezone.now())
    again = sign_in(api, password, name="Jira sync").json()
    assert again["rotated"] is False and again["id"] not in (jira["id"], ado["id"])
    assert ApiToken.objects.filter(user=world.rte).count() == 3


def test_rotation_revokes_older_duplicates_of_the_name(world, api, password):
    # given two active tokens of one name, from before rotation existed
    older, _ = api_token_create(user=world.rte, name="API token")
    newer, _ = api_token_create(user=world.rte, name="API token")
    ApiToken.objects.filter(pk=older.pk).update(created_at=timezone.now() - dt.timedelta(days=3))
    body = sign_in(api, password).json()
    assert body["id"] == newer.pk and body["rotated"] is True
    older.refresh_from_db()
    assert older.revoked_at is not None


def test_signing_in_may_ask_for_a_read_only_token_with_an_expiry(world, api, password):
    when = timezone.now() + dt.timedelta(days=7)
    body = sign_in(api, password, scope="read", expires_at=when.isoformat(), name="Dashboard").json()
    assert body["scope"] == "read" and parse_datetime(body["expires_at"]) == when
    never = sign_in(api, password, name="Forever", expires_at=None).json()
    assert never["expires_at"] is None


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at", "expires_at must be in the future"),
        ({"scope": "admin"}, "scope", 'scope must be "read" or "write"'),
        ({"name": "Jira\u0007sync"}, "name", "control characters"),
        ({"name": "Jira\nsync"}, "name", "line breaks"),
        ({"name": "   "}, "name", "name"),
        ({"expires_at": "next week"}, "expires_at", "Datetime"),
    ],
)
@pytest.mark.parametrize("path", [SIGN_IN, "/api/v1/tokens/"])
def test_bad_token_fields_answer_400_naming_the_field_and_change_nothing(
    world, api, password, as_user, path, extra, field, message
):
    if path == SIGN_IN:
        response = sign_in(api, password, **extra)
    else:
        response = as_user(world.rte).post(path, {"name": "CI", **extra}, format="json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors, errors
    assert message.lower() in " ".join(errors[field]).lower()
    assert not ApiToken.objects.exists()


def test_tokens_made_through_the_api_expire_by_default_unless_asked_not_to(world, as_user, settings):
    api = as_user(world.member)
    default = api.post("/api/v1/tokens/", {"name": "CI"}, format="json").json()
    assert default["expires_at"] is not None and default["scope"] == "write" and default["expired"] is False
    never = api.post("/api/v1/tokens/", {"name": "Forever", "expires_at": None}, format="json").json()
    assert never["expires_at"] is None
    settings.RAILYARD_TOKEN_DEFAULT_DAYS = 0
    assert api.post("/api/v1/tokens/", {"name": "Again"}, format="json").json()["expires_at"] is None


def test_an_expired_token_is_refused_saying_when_it_expired(world, api):
    token, key = api_token_create(user=world.rte, name="Old job")
    when = timezone.now() - dt.timedelta(days=1)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=when)
    response = with_key(api, key).get("/api/v1/trains/")
    assert response.status_code == 401
    detail = response.json()["detail"]
    assert "expired" in detail and when.isoformat(timespec="seconds") in detail
    assert "WWW-Authenticate" in response


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_read_only_token_reads_but_may_not_change_anything(world, api, method):
    _, key = api_token_create(
        user=world.rte, name="Dashboard", scope="read", expires_at=timezone.now() + dt.timedelta(days=1)
    )
    client = with_key(api, key)
    assert client.get(f"/api/v1/teams/{world.team.pk}/").status_code == 200
    url = "/api/v1/teams/" if method == "post" else f"/api/v1/teams/{world.team.pk}/"
    body = {"train": world.train.pk, "name": "Charlie", "kind": "stream_aligned"}
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 403
    assert response.json() == {"detail": READ_ONLY_REFUSAL}
    assert READ_ONLY_REFUSAL == "This token is read-only (scope: read): it may not change anything."
    assert sorted(Team.objects.filter(train=world.train).values_list("name", flat=True)) == ["Alpha", "Bravo"]
    # nor make itself a token that could
    assert client.post("/api/v1/tokens/", {"name": "Escalate"}, format="json").status_code == 403
    assert ApiToken.objects.count() == 1


def test_last_use_is_written_at_most_once_a_minute(world, api, django_assert_num_queries):
    token, key = api_token_create(user=world.rte, name="CI")
    client = with_key(api, key)
    client.get("/api/v1/trains/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get("/api/v1/trains/")
    token.refresh_from_db()
    assert token.last_used_at == first  # within the minute: not written again
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(seconds=61))
    client.get("/api/v1/trains/")
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(seconds=61)


def test_the_token_list_shows_scope_expiry_and_last_use_but_never_keys(world, as_user):
    api = as_user(world.member)
    api.post("/api/v1/tokens/", {"name": "Reader", "scope": "read"}, format="json")
    row = api.get("/api/v1/tokens/").json()["results"][0]
    assert {"scope", "expires_at", "last_used_at", "rotated_at", "expired", "active", "prefix"} <= set(row)
    assert "key" not in row and "key_hash" not in row and row["scope"] == "read"


def test_read_only_fields_of_a_token_are_refused_by_name(world, as_user):
    response = as_user(world.member).post("/api/v1/tokens/", {"name": "CI", "prefix": "abc"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"prefix": ["prefix is read-only: it cannot be set here"]}
