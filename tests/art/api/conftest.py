"""Helpers for the API tests: sign a world user in, and the paths of the resources."""

import pytest


@pytest.fixture
def as_user(api):
    """`as_user(user)` signs the API client in (a session, so every request reads the user's
    roles afresh); `as_user(None)` leaves it anonymous."""

    def sign_in(user):
        api.logout()
        if user is not None:
            api.force_login(user)
        return api

    return sign_in
