"""Fixtures of the sync tests. The calendar's: the world's train in Berlin with its PI's calendar
generated, and clients signed in per role (pages and API)."""

import pytest
from rest_framework.test import APIClient

from sync import services


@pytest.fixture
def berlin(world):
    """The world's train in Europe/Berlin; its PI (PI 26.1) runs Mon 5 Jan – Sun 15 Mar 2026:
    iterations 1–4 of two weeks from 5 Jan, 19 Jan, 2 Feb and 16 Feb, the IP iteration from 2 Mar."""
    world.train.time_zone = "Europe/Berlin"
    world.train.save(update_fields=["time_zone"])
    return world


@pytest.fixture
def calendar_world(berlin):
    """The world in Berlin with PI 26.1's calendar generated: 10 Wednesday syncs, 4 demos, I&A
    (Wed 11 Mar) and PI planning (Thu 12 – Fri 13 Mar)."""
    services.pi_events_generate(actor=berlin.rte, pi=berlin.pi)
    return berlin


@pytest.fixture
def page_as(client, world):
    """page_as("rte") -> the test client signed in as that role (None: signed out)."""

    def sign_in(role):
        client.logout()
        if role is not None:
            client.force_login(world.user(role) if isinstance(role, str) else role)
        return client

    return sign_in


@pytest.fixture
def api_as(world):
    """api_as("viewer") -> an API client signed in as that role (None: anonymous)."""

    def sign_in(role):
        api = APIClient()
        if role is not None:
            api.force_login(world.user(role) if isinstance(role, str) else role)
        return api

    return sign_in


# --- system demos and release notes
from tests.sync.demo_helpers import finished  # noqa: E402, F401  (the train worked by hand)
