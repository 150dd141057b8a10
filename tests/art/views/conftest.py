"""Helpers for page tests: clients signed in per role, and htmx requests."""

import pytest


class Htmx:
    """Requests as htmx sends them: HX-Request, and HX-Target naming the element to swap."""

    def __init__(self, client):
        self.client = client

    def get(self, url, target=None, **extra):
        headers = {"HTTP_HX_REQUEST": "true"}
        if target:
            headers["HTTP_HX_TARGET"] = target
        return self.client.get(url, **headers, **extra)

    def post(self, url, data=None, target=None):
        headers = {"HTTP_HX_REQUEST": "true"}
        if target:
            headers["HTTP_HX_TARGET"] = target
        return self.client.post(url, data or {}, **headers)


@pytest.fixture
def as_user(client, world):
    """as_user("rte") -> the test client signed in as that role of the world's train."""

    def sign_in(role):
        client.force_login(world.user(role))
        return client

    return sign_in


@pytest.fixture
def htmx(client):
    return Htmx(client)
