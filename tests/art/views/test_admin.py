"""The admin: every model of the train's core is registered and its list and search work."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

from tests.art.factories import FeatureFactory, MilestoneFactory, StoryFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_core_model_is_registered():
    for model in apps.get_app_config("art").get_models():
        assert admin.site.is_registered(model), model.__name__


def test_every_changelist_renders_and_searches(client, world):
    TeamMemberFactory(team=world.team)
    MilestoneFactory(pi=world.pi)
    FeatureFactory(train=world.train)
    StoryFactory(team=world.team)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    for model in apps.get_app_config("art").get_models():
        url = reverse(f"admin:art_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
        assert client.get(url, {"q": "a"}).status_code == 200, url
