"""Team initials are kept unique within the train by the team services (art.services.train)."""

import pytest

from art import services
from art.models import Team
from tests.art.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_adding_a_namesake_changes_the_first_teams_initials_too(world):
    carrier = services.team_create(actor=world.rte, train=world.train, name="Carrier Portal")
    assert carrier.initials == "CP"
    cloud = services.team_create(actor=world.rte, train=world.train, name="Cloud Platform")
    carrier.refresh_from_db()
    assert (carrier.initials, cloud.initials) == ("CPo", "CPl")


def test_renaming_and_deleting_free_the_initials_again(world):
    carrier = services.team_create(actor=world.rte, train=world.train, name="Carrier Portal")
    cloud = services.team_create(actor=world.rte, train=world.train, name="Cloud Platform")
    services.team_update(actor=world.rte, team=cloud, name="Platform Cloud")
    carrier.refresh_from_db()
    assert carrier.initials == "CP"
    assert Team.objects.get(pk=cloud.pk).initials == "PC"
    services.team_update(actor=world.rte, team=cloud, name="Cloud Platform")
    assert Team.objects.get(pk=carrier.pk).initials == "CPo"
    services.team_delete(actor=world.rte, team=Team.objects.get(pk=cloud.pk))
    assert Team.objects.get(pk=carrier.pk).initials == "CP"


def test_other_trains_are_not_touched(world):
    elsewhere = TeamFactory(name="Carrier Portal")  # another train
    services.team_create(actor=world.rte, train=world.train, name="Cloud Platform")
    services.team_create(actor=world.rte, train=world.train, name="Carrier Portal")
    assert Team.objects.get(pk=elsewhere.pk).initials == "CP"
