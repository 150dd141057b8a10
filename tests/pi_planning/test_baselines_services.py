"""Baselines and holidays: the committed plan and what changed since; one holiday per date;
teams of other trains refused everywhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from art.services import story_create, story_move
from pi_planning import services
from tests.art.factories import FeatureFactory, TeamFactory
from tests.pi_planning.helpers import iterations

pytestmark = pytest.mark.django_db


def test_baseline_keeps_the_committed_plan_and_changes_are_computed_against_it(world):
    from art.rules.baselines import plan_changes

    it1, it2, it3 = iterations(world.pi)[:3]
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team)
    moved = story_create(actor=None, team=world.team, title="moved", feature=feature, iteration=it1)
    story_create(actor=None, team=world.team, title="kept", feature=feature, iteration=it2)
    baseline = services.plan_baseline_commit(actor=world.rte, pi=world.pi)
    story_move(actor=None, story=moved, iteration=it3)
    added = story_create(actor=None, team=world.other_team, title="added", iteration=it1)
    changes = plan_changes(baseline.snapshot, services.plan_snapshot(world.pi))
    by_id = {(c.kind, c.id): c.change for c in changes}
    assert by_id == {
        ("story", moved.pk): "moved",
        ("story", added.pk): "added",
        ("feature", feature.pk): "moved",
    }


def test_holidays_one_per_date(world):
    services.holiday_create(actor=None, train=world.train, date=dt.date(2026, 1, 6), name="Epiphany")
    with pytest.raises(ValidationError) as info:
        services.holiday_create(actor=None, train=world.train, date=dt.date(2026, 1, 6), name="Again")
    assert "already" in info.value.message_dict["date"][0]


def test_team_from_other_train_refused_everywhere(world):
    foreign = TeamFactory()
    with pytest.raises(ValidationError):
        services.objective_create(actor=None, pi=world.pi, team=foreign, title="x")
    with pytest.raises(ValidationError):
        services.vote_round_open(actor=None, pi=world.pi, team=foreign)
    with pytest.raises(ValidationError):
        services.dependency_create(
            actor=None,
            pi=world.pi,
            requester_team=world.team,
            provider_team=foreign,
            needed_by=iterations(world.pi)[1],
        )
