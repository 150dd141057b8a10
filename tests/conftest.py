"""Fixtures every test may use: a train with one user per role; and the N+1 guard.

The N+1 guard (tests/lazy_loads.py) watches every request a test makes through the test client
(``client``, ``api``, ``htmx``): a request that lazily loads the same relation more than once
(``story.feature`` for each story without ``select_related``, ``feature.stories.all()`` for each
feature without ``prefetch_related``, a field left out by ``only()``) fails the test with
``LazyLoadError``, naming model, relation, count and the template/code lines. Fix the query that
fetched the rows. A test that lazy-loads on purpose says so: ``@pytest.mark.allow_lazy_loads``, or
``with allow_lazy_loads():`` (from tests.lazy_loads) around the requests concerned.
"""

from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from art.models import Membership
from tests.art.factories import PASSWORD, MembershipFactory, PIFactory, TeamFactory, TrainFactory, UserFactory
from tests.lazy_loads import guard, install

install()


@pytest.fixture(autouse=True)
def _lazy_load_guard(request):
    """Fail a test whose client requests lazy-load one relation for several rows (an N+1)."""
    with guard(enabled=request.node.get_closest_marker("allow_lazy_loads") is None):
        yield


@dataclass
class TrainWorld:
    train: object
    team: object
    other_team: object
    pi: object
    rte: object
    product: object
    business_owner: object
    member: object
    other_member: object
    viewer: object
    outsider: object

    def user(self, role: str):
        return getattr(self, role)


@pytest.fixture
def world(db) -> TrainWorld:
    """A train with two teams and a PI, one user per role, and an outsider who is the member
    of another train."""
    train = TrainFactory(name="Payments ART", slug="payments")
    team, other_team = TeamFactory(train=train, name="Alpha"), TeamFactory(train=train, name="Bravo")
    pi = PIFactory(train=train, name="PI 26.1")
    users = {}
    for role, member_team, username in [
        (Membership.Role.RTE, None, "rte"),
        (Membership.Role.PRODUCT, None, "product"),
        (Membership.Role.BUSINESS_OWNER, None, "business_owner"),
        (Membership.Role.MEMBER, team, "member"),
        (Membership.Role.MEMBER, other_team, "other_member"),
        (Membership.Role.VIEWER, None, "viewer"),
    ]:
        users[username] = UserFactory(username=username)
        MembershipFactory(user=users[username], train=train, role=role, team=member_team)
    elsewhere = TrainFactory(name="Elsewhere ART", slug="elsewhere")
    outsider = UserFactory(username="outsider")
    MembershipFactory(user=outsider, train=elsewhere, role=Membership.Role.RTE)
    return TrainWorld(train=train, team=team, other_team=other_team, pi=pi, outsider=outsider, **users)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def password() -> str:
    return PASSWORD


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
def htmx(client):
    """The test client, sending requests as htmx does (sign it in with the page fixtures)."""
    return Htmx(client)


@pytest.fixture
def memo_on(settings):
    """The memo of computed views (art.freshness) on, as outside tests, over a cache of this
    process's own (parallel test processes sharing one Redis would move each other's
    generations: their trains have the same ids), empty at the start and the end."""
    from django.core.cache import cache

    from art import freshness

    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "memo"}
    }
    settings.RAILYARD_MEMO = True
    freshness.forget()
    cache.clear()
    yield
    freshness.forget()
