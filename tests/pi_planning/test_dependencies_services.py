"""Dependency services: providers, the lifecycle, conflicts, comments, age."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from art.errors import ConflictError
from art.models import ChangeRecord
from pi_planning import services
from pi_planning.models import Dependency
from tests.art.factories import FeatureFactory
from tests.pi_planning.factories import DependencyFactory
from tests.pi_planning.helpers import iterations

pytestmark = pytest.mark.django_db


def test_linking_two_features_takes_the_provider_team_from_the_provider_feature(world):
    needer = FeatureFactory(train=world.train, pi=world.pi, team=world.team)
    provider = FeatureFactory(train=world.train, pi=world.pi, team=world.other_team)
    dep = services.dependency_create(
        actor=world.member,
        pi=world.pi,
        requester_team=world.team,
        needed_by=iterations(world.pi)[2],
        feature=needer,
        provider_feature=provider,
    )
    assert (dep.provider_team, dep.state, dep.version, dep.resolved_at) == (
        world.other_team,
        "requested",
        1,
        None,
    )
    assert ChangeRecord.objects.filter(object_id=dep.pk, action="created").exists()


def test_a_dependency_names_exactly_one_provider(world):
    with pytest.raises(ValidationError) as info:
        services.dependency_create(
            actor=None, pi=world.pi, requester_team=world.team, needed_by=iterations(world.pi)[1]
        )
    assert "provider_team" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.dependency_create(
            actor=None,
            pi=world.pi,
            requester_team=world.team,
            needed_by=iterations(world.pi)[1],
            provider_team=world.other_team,
            external_provider="Vendor",
        )
    assert "not both" in info.value.message_dict["external_provider"][0]
    with pytest.raises(ValidationError) as info:
        services.dependency_create(
            actor=None,
            pi=world.pi,
            requester_team=world.team,
            needed_by=iterations(world.pi)[1],
            provider_team=world.team,
        )
    assert "differ" in info.value.message_dict["provider_team"][0]
    assert not Dependency.objects.exists()


def test_an_external_dependency_names_the_party_in_free_text(world):
    dep = services.dependency_create(
        actor=None,
        pi=world.pi,
        requester_team=world.team,
        needed_by=iterations(world.pi)[1],
        external_provider="  Card network sandbox ",
    )
    assert dep.is_external and dep.provider_name == "Card network sandbox"


def test_lifecycle_commit_defaults_to_the_needed_by_iteration_or_takes_a_counter_proposal(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    dep = services.dependency_set_state(actor=None, dependency=dep, state="committed")
    assert dep.committed_iteration == dep.needed_by
    counter = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    counter = services.dependency_set_state(
        actor=None, dependency=counter, state="committed", committed_iteration=iterations(world.pi)[3]
    )
    assert counter.committed_iteration == iterations(world.pi)[3]


def test_lifecycle_refuses_skipping_and_sets_resolved_at_on_delivery(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    with pytest.raises(ValidationError) as info:
        services.dependency_set_state(actor=None, dependency=dep, state="delivered")
    assert "cannot move to delivered" in info.value.message_dict["state"][0]
    dep = services.dependency_set_state(actor=None, dependency=dep, state="committed")
    dep = services.dependency_set_state(actor=None, dependency=dep, state="in_progress")
    dep = services.dependency_set_state(actor=None, dependency=dep, state="delivered")
    assert dep.resolved_at is not None and dep.state == "delivered"
    reopened = services.dependency_set_state(actor=None, dependency=dep, state="in_progress")
    assert reopened.resolved_at is None


def test_stale_dependency_update_is_a_conflict_and_nothing_is_lost(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    services.dependency_update(actor=world.member, dependency=dep, version=1, owner="Ana")
    with pytest.raises(ConflictError) as info:
        services.dependency_update(actor=world.other_member, dependency=dep, version=1, owner="Ben")
    assert info.value.current.owner == "Ana"
    dep.refresh_from_db()
    assert (dep.owner, dep.version) == ("Ana", 2)


def test_comments_need_text(world):
    dep = DependencyFactory(pi=world.pi, requester_team=world.team, provider_team=world.other_team)
    with pytest.raises(ValidationError):
        services.dependency_comment_add(actor=world.member, dependency=dep, body="  ")
    comment = services.dependency_comment_add(
        actor=world.member, dependency=dep, body="Blocked on the test env"
    )
    assert comment.author == world.member


def test_resolved_dependency_keeps_its_age(world):
    from art.rules.dependencies import DependencyDates, dependency_age_days

    created = timezone.now() - dt.timedelta(days=20)
    dep = DependencyFactory(
        pi=world.pi, requester_team=world.team, provider_team=world.other_team, created_at=created
    )
    assert dependency_age_days(DependencyDates(dep.created_at, dep.resolved_at), timezone.now()) == 20
    dep = services.dependency_set_state(actor=None, dependency=dep, state="cancelled")
    later = timezone.now() + dt.timedelta(days=30)
    assert dependency_age_days(DependencyDates(dep.created_at, dep.resolved_at), later) == 20
