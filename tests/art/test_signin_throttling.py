"""Sign-in throttling (art/lockout.py, django-axes): from the 3rd failure in a row the next try
must wait 1, 2, 4 … s (a try sooner answers 429 with Retry-After and does not count); after
AXES_FAILURE_LIMIT wrong passwords in a row for one account or from one address, the sign-in
page, the admin's sign-in and the token endpoint answer 429 with Retry-After, even with the right
password, until the pause ends; the attempts are kept in the database (every web process sees
them) for superusers to read."""

import datetime as dt
from unittest import mock

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from art.lockout import slow_down_delay
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


# --- the slow-down before the pause ---------------------------------------------------------------


class Clock:
    """The time axes stamps on each try (axes.handlers.proxy.now) and on the rows it keeps
    (django.utils.timezone.now), moved by hand."""

    def __init__(self):
        self.start = timezone.now()
        self.seconds = 0.0

    def __call__(self):
        return self.start + dt.timedelta(seconds=self.seconds)


@pytest.fixture
def clock():
    moved = Clock()
    with mock.patch("axes.handlers.proxy.now", moved), mock.patch("django.utils.timezone.now", moved):
        yield moved


WRONG, RIGHT = "wrong", PASSWORD
# (at second, password, answer, Retry-After): from the 3rd failure in a row, the next try waits
# 1, 2, 4 s after the last failure (at most 4 s here); a try sooner is refused, even with the right
# password, and does not count; the 8th failure pauses sign-ins for 15 minutes.
SLOW_DOWN = [
    (0, WRONG, "failed", None),  # failure 1
    (0, WRONG, "failed", None),  # failure 2
    (0, WRONG, "failed", None),  # failure 3: the next waits 1 s
    (0, RIGHT, 429, "1"),
    (0.5, WRONG, 429, "1"),  # 0.5 s to go: a whole second is asked
    (1, WRONG, "failed", None),  # failure 4 at 1 s: the next waits 2 s
    (2, WRONG, 429, "1"),
    (3, WRONG, "failed", None),  # failure 5 at 3 s: 4 s
    (3, WRONG, 429, "4"),
    (6, WRONG, 429, "1"),
    (7, WRONG, "failed", None),  # failure 6 at 7 s: 8 s, capped at 4
    (7, WRONG, 429, "4"),
    (11, WRONG, "failed", None),  # failure 7 at 11 s: 4
    (15, WRONG, 429, "900"),  # failure 8: the pause (AXES_FAILURE_LIMIT)
]


@pytest.mark.parametrize(
    ("path", "failed"),
    [("/accounts/login/", 200), ("/admin/login/", 200), ("/api/v1/auth/token/", 400)],
)
@override_settings(
    AXES_FAILURE_LIMIT=8, RAILYARD_SIGNIN_SLOWDOWN_FROM=3, RAILYARD_SIGNIN_SLOWDOWN_MAX_SECONDS=4
)
def test_failures_slow_the_next_try_down_then_pause(client, db, clock, path, failed):
    UserFactory(username="ana", password=PASSWORD, is_staff=True)
    answers = []
    for at, password, _, _ in SLOW_DOWN:
        clock.seconds = at
        if path.startswith("/api/"):
            response = token_sign_in(client, password)
        else:
            response = page_sign_in(client, password, path=path)
        answers.append((at, password, response.status_code, response.get("Retry-After")))
    expected = [
        (at, password, failed if answer == "failed" else answer, retry)
        for at, password, answer, retry in SLOW_DOWN
    ]
    assert answers == expected
    # the tries refused for coming early are no failures: 8 were counted
    assert AccessAttempt.objects.filter(username="ana").aggregate(n=Sum("failures_since_start"))["n"] == 8


@override_settings(RAILYARD_SIGNIN_SLOWDOWN_FROM=3)
def test_the_slow_down_answers_in_words_and_the_right_password_after_the_wait_signs_in(client, ana, clock):
    for at in (0, 0, 0, 1):
        clock.seconds = at
        assert page_sign_in(client, "wrong").status_code == 200  # 4 failures, the last at 1 s
    response = page_sign_in(client, PASSWORD)  # at 1 s: it waits 2 s after the last failure
    assert response.status_code == 429 and response["Retry-After"] == "2"
    assert "Too many failed sign-ins: try again in 2 seconds." in response.content.decode()
    assert "_auth_user_id" not in client.session
    api = token_sign_in(client, PASSWORD)
    assert (api.status_code, api.json()) == (
        429,
        {"detail": "Too many failed sign-ins: try again in 2 seconds."},
    )
    clock.seconds = 3
    assert page_sign_in(client, PASSWORD).status_code == 302
    # a success starts the count again
    assert not AccessAttempt.objects.filter(username="ana").exists()


@override_settings(RAILYARD_SIGNIN_SLOWDOWN_FROM=3)
def test_the_slow_down_counts_per_address_too(client, db, clock):
    for name in ("bo", "cy", "di"):
        UserFactory(username=name, password=PASSWORD)
        page_sign_in(client, "wrong", username=name, ip="10.9.9.9")
    # three failures from one address, one per account: that address waits 1 s, others do not
    response = page_sign_in(client, PASSWORD, username="bo", ip="10.9.9.9")
    assert (response.status_code, response["Retry-After"]) == (429, "1")
    assert page_sign_in(client, PASSWORD, username="bo", ip="10.1.1.1").status_code == 302


@override_settings(RAILYARD_SIGNIN_SLOWDOWN_FROM=0)
def test_the_slow_down_can_be_turned_off(client, ana, clock):
    for _ in range(5):
        assert page_sign_in(client, "wrong").status_code == 200
    assert page_sign_in(client, PASSWORD).status_code == 302


def test_the_delay_doubles_from_the_first_slowed_failure_up_to_the_cap():
    assert [slow_down_delay(n, 3, 60) for n in range(1, 11)] == [0, 0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert slow_down_delay(10_000, 3, 60) == 60  # no huge powers
    assert slow_down_delay(5, 0, 60) == 0  # turned off
