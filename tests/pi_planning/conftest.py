"""Fixtures of the PI planning tests: clients signed in per role (pages and API), the world's
plan, and the URLs of the pages."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from pi_planning.models import Dependency
from tests.pi_planning.helpers import Plan, feature, story


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


@pytest.fixture
def board_cards(world, plan):
    """Alpha's feature in iteration 2 with a story there; Bravo's feature in iteration 3 with a
    story; a dependency of Alpha's feature on Bravo's, needed by iteration 2 (a conflict)."""
    alpha_feature = feature(world, iteration=plan.it(2), title="Alpha checkout", external_key="ALP-1")
    bravo_feature = feature(world, team=world.other_team, iteration=plan.it(3), title="Bravo ledger")
    alpha_story = story(world, feature=alpha_feature, iteration=plan.it(2), title="Alpha story")
    bravo_story = story(
        world, team=world.other_team, feature=bravo_feature, iteration=plan.it(3), title="Bravo story"
    )
    dependency = Dependency.objects.create(
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        feature=alpha_feature,
        provider_feature=bravo_feature,
        needed_by=plan.it(2),
        title="Ledger accounts",
    )
    return {
        "alpha_feature": alpha_feature,
        "bravo_feature": bravo_feature,
        "alpha_story": alpha_story,
        "bravo_story": bravo_story,
        "dependency": dependency,
    }
