"""art.selectors.rows.objects_from_rows gives the objects a queryset iteration gives."""

from __future__ import annotations

import pytest
from django.db.models import F
from django.db.models.signals import post_init

from art.models import Story
from art.selectors.rows import objects_from_rows
from tests.art.factories import FeatureFactory, StoryFactory
from tests.lazy_loads import allow_lazy_loads

COLUMNS = ("id", "number", "title", "points", "team_id", "feature_id", "version")


def _built(world):
    feature = FeatureFactory(train=world.train, title="Checkout")
    StoryFactory(team=world.team, feature=feature, title="Pay", points=5)
    StoryFactory(team=world.other_team, title="Refund", points=None)
    queryset = Story.objects.annotate(feature_title=F("feature__title")).order_by("id")
    rows = queryset.values_list(*COLUMNS, "feature_title")
    return list(queryset.only(*COLUMNS)), objects_from_rows(Story, (*COLUMNS, "feature_title"), rows, rows.db)


def _same(expected: Story, built: Story) -> None:
    assert type(built) is Story
    assert {n: getattr(built, n) for n in COLUMNS} == {n: getattr(expected, n) for n in COLUMNS}
    assert built.get_deferred_fields() == expected.get_deferred_fields()
    assert (built._state.adding, built._state.db) == (False, expected._state.db)
    assert built._state.fields_cache == {}
    assert built.feature_title == expected.feature_title  # type: ignore[attr-defined]  # an annotation
    assert built == expected and built.key == expected.key
    with allow_lazy_loads():
        assert built.state == expected.state  # a deferred field loads when read, as after only()
        assert built.team == expected.team  # and a relation, by its id


@pytest.mark.django_db
def test_objects_from_rows_are_the_objects_a_queryset_builds(world):
    expected, built = _built(world)
    assert len(built) == len(expected) == 2
    for one, other in zip(expected, built, strict=True):
        _same(one, other)


@pytest.mark.django_db
def test_a_model_with_an_init_receiver_is_built_by_from_db(world):
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Story)
    try:
        expected, built = _built(world)
    finally:
        post_init.disconnect(receiver, sender=Story)
    assert all(any(b is s for s in seen) for b in built)  # each built object went through __init__
    for one, other in zip(expected, built, strict=True):
        _same(one, other)
