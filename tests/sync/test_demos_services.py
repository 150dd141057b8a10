"""The system demo's services: preparing (features finished in the iteration, idempotent, never
for the IP iteration), who may do what, refusals that name the field and change nothing, stale
versions, and the history."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from art.errors import ConflictError
from art.models import ChangeRecord
from sync import services
from sync.models import DemoFeedback, DemoItem, SystemDemo
from tests.art.factories import FeatureFactory, TrainFactory

pytestmark = pytest.mark.django_db


def prepared(finished, number=2):
    demo, _ = services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(number))
    return demo


def titles(demo):
    return list(demo.items.order_by("position").values_list("feature__title", flat=True))


def test_preparing_shows_the_features_finished_in_the_iteration(finished):
    # when the RTE prepares Iteration 2's demo
    demo, created = services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(2))
    # then its items are A, B and C, in the order they were finished, none decided yet
    assert created and demo.state == "planned" and demo.held_at is None
    assert titles(demo) == ["A", "B", "C"]
    assert set(demo.items.values_list("outcome", flat=True)) == {"pending"}
    # and preparing again answers the same demo, unchanged
    again, created_again = services.system_demo_prepare(actor=finished.rte, iteration=finished.iteration(2))
    assert again.pk == demo.pk and not created_again and demo.items.count() == 3


def test_the_ip_iteration_has_no_system_demo(finished):
    with pytest.raises(ValidationError) as refused:
        services.system_demo_prepare(actor=finished.rte, iteration=finished.ip)
    assert "IP is the IP iteration" in refused.value.message_dict["iteration"][0]
    assert not SystemDemo.objects.exists()


@pytest.mark.parametrize("role", ["product", "business_owner", "member", "viewer"])
def test_only_the_rte_prepares_a_demo(finished, role):
    with pytest.raises(PermissionDenied):
        services.system_demo_prepare(actor=finished.user(role), iteration=finished.iteration(2))
    assert not SystemDemo.objects.exists()


def test_another_trains_demo_is_not_found(finished):
    demo = prepared(finished)
    with pytest.raises(Http404):
        services.system_demo_update(actor=finished.outsider, demo=demo, summary="x")
    with pytest.raises(Http404):
        services.demo_item_update(actor=finished.outsider, item=demo.items.first(), outcome="accepted")
    with pytest.raises(Http404):
        services.demo_feedback_add(actor=finished.outsider, demo=demo, text="Nice")


def test_marking_held_and_planned_again(finished):
    demo = prepared(finished)
    held = services.system_demo_update(
        actor=finished.rte, demo=demo, version=demo.version, state="held", summary="  Shown on staging. "
    )
    assert held.state == "held" and held.held_at is not None and held.summary == "Shown on staging."
    planned = services.system_demo_update(actor=finished.rte, demo=held, state="planned")
    assert planned.held_at is None and planned.version == demo.version + 2


def test_a_stale_demo_changes_nothing(finished):
    demo = prepared(finished)
    services.system_demo_update(actor=finished.rte, demo=demo, summary="First")
    with pytest.raises(ConflictError):
        services.system_demo_update(actor=finished.rte, demo=demo, version=demo.version, summary="Second")
    assert SystemDemo.objects.get().summary == "First"
    with pytest.raises(ValidationError) as refused:
        services.system_demo_update(actor=finished.rte, demo=demo, state="cancelled")
    assert refused.value.message_dict == {"state": ["state must be one of planned, held"]}


@pytest.mark.parametrize(
    "role, allowed",
    [("rte", True), ("business_owner", True), ("product", False), ("member", False), ("viewer", False)],
)
def test_business_owners_and_the_rte_decide(finished, role, allowed):
    item = prepared(finished).items.first()
    if allowed:
        saved = services.demo_item_update(
            actor=finished.user(role), item=item, outcome="accepted", notes="Good"
        )
        assert (saved.outcome, saved.notes, saved.version) == ("accepted", "Good", item.version + 1)
    else:
        with pytest.raises(PermissionDenied) as refused:
            services.demo_item_update(actor=finished.user(role), item=item, outcome="accepted")
        assert DemoItem.objects.get(pk=item.pk).outcome == "pending"
        if role == "member":
            assert "business owners and the RTE" in str(refused.value)


def test_an_unknown_outcome_or_a_stale_item_changes_nothing(finished):
    item = prepared(finished).items.first()
    with pytest.raises(ValidationError) as refused:
        services.demo_item_update(actor=finished.business_owner, item=item, outcome="maybe", notes="x")
    assert refused.value.message_dict == {
        "outcome": ["outcome must be one of pending, accepted, not_accepted"]
    }
    services.demo_item_update(actor=finished.rte, item=item, version=item.version, outcome="accepted")
    with pytest.raises(ConflictError):
        services.demo_item_update(
            actor=finished.business_owner, item=item, version=item.version, outcome="not_accepted"
        )
    current = DemoItem.objects.get(pk=item.pk)
    assert (current.outcome, current.notes) == ("accepted", "")


def test_the_rte_adds_orders_and_removes_features(finished):
    demo = prepared(finished)
    d = finished.features["D"]
    added = services.demo_item_add(actor=finished.rte, demo=demo, feature=d)
    assert titles(demo) == ["A", "B", "C", "D"] and added.position == 3
    # moving D to the front: the others close up
    services.demo_item_move(actor=finished.rte, item=added, position=0)
    assert titles(demo) == ["D", "A", "B", "C"]
    assert list(demo.items.order_by("position").values_list("position", flat=True)) == [0, 1, 2, 3]
    services.demo_item_remove(actor=finished.rte, item=demo.items.get(feature__title="B"))
    assert titles(demo) == ["D", "A", "C"]
    with pytest.raises(PermissionDenied):
        services.demo_item_add(actor=finished.business_owner, demo=demo, feature=finished.features["F"])


def test_a_feature_of_another_train_or_one_already_shown_is_refused(finished):
    demo = prepared(finished)
    foreign = FeatureFactory(train=TrainFactory())
    with pytest.raises(ValidationError) as refused:
        services.demo_item_add(actor=finished.rte, demo=demo, feature=foreign)
    assert refused.value.message_dict == {"feature": ["feature must be one of this train's features"]}
    a = finished.features["A"]
    with pytest.raises(ValidationError) as twice:
        services.demo_item_add(actor=finished.rte, demo=demo, feature=a)
    assert twice.value.message_dict == {"feature": [f"{a.key} is already on this demo"]}
    assert demo.items.count() == 3


def test_everyone_who_takes_part_notes_feedback(finished):
    demo = prepared(finished)
    a = finished.features["A"]
    note = services.demo_feedback_add(
        actor=finished.member, demo=demo, text=" Faster payouts! ", stakeholder="Head of support", feature=a
    )
    assert (note.text, note.stakeholder, note.feature, note.created_by) == (
        "Faster payouts!",
        "Head of support",
        a,
        finished.member,
    )
    with pytest.raises(PermissionDenied):
        services.demo_feedback_add(actor=finished.viewer, demo=demo, text="I only read")


def test_bad_feedback_is_refused_by_field(finished):
    demo = prepared(finished)
    with pytest.raises(ValidationError) as refused:
        services.demo_feedback_add(
            actor=finished.member, demo=demo, text="   ", feature=FeatureFactory(train=TrainFactory())
        )
    assert refused.value.message_dict == {
        "text": ["text is required: what did the stakeholder say?"],
        "feature": ["feature must be one of this train's features"],
    }
    with pytest.raises(ValidationError) as not_shown:
        services.demo_feedback_add(
            actor=finished.member, demo=demo, text="Hm", feature=finished.features["F"]
        )
    assert not_shown.value.message_dict == {
        "feature": ["feature must be one of the features shown at this demo"]
    }
    assert not DemoFeedback.objects.exists()


def test_only_the_rte_or_the_author_deletes_a_note(finished):
    demo = prepared(finished)
    mine = services.demo_feedback_add(actor=finished.member, demo=demo, text="Mine")
    theirs = services.demo_feedback_add(actor=finished.product, demo=demo, text="Theirs")
    for role in ("other_member", "business_owner", "viewer"):
        with pytest.raises(PermissionDenied):
            services.demo_feedback_delete(actor=finished.user(role), feedback=mine)
    services.demo_feedback_delete(actor=finished.member, feedback=mine)
    services.demo_feedback_delete(actor=finished.rte, feedback=theirs)
    assert not DemoFeedback.objects.exists()


def test_every_write_is_in_the_history(finished):
    demo = prepared(finished)
    item = demo.items.first()
    services.demo_item_update(actor=finished.business_owner, item=item, outcome="accepted")
    services.system_demo_update(actor=finished.rte, demo=demo, state="held")
    note = services.demo_feedback_add(actor=finished.member, demo=demo, text="Nice")
    note_id = note.pk
    services.demo_feedback_delete(actor=finished.member, feedback=note)

    def actions(model, pk):
        ct = ContentType.objects.get_for_model(model)
        return list(
            ChangeRecord.objects.filter(content_type=ct, object_id=pk)
            .order_by("id")
            .values_list("action", "actor__username")
        )

    assert actions(SystemDemo, demo.pk) == [("created", "rte"), ("updated", "rte")]
    assert actions(DemoItem, item.pk) == [("created", "rte"), ("updated", "business_owner")]
    assert actions(DemoFeedback, note_id) == [("created", "member"), ("deleted", "member")]
