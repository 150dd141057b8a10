"""A feature's delivery iteration follows its stories as a recorded, versioned change: moving a
story bumps the feature's version (a stale edit of it is then a conflict) and the history says
who moved it there and why."""

import pytest

from art import services
from art.errors import ConflictError
from art.models import ChangeRecord, Feature
from tests.art.factories import FeatureFactory, StoryFactory


def test_moving_a_story_moves_its_feature_in_the_history_and_its_version(world):
    iterations = list(world.pi.iterations.order_by("number"))
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team)
    story = StoryFactory(train=world.train, team=world.team, feature=feature, iteration=iterations[0])
    services.feature_follow_stories(feature_ids=[feature.pk])
    feature.refresh_from_db()
    seen = feature.version
    # when the RTE moves the story to iteration 3
    services.story_update(actor=world.rte, story=story, version=story.version, iteration=iterations[2])
    # then the feature follows it, one version later, recorded with who and why
    feature.refresh_from_db()
    assert feature.iteration == iterations[2] and feature.version == seen + 1
    record = ChangeRecord.objects.filter(object_id=feature.pk, content_type__model="feature").first()
    assert record.actor == world.rte
    assert record.changes == {
        "iteration": [iterations[0].pk, iterations[2].pk],
        "followed": ["", "its stories"],
    }
    # and an edit of the feature based on the version before the move is a conflict
    with pytest.raises(ConflictError):
        services.feature_update(actor=world.rte, feature=feature, version=seen, title="Stale")
    assert Feature.objects.get(pk=feature.pk).title != "Stale"
