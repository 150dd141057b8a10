"""Card keys count within each train (art.rules.keys, NumberedCard): a new train's first feature,
story and dependency are F-1, S-1 and D-1 whatever the other trains hold; a number is never
given twice in a train, not even a deleted card's; a restored card keeps its key; the migration
kept every existing card's key (number = id)."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from art import services
from art.models import ChangeRecord, Feature, Membership, ReleaseTrain, Story
from art.services.restore import record_restore
from pi_planning import services as planning
from pi_planning.models import Dependency
from tests.art.factories import (
    FeatureFactory,
    MembershipFactory,
    PIFactory,
    StoryFactory,
    TeamFactory,
    TrainFactory,
    UserFactory,
)
from tests.pi_planning.factories import DependencyFactory


def new_cards(actor, pi, requester, provider):
    feature = services.feature_create(actor=actor, train=pi.train, title="Wallet")
    story = services.story_create(actor=actor, team=requester, title="Top-up form", feature=feature)
    dependency = planning.dependency_create(
        actor=actor,
        pi=pi,
        requester_team=requester,
        provider_team=provider,
        needed_by=pi.iterations.get(number=2),
    )
    return feature, story, dependency


def test_a_new_trains_first_cards_are_f1_s1_d1_while_another_train_has_many(world):
    # given the world's train already holds 5 features, 5 stories and 5 dependencies
    for _ in range(5):
        new_cards(world.rte, world.pi, world.team, world.other_team)
    # when a new train records its first cards
    pi = PIFactory(train=TrainFactory(name="Freight ART", slug="freight"))
    a, b = TeamFactory(train=pi.train, name="Cargo"), TeamFactory(train=pi.train, name="Docks")
    rte = UserFactory(username="fiona")
    MembershipFactory(user=rte, train=pi.train, role=Membership.Role.RTE)
    feature, story, dependency = new_cards(rte, pi, a, b)
    # then they are the first of their kind in that train
    assert (feature.key, story.key, dependency.key) == ("F-1", "S-1", "D-1")
    assert str(feature) == "F-1 Wallet" and str(story) == "S-1 Top-up form"
    assert dependency.train == pi.train
    # and the world's train counts on: its next ones are the sixth
    more = new_cards(world.rte, world.pi, world.team, world.other_team)
    assert [c.key for c in more] == ["F-6", "S-6", "D-6"]


def test_a_deleted_cards_number_is_not_given_again_and_a_restore_keeps_it(world):
    first, second = (services.feature_create(actor=world.rte, train=world.train, title=t) for t in "AB")
    assert (first.key, second.key) == ("F-1", "F-2")
    pk = second.pk
    services.feature_delete(actor=world.rte, feature=second)
    third = services.feature_create(actor=world.rte, train=world.train, title="C")
    assert third.key == "F-3"  # not F-2 again: F-2 may still be named in mails and trackers
    record = ChangeRecord.objects.get(content_type__model="feature", object_id=pk, action="deleted")
    back = Feature.objects.get(pk=record_restore(actor=world.rte, record=record)[0].pk)
    assert back.key == "F-2"


def test_a_card_deleted_before_numbering_comes_back_with_its_id_as_its_number(world):
    feature = services.feature_create(actor=world.rte, train=world.train, title="Old")
    pk = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    record = ChangeRecord.objects.get(content_type__model="feature", object_id=pk, action="deleted")
    record.changes.pop("number")  # a before-image kept before cards had numbers
    record.save(update_fields=["changes"])
    ReleaseTrain.objects.filter(pk=world.train.pk).update(last_feature_number=pk)
    back = record_restore(actor=world.rte, record=record)[0]
    assert Feature.objects.get(pk=back.pk).key == f"F-{pk}"


def test_an_external_key_still_wins(world):
    feature = services.feature_create(actor=world.rte, train=world.train, title="A", external_key="PAY-7")
    assert (feature.key, feature.number) == ("PAY-7", 1)


def test_a_number_is_unique_within_a_train_but_not_across_trains(world):
    mine = FeatureFactory(train=world.train)
    theirs = FeatureFactory()
    assert mine.number == theirs.number == 1  # one number, two trains: fine
    twin = Feature(train=world.train, title="Twin", number=mine.number)
    with pytest.raises(ValidationError) as refused:
        services.common.validate(twin)
    assert refused.value.message_dict == {"number": ["number must be unique within the train"]}
    with pytest.raises(IntegrityError), transaction.atomic():
        Story.objects.create(
            train=world.train, team=world.team, title="Twin", number=StoryFactory(team=world.team).number
        )
    dep = DependencyFactory(pi=world.pi)
    twin_dep = Dependency.objects.get(pk=dep.pk)
    twin_dep.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        twin_dep.save()  # keeps dep's number
    assert dep.key == "D-1"


def test_a_dependency_takes_its_pis_train_and_refuses_another(world):
    dependency = DependencyFactory(pi=world.pi)
    assert dependency.train_id == world.train.pk
    dependency.train = TrainFactory()
    with pytest.raises(ValidationError) as refused:
        dependency.full_clean()
    assert refused.value.message_dict["train"] == ["train must be the PI's train"]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_in_one_train_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: concurrent transactions on the train's row (set DATABASE_URL)")
    train = TrainFactory()
    rte = UserFactory(username="rita")
    MembershipFactory(user=rte, train=train, role=Membership.Role.RTE)
    barrier = threading.Barrier(10)
    errors: list[Exception] = []

    def create(n):
        try:
            barrier.wait(timeout=10)
            for i in range(5):
                services.feature_create(actor=rte, train=train, title=f"Writer {n} card {i}")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(n,)) for n in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Feature.objects.filter(train=train).values_list("number", flat=True))
    assert numbers == list(range(1, 51))
    assert ReleaseTrain.objects.get(pk=train.pk).last_feature_number == 50


BEFORE = [("art", "0005_card_numbers"), ("pi_planning", "0004_dependency_numbers")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_existing_key_and_new_cards_count_on():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        # given cards as they were before numbering: two trains, keys F-<id>, and in the first
        # train a feature deleted after the others (its key F-<id> must never come back)
        old = MigrationExecutor(connection).loader.project_state(BEFORE).apps
        Train, Team = old.get_model("art", "ReleaseTrain"), old.get_model("art", "Team")
        PI, Iteration = old.get_model("art", "ProgramIncrement"), old.get_model("art", "Iteration")
        OldFeature, OldStory = old.get_model("art", "Feature"), old.get_model("art", "Story")
        OldDependency = old.get_model("pi_planning", "Dependency")
        one, two = Train.objects.create(name="One", slug="one"), Train.objects.create(name="Two", slug="two")
        a, b = Team.objects.create(train=one, name="A"), Team.objects.create(train=one, name="B")
        pi = PI.objects.create(
            train=one, name="PI 1", start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 27)
        )
        it = Iteration.objects.create(
            pi=pi, number=1, name="I1", start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 1, 16)
        )
        f1 = OldFeature.objects.create(train=one, title="F one")
        f2 = OldFeature.objects.create(train=two, title="F two")
        gone = OldFeature.objects.create(train=one, title="Gone")
        story = OldStory.objects.create(train=one, team=a, title="S", feature=f1)
        dep = OldDependency.objects.create(pi=pi, requester_team=a, provider_team=b, needed_by=it)
        content_type = old.get_model("contenttypes", "ContentType").objects.get_for_model(OldFeature)
        old.get_model("art", "ChangeRecord").objects.create(
            train_id=one.pk,
            content_type=content_type,
            object_id=gone.pk,
            object_repr="Gone",
            action="deleted",
        )
        gone_pk = gone.pk
        gone.delete()
        # when the migrations run
        MigrationExecutor(connection).migrate(latest)
        # then every card keeps its key, and the dependency has its PI's train
        assert Feature.objects.get(pk=f1.pk).key == f"F-{f1.pk}"
        assert Feature.objects.get(pk=f2.pk).key == f"F-{f2.pk}"
        assert Story.objects.get(pk=story.pk).key == f"S-{story.pk}"
        migrated = Dependency.objects.get(pk=dep.pk)
        assert (migrated.key, migrated.train_id) == (f"D-{dep.pk}", one.pk)
        # and the counters start above the highest number ever used, the deleted one included
        counters = ReleaseTrain.objects.values_list(
            "slug", "last_feature_number", "last_story_number", "last_dependency_number"
        )
        assert sorted(counters) == [("one", gone_pk, story.pk, dep.pk), ("two", f2.pk, 0, 0)]
        # so a new card of train One takes the number after the deleted one's
        assert FeatureFactory(train=ReleaseTrain.objects.get(slug="one")).key == f"F-{gone_pk + 1}"
    finally:
        MigrationExecutor(connection).migrate(latest)
