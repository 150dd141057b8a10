"""readiness_check_set: the RTE ticks and unticks a manual item of a PI's readiness, recorded in
the history with who and when; anybody else is refused, and so is an item that does not exist."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError

from art import rules
from art.models import ChangeRecord
from sync import services
from sync.models import ReadinessCheck

pytestmark = pytest.mark.django_db


def _records():
    return ChangeRecord.objects.filter(content_type=ContentType.objects.get_for_model(ReadinessCheck))


def test_the_rte_ticks_an_item_with_a_note_and_it_is_recorded(world):
    check = services.readiness_check_set(
        actor=world.rte, pi=world.pi, item="room", done=True, note=" Hall B "
    )

    assert (check.done, check.note, check.checked_by) == (True, "Hall B", world.rte)
    assert check.checked_at is not None
    record = _records().get()
    assert record.actor == world.rte and record.changes["done"] == [False, True]


def test_unticking_clears_who_and_when_and_ticking_twice_records_once(world):
    services.readiness_check_set(actor=world.rte, pi=world.pi, item="logistics", done=True)
    services.readiness_check_set(actor=world.rte, pi=world.pi, item="logistics", done=True)
    assert _records().count() == 1

    check = services.readiness_check_set(actor=world.rte, pi=world.pi, item="logistics", done=False)

    assert (check.done, check.checked_by, check.checked_at) == (False, None, None)
    assert _records().count() == 2
    assert ReadinessCheck.objects.filter(pi=world.pi).count() == 1


def test_an_unknown_item_is_refused_with_the_field_named(world):
    with pytest.raises(ValidationError) as refused:
        services.readiness_check_set(actor=world.rte, pi=world.pi, item="coffee", done=True)

    assert refused.value.message_dict == {"item": [rules.readiness.MANUAL_KEY_REFUSAL]}
    assert not ReadinessCheck.objects.exists()


@pytest.mark.parametrize("role", ["product", "member", "business_owner", "viewer"])
def test_only_the_rte_ticks(world, role):
    with pytest.raises(PermissionDenied):
        services.readiness_check_set(actor=world.user(role), pi=world.pi, item="room", done=True)
    assert not ReadinessCheck.objects.exists()
