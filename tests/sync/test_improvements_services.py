"""The improvement-item service: refusals name the field and change nothing; a participant who is
not the RTE moves the status and the owner only; planning an item makes an enabler feature of
its target PI and links it."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from art.models import Feature, ProgramIncrement
from sync import services
from sync.models import ImprovementItem
from sync.services.improvements import ONLY_RTE_FIELDS, STATUS_REFUSAL, TARGET_CLOSED, TITLE_REFUSAL
from tests.art.factories import PIFactory, TrainFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(world):
    return services.improvement_item_create(
        actor=world.rte, train=world.train, title="Automate the release checklist", target_pi=world.pi
    )


def test_a_closed_target_pi_an_empty_title_and_an_unknown_status_are_refused(world, item):
    closed = PIFactory(
        train=world.train,
        name="PI 25.4",
        state=ProgramIncrement.State.CLOSED,
        iterations=0,
        start_date=dt.date(2025, 10, 6),
    )

    with pytest.raises(ValidationError) as refused:
        services.improvement_item_update(
            actor=world.rte, item=item, title=" ", target_pi=closed, status="later"
        )

    assert refused.value.message_dict == {
        "title": [TITLE_REFUSAL],
        "target_pi": [TARGET_CLOSED.format(name="PI 25.4")],
        "status": [STATUS_REFUSAL],
    }
    item.refresh_from_db()
    assert (item.title, item.target_pi_id, item.status, item.version) == (
        "Automate the release checklist",
        world.pi.pk,
        "open",
        1,
    )


def test_a_member_moves_the_status_and_owner_but_not_the_title(world, item):
    moved = services.improvement_item_update(actor=world.member, item=item, status="done", owner="Alpha")
    assert (moved.status, moved.owner, moved.done_at is not None) == ("done", "Alpha", True)

    with pytest.raises(ValidationError) as refused:
        services.improvement_item_update(actor=world.member, item=item, title="Mine now")
    assert refused.value.message_dict == {"title": [ONLY_RTE_FIELDS.format(name="title")]}


def test_a_viewer_writes_nothing(world, item):
    with pytest.raises(PermissionDenied):
        services.improvement_item_create(actor=world.viewer, train=world.train, title="Mine")
    with pytest.raises(PermissionDenied):
        services.improvement_item_update(actor=world.viewer, item=item, status="done")


def test_planning_an_item_makes_an_enabler_feature_of_its_target_pi(world, item):
    planned = services.improvement_item_plan(actor=world.product, item=item)

    feature = planned.feature
    assert (feature.kind, feature.pi_id, feature.title) == (
        Feature.Kind.ENABLER,
        world.pi.pk,
        "Automate the release checklist",
    )
    assert planned.version == 2
    with pytest.raises(ValidationError) as again:
        services.improvement_item_plan(actor=world.rte, item=planned)
    assert again.value.message_dict == {"feature": [f"the item is already planned as {feature.key}"]}
    assert Feature.objects.filter(train=world.train).count() == 1


def test_planning_needs_a_target_an_open_item_and_the_backlog_role(world):
    untargeted = services.improvement_item_create(actor=world.rte, train=world.train, title="Someday")
    with pytest.raises(ValidationError) as refused:
        services.improvement_item_plan(actor=world.rte, item=untargeted)
    assert list(refused.value.message_dict) == ["target_pi"]

    done = services.improvement_item_create(
        actor=world.rte, train=world.train, title="Done", target_pi=world.pi, status="done"
    )
    with pytest.raises(ValidationError) as finished:
        services.improvement_item_plan(actor=world.rte, item=done)
    assert list(finished.value.message_dict) == ["status"]

    with pytest.raises(PermissionDenied):
        services.improvement_item_plan(actor=world.member, item=untargeted)
    assert not Feature.objects.exists()


def test_another_trains_pi_is_refused(world):
    elsewhere = PIFactory(train=TrainFactory(), iterations=0)
    with pytest.raises(ValidationError) as refused:
        services.improvement_item_create(actor=world.rte, train=world.train, title="X", target_pi=elsewhere)
    assert list(refused.value.message_dict) == ["target_pi"]
    assert not ImprovementItem.objects.exists()
