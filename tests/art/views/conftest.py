"""Helpers for page tests: clients signed in per role, and htmx requests."""

import pytest


@pytest.fixture
def as_user(client, world):
    """as_user("rte") -> the test client signed in as that role of the world's train."""

    def sign_in(role):
        client.force_login(world.user(role))
        return client

    return sign_in
