"""Backups: one train exported as JSON and read back into a fresh install, history included; the
whole database backed up and restored (SQLite's backup API, or pg_dump/pg_restore)."""

import json
import shutil

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from art import services
from art.access import TRAIN_PATHS
from art.backup import BackupError, train_export, train_import, train_models
from art.models import ChangeRecord, Feature, Membership, ReleaseTrain
from pi_planning import services as planning
from pi_planning.models import Dependency, Risk
from tests.art.factories import FeatureFactory, MembershipFactory, PIFactory, TeamFactory, UserFactory

OUR_APPS = {"art", "pi_planning", "sync", "metrics"}
#: Models of people, not of a train: a train's export names the people it refers to instead.
# A person's tokens and feeds, and who has a page open right now (live presence), are not the train's.
NOT_OF_A_TRAIN = {"art.apitoken", "sync.calendarfeed", "art.presence"}


def build_train():
    """A small train with history: teams, a PI, features, a dependency and a risk."""
    pi = PIFactory(name="PI 26.1")
    train = pi.train
    rte = UserFactory(username="rita", first_name="Rita", email="rita@example.com")
    MembershipFactory(user=rte, train=train, role=Membership.Role.RTE)
    alpha, bravo = TeamFactory(train=train, name="Alpha"), TeamFactory(train=train, name="Bravo")
    feature = FeatureFactory(train=train, pi=pi, team=alpha, title="Wallet top-up")
    services.feature_update(actor=rte, feature=feature, version=feature.version, title="Wallet top-up v2")
    planning.dependency_create(
        actor=rte, pi=pi, requester_team=alpha, provider_team=bravo, needed_by=pi.iterations.get(number=3)
    )
    planning.risk_create(actor=rte, train=train, pi=pi, title="Vendor API late")
    return train


def counts(train_id):
    return {
        label: apps.get_model(label)
        ._default_manager.filter(**({"pk": train_id} if path == "" else {path: train_id}))
        .count()
        for label, path in TRAIN_PATHS.items()
    }


def test_every_model_of_our_apps_is_in_a_trains_export():
    labels = {m._meta.label_lower for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert labels - set(TRAIN_PATHS) - NOT_OF_A_TRAIN == set()
    assert {m._meta.label_lower for m in train_models()} == set(TRAIN_PATHS)


@pytest.mark.django_db(transaction=True)
def test_a_train_exported_and_deleted_comes_back_whole_with_its_history():
    train = build_train()
    before = counts(train.pk)
    assert before["art.changerecord"] >= 3
    document = json.loads(json.dumps(train_export(train)))  # through JSON text, as the file is
    history = list(
        ChangeRecord.objects.filter(train=train).order_by("pk").values_list("action", "object_repr")
    )
    # a fresh install: the train and the people gone
    ReleaseTrain.objects.filter(pk=train.pk).delete()
    ChangeRecord.objects.filter(train_id=train.pk).delete()
    apps.get_model("auth.User").objects.filter(username="rita").delete()
    assert counts(train.pk)["art.feature"] == 0
    restored = train_import(document)
    assert restored.pk == train.pk and counts(train.pk) == before
    assert Feature.objects.get(train=restored).title == "Wallet top-up v2"
    assert Dependency.objects.filter(pi__train=restored).count() == 1
    assert Risk.objects.get(train=restored).title == "Vendor API late"
    assert (
        list(ChangeRecord.objects.filter(train=restored).order_by("pk").values_list("action", "object_repr"))
        == history
    )
    rita = Membership.objects.get(train=restored, role=Membership.Role.RTE).user
    assert rita.username == "rita" and rita.email == "rita@example.com" and not rita.has_usable_password()
    # and the install goes on: new rows get new ids
    FeatureFactory(train=restored, title="After the import")


@pytest.mark.django_db
def test_importing_over_an_existing_train_is_refused_and_changes_nothing():
    train = build_train()
    document = train_export(train)
    rows = Feature.objects.count()
    with pytest.raises(BackupError, match="already has a train"):
        train_import(document)
    with pytest.raises(BackupError, match="not a Railyard train export"):
        train_import({"format": "something else"})
    assert Feature.objects.count() == rows


@pytest.mark.django_db(transaction=True)
def test_the_whole_database_is_backed_up_and_restored(tmp_path):
    if connection.vendor == "postgresql" and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    train = build_train()
    target = tmp_path / "railyard.backup"
    call_command("backup", output=str(target))
    assert target.stat().st_size > 0
    Feature.objects.filter(train=train).delete()
    ReleaseTrain.objects.create(name="Made after the backup", slug="after")
    call_command("restore", str(target), yes=True)
    connection.close()
    assert Feature.objects.get(train_id=train.pk).title == "Wallet top-up v2"
    assert not ReleaseTrain.objects.filter(slug="after").exists()
