"""Tokens in the UI: the tokens page makes tokens with a chosen expiry (30, 90, 365 days or
never) and scope, and shows scope, expiry and last use; the RTE's train page lists the tokens
that act in the train (owner, name, prefix, scope, dates) without keys and without revoking
anyone's; both pages cost the same number of queries with 2 tokens as with 20."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from art.models import ApiToken
from art.services.tokens import api_token_create
from tests.art.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKENS = "art:tokens"


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("expires", "days"), [("30", 30), ("90", 90), ("365", 365), ("never", None)], ids=str
)
def test_a_token_made_on_the_page_expires_when_its_maker_chose(client, world, expires, days):
    client.force_login(world.member)
    response = client.post(reverse("art:token_create"), {"name": "CI", "expires": expires, "scope": "read"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.member)
    assert token.scope == "read"
    if days is None:
        assert token.expires_at is None
    else:
        assert token.expires_at is not None
        assert abs(token.expires_at - (timezone.now() + dt.timedelta(days=days))) < dt.timedelta(minutes=1)
    assert "will not be shown again" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "CI", "expires": "7"}, "expires must be 30, 90 or 365 days, or never"),
        ({"name": "CI", "scope": "admin"}, "scope must be &quot;read&quot; or &quot;write&quot;"),
        ({"name": "CI\u0007"}, "control characters"),
        ({"name": ""}, "name is required"),
    ],
)
def test_bad_input_on_the_tokens_page_is_refused_naming_the_field(client, world, data, message):
    client.force_login(world.member)
    response = client.post(reverse("art:token_create"), data)
    assert response.status_code == 422
    assert message.lower() in response.content.decode().lower()  # shown next to the field, capitalised
    assert not ApiToken.objects.exists()


def test_the_tokens_page_shows_scope_expiry_and_state(client, world):
    api_token_create(user=world.member, name="Reader", scope="read")
    expired, _ = api_token_create(user=world.member, name="Old job")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(world.member)
    body = client.get(reverse(TOKENS)).content.decode()
    assert "Read only" in body and "Read and write" in body
    assert "Expired" in body and "never" in body
    assert 'name="expires"' in body and 'name="scope"' in body


def _grow_tokens(user, count: int) -> None:
    for i in range(ApiToken.objects.filter(user=user).count(), count):
        token, _ = api_token_create(
            user=user, name=f"Job {i}", expires_at=timezone.now() + dt.timedelta(days=i + 1)
        )
        if i % 3 == 0:
            now = timezone.now()
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, revoked_at=now)


def test_the_tokens_page_queries_do_not_grow_with_tokens(client, world, django_assert_max_num_queries):
    client.force_login(world.member)
    _grow_tokens(world.member, 2)
    small = _count(client, reverse(TOKENS))
    _grow_tokens(world.member, 20)
    with django_assert_max_num_queries(4):
        client.get(reverse(TOKENS))
    assert _count(client, reverse(TOKENS)) == small


# --- the RTE's list on the train page ---------------------------------------------------------


def _train_url(world) -> str:
    return reverse("art:train", kwargs={"slug": world.train.slug})


def test_the_rte_sees_the_tokens_acting_in_the_train_without_keys(client, world):
    reader, reader_key = api_token_create(user=world.member, name="Jira sync", scope="read")
    _, product_key = api_token_create(user=world.product, name="Roadmap export")
    revoked, _ = api_token_create(user=world.viewer, name="Gone")
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    api_token_create(user=world.outsider, name="Elsewhere job")
    client.force_login(world.rte)
    body = client.get(_train_url(world)).content.decode()
    # then the train's people's working tokens are listed with owner, name, prefix and scope
    assert 'id="api-tokens"' in body
    assert "Jira sync" in body and "Roadmap export" in body and f"{reader.prefix}…" in body
    assert "@member" in body and "Read only" in body
    # but never a key, a revoked token, or a token of someone outside the train
    assert reader_key not in body and product_key not in body
    assert "Gone" not in body and "Elsewhere job" not in body
    # and the RTE cannot revoke anyone's token from here
    assert reverse("art:token_revoke", kwargs={"token_id": reader.pk}) not in body
    assert "admin/art/apitoken" not in body


def test_other_roles_do_not_see_the_trains_tokens(client, world):
    api_token_create(user=world.member, name="Jira sync")
    for user in (world.member, world.product, world.viewer):
        client.force_login(user)
        body = client.get(_train_url(world)).content.decode()
        assert 'id="api-tokens"' not in body and "Jira sync" not in body


def test_a_superuser_gets_the_admin_to_revoke_others_tokens(client, world):
    token, _ = api_token_create(user=world.member, name="Jira sync")
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin)
    body = client.get(_train_url(world)).content.decode()
    assert reverse("admin:art_apitoken_change", args=[token.pk]) in body


def test_the_train_page_queries_do_not_grow_with_tokens(client, world):
    client.force_login(world.rte)
    for user in (world.member, world.product):
        _grow_tokens(user, 2)
    small = _count(client, _train_url(world))
    for user in (world.member, world.product, world.viewer, world.other_member):
        _grow_tokens(user, 20)
    assert _count(client, _train_url(world)) == small
