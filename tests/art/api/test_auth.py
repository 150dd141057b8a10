"""Sign-in for a token, personal tokens (stored hashed, revocable), 401 without credentials,
and the schema and docs."""

import hashlib

import pytest

from art.models import ApiToken
from art.services.tokens import api_token_create


def test_signing_in_gives_a_token_that_authenticates(world, api, password):
    # when the RTE signs in with username and password
    response = api.post("/api/v1/auth/token/", {"username": "rte", "password": password}, format="json")
    # then a token comes back, kept as a named personal token
    assert response.status_code == 200
    key = response.json()["token"]
    token = ApiToken.objects.get(user=world.rte)
    assert token.name == "API token" and token.expires_at is not None
    # and it opens the API
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/trains/").json()["count"] == 1


@pytest.mark.parametrize(
    "body",
    [{"username": "rte", "password": "wrong"}, {"username": "nobody", "password": "x"}],
    ids=["wrong password", "unknown user"],
)
def test_wrong_credentials_are_refused_with_a_clear_message(world, api, body):
    response = api.post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": ["Unable to sign in with the username and password given."]
    }
    assert not ApiToken.objects.exists()


def test_signing_in_without_a_password_names_the_field(world, api):
    response = api.post("/api/v1/auth/token/", {"username": "rte"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"password": ["This field is required."]}


def test_an_inactive_user_cannot_sign_in(world, api, password):
    world.rte.is_active = False
    world.rte.save()
    assert (
        api.post("/api/v1/auth/token/", {"username": "rte", "password": password}, format="json").status_code
        == 400
    )


def test_tokens_are_stored_hashed(world):
    token, key = api_token_create(user=world.rte, name="CI")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.key_hash, token.prefix} and token.prefix == key[:8]


def test_a_user_names_lists_and_revokes_own_tokens(world, as_user, api):
    api = as_user(world.member)
    # when the member creates a named token
    created = api.post("/api/v1/tokens/", {"name": "Jira sync"}, format="json")
    # then the key is shown once
    assert created.status_code == 201
    body = created.json()
    assert body["name"] == "Jira sync" and body["active"] is True and len(body["key"]) > 30
    listed = api.get("/api/v1/tokens/").json()
    assert listed["count"] == 1
    assert "key" not in listed["results"][0]
    # and when they revoke it, it no longer opens the API
    revoked = api.post(f"/api/v1/tokens/{body['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    api.logout()
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['key']}")
    response = api.get("/api/v1/trains/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}


def test_a_token_needs_a_name(world, as_user):
    response = as_user(world.member).post("/api/v1/tokens/", {"name": " "}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["name"]


def test_nobody_sees_or_revokes_another_users_tokens(world, as_user):
    token, _ = api_token_create(user=world.rte, name="RTE's")
    api = as_user(world.member)
    assert api.get("/api/v1/tokens/").json()["count"] == 0
    assert api.post(f"/api/v1/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


@pytest.mark.parametrize("path", ["/api/v1/trains/", "/api/v1/features/", "/api/v1/tokens/"])
def test_no_credentials_answers_401_with_a_challenge(db, api, path):
    response = api.get(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_answers_401(db, api):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert api.get("/api/v1/trains/").status_code == 401


def test_sessions_need_csrf_for_writes(world, client):
    # given a browser session (Django's test client enforcing CSRF)
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.rte)
    # when it posts without the CSRF token, then it is refused
    response = browser.post(
        "/api/v1/teams/", {"train": world.train.pk, "name": "X"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_schema_and_docs_are_served(db, api):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    assert "/api/v1/features/{id}/transitions/" in schema.json()["paths"]
    docs = api.get("/api/v1/docs/", HTTP_ACCEPT="application/json")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"cdn" not in docs.content.lower()


def test_a_password_change_revokes_the_users_tokens(world, api, password):
    key = api.post("/api/v1/auth/token/", {"username": "rte", "password": password}, format="json").json()[
        "token"
    ]
    other_key = api_token_create(user=world.member, name="cron")[1]
    # signing in again (last_login is saved) keeps the token
    api.force_login(world.rte)
    api.logout()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/v1/trains/").status_code == 200
    # when the RTE changes their password
    world.rte.set_password("a new password, long enough")
    world.rte.save()
    # then their token no longer opens the API, and someone else's still does
    response = api.get("/api/v1/trains/")
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}
    assert ApiToken.objects.get(user=world.rte).revoked_at is not None
    api.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert api.get("/api/v1/trains/").status_code == 200
