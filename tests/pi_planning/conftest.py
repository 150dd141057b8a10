"""Fixtures of the PI planning tests: clients signed in per role (pages and API), the world's
plan, and the URLs of the pages."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.pi_planning.helpers import Plan


@pytest.fixture
def plan(world) -> Plan:
    return Plan(world, list(world.pi.iterations.order_by("number")))


@pytest.fixture
def as_user(client, world):
    def sign_in(role):
        client.force_login(world.user(role))
        return client

    return sign_in


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


@pytest.fixture
def urls(world):
    """urls.page("objectives"), urls.page("dependency_state", dep_id=3) for the world's PI."""

    class Urls:
        def page(self, name, pi=None, **kwargs):
            pi = pi or world.pi
            return reverse(f"pi_planning:{name}", kwargs={"slug": pi.train.slug, "pi_id": pi.pk, **kwargs})

    return Urls()
