"""Sign-in throttling (art/lockout.py, django-axes): after AXES_FAILURE_LIMIT wrong passwords in a
row for one account or from one address, the sign-in page, the admin's sign-in and the token
endpoint answer 429 with Retry-After, even with the right password, until the pause ends; the
attempts are kept in the database (every web process sees them) for superusers to read."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.test import override_settings

from tests.art.factories import UserFactory

PASSWORD = "correct horse battery"


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", password=PASSWORD)


def page_sign_in(client, password, username="ana", ip="10.0.0.1", path="/accounts/login/"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def token_sign_in(client, password, username="ana", ip="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_sign_in_page_pauses_an_account_after_the_limit(client, ana):
    for _ in range(2):
        assert page_sign_in(client, "wrong").status_code == 200  # the form again, with its error
    response = page_sign_in(client, "wrong")
    assert response.status_code == 429
    assert "Too many failed sign-ins: try again in 15 minutes." in response.content.decode()
    assert response["Retry-After"] == "900"
    # the right password does not get through the pause, from another address either
    response = page_sign_in(client, PASSWORD, ip="10.0.0.2")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessFailureLog.objects.filter(username="ana").count() >= 3
    assert AccessAttempt.objects.filter(username="ana").exists()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_token_endpoint_answers_429_in_json_with_retry_after(client, ana):
    for _ in range(2):
        response = token_sign_in(client, "wrong")
        assert response.status_code == 400
    response = token_sign_in(client, "wrong")
    assert response.status_code == 429
    assert response.json() == {"detail": "Too many failed sign-ins: try again in 15 minutes."}
    assert response["Retry-After"] == "900"
    assert token_sign_in(client, PASSWORD).status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_one_address_trying_many_accounts_is_paused(client, db):
    for name in ("bo", "cy", "di"):
        UserFactory(username=name, password=PASSWORD)
        page_sign_in(client, "wrong", username=name, ip="10.9.9.9")
    assert page_sign_in(client, PASSWORD, username="bo", ip="10.9.9.9").status_code == 429
    # another address signs bo in
    assert page_sign_in(client, PASSWORD, username="bo", ip="10.1.1.1").status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_admin_sign_in_is_paused_too(client, db):
    UserFactory(username="root", password=PASSWORD, is_staff=True, is_superuser=True)
    for _ in range(3):
        response = page_sign_in(client, "wrong", username="root", path="/admin/login/")
    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_a_success_before_the_limit_starts_the_count_again(client, ana):
    page_sign_in(client, "wrong")
    page_sign_in(client, "wrong")
    assert page_sign_in(client, PASSWORD).status_code == 302
    client.logout()
    page_sign_in(client, "wrong")
    page_sign_in(client, "wrong")
    assert page_sign_in(client, PASSWORD).status_code == 302
