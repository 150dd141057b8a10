"""Fixtures of the tests of the train's events: clients signed in per role, for pages and API."""

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def page_as(client, world):
    """page_as("rte") -> the test client signed in as that role of the world's train
    (None: signed out)."""

    def sign_in(role):
        client.logout()
        if role is not None:
            client.force_login(world.user(role) if isinstance(role, str) else role)
        return client

    return sign_in


@pytest.fixture
def api_as(world):
    """api_as("member") -> an API client signed in as that role (None: anonymous)."""

    def sign_in(role):
        api = APIClient()
        if role is not None:
            api.force_login(world.user(role) if isinstance(role, str) else role)
        return api

    return sign_in
