"""Objective services: business values and features checked with the rule."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from pi_planning import services
from tests.art.factories import FeatureFactory
from tests.pi_planning.factories import ObjectiveFactory

pytestmark = pytest.mark.django_db


def test_objective_values_are_range_checked_with_the_rule(world):
    with pytest.raises(ValidationError) as info:
        services.objective_create(actor=None, pi=world.pi, team=world.team, title="Go live", planned_bv=11)
    assert "10" in info.value.message_dict["planned_bv"][0]
    objective = services.objective_create(
        actor=None, pi=world.pi, team=world.team, title="Go live", planned_bv=8
    )
    with pytest.raises(ValidationError) as info:
        services.objective_update(actor=None, objective=objective, actual_bv=-1)
    assert "actual_bv" in info.value.message_dict
    objective = services.objective_update(actor=None, objective=objective, version=1, actual_bv=7)
    assert (objective.actual_bv, objective.version) == (7, 2)


def test_objective_features_must_be_of_the_train(world):
    objective = ObjectiveFactory(pi=world.pi, team=world.team)
    with pytest.raises(ValidationError):
        services.objective_update(actor=None, objective=objective, features=[FeatureFactory()])
    mine = FeatureFactory(train=world.train)
    services.objective_update(actor=None, objective=objective, features=[mine])
    assert list(objective.features.all()) == [mine]
