"""Restoring a deletion from the history: the RTE brings a card back as it was, with its id and a
version above the one it had; what it belonged to must still be there; others may not."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from art import services
from art.errors import ConflictError
from art.models import ChangeRecord, Feature, TeamMember
from art.services.restore import record_restore
from tests.art.factories import FeatureFactory, TeamFactory, TeamMemberFactory


def deletion_of(model, pk):
    return ChangeRecord.objects.get(
        action="deleted", content_type__model=model._meta.model_name, object_id=pk
    )


def test_a_deleted_feature_comes_back_as_it_was(world):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team, title="Wallet top-up", points=8)
    services.feature_update(
        actor=world.rte, feature=feature, version=feature.version, title="Wallet top-up v2"
    )
    feature.refresh_from_db()
    pk, version, created = feature.pk, feature.version, feature.created_at
    services.feature_delete(actor=world.rte, feature=feature)
    back = record_restore(actor=world.rte, record=deletion_of(Feature, pk))
    back = Feature.objects.get(pk=pk)
    assert (back.title, back.points, back.team, back.pi, back.created_at) == (
        "Wallet top-up v2",
        8,
        world.team,
        world.pi,
        created,
    )
    assert back.version == version + 1
    latest = ChangeRecord.objects.filter(object_id=pk, content_type__model="feature").order_by("-id").first()
    assert latest.action == "created" and latest.actor == world.rte and "restored" in latest.changes
    # an edit based on the card before the delete is a conflict
    with pytest.raises(ConflictError):
        services.feature_update(actor=world.rte, feature=back, version=version, title="Stale")


def test_restoring_twice_or_something_else_is_refused_in_words(world):
    feature = FeatureFactory(train=world.train, title="Once")
    pk, key = feature.pk, feature.key
    services.feature_delete(actor=world.rte, feature=feature)
    record = deletion_of(Feature, pk)
    record_restore(actor=world.rte, record=record)
    with pytest.raises(ValidationError) as refused:
        record_restore(actor=world.rte, record=record)
    assert refused.value.message_dict == {
        "record": [f"{key} Once is here already: it was restored, or never went"]
    }
    created = ChangeRecord.objects.filter(object_id=pk, action="created").first()
    with pytest.raises(ValidationError, match="only a deletion can be restored"):
        record_restore(actor=world.rte, record=created)


def test_a_card_whose_team_is_gone_says_restore_that_first(world):
    team = TeamFactory(train=world.train, name="Charlie")
    person = TeamMemberFactory(team=team, name="Ana Lima")
    person_id, team_id = person.pk, team.pk
    services.team_delete(actor=world.rte, team=team)
    with pytest.raises(ValidationError) as refused:
        record_restore(actor=world.rte, record=deletion_of(TeamMember, person_id))
    assert refused.value.message_dict == {
        "team": [f"team: the team it belonged to ({team_id}) was deleted too: restore that first"]
    }
    # restoring the team first, then the person, brings both back
    record_restore(actor=world.rte, record=deletion_of(type(team), team_id))
    record_restore(actor=world.rte, record=deletion_of(TeamMember, person_id))
    assert TeamMember.objects.get(pk=person_id).name == "Ana Lima"


def test_only_the_rte_restores(world):
    feature = FeatureFactory(train=world.train)
    pk = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    with pytest.raises(PermissionDenied):
        record_restore(actor=world.product, record=deletion_of(Feature, pk))


def test_the_api_and_the_page_restore(world, api, client):
    def as_user(user):
        api.force_authenticate(user)
        return api

    feature = FeatureFactory(train=world.train, title="Via the API")
    pk = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    record = deletion_of(Feature, pk)
    assert as_user(world.viewer).post(f"/api/v1/history/{record.pk}/restore/").status_code == 403
    assert as_user(world.outsider).post(f"/api/v1/history/{record.pk}/restore/").status_code == 404
    response = as_user(world.rte).post(f"/api/v1/history/{record.pk}/restore/")
    assert response.status_code == 201 and response.json() == {"model": "art.feature", "id": pk}
    again = as_user(world.rte).post(f"/api/v1/history/{record.pk}/restore/")
    assert again.status_code == 400 and "here already" in again.json()["record"][0]
    # the page lists the deletion as restored
    client.force_login(world.rte)
    page = client.get(f"/trains/{world.train.slug}/deleted/")
    assert (
        page.status_code == 200
        and "Via the API" in page.content.decode()
        and "Restored" in page.content.decode()
    )
    client.force_login(world.viewer)
    assert client.get(f"/trains/{world.train.slug}/deleted/").status_code == 403


def test_the_page_restores_with_htmx(world, client, htmx):
    feature = FeatureFactory(train=world.train, title="Via the page")
    pk = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    record = deletion_of(Feature, pk)
    client.force_login(world.rte)
    response = htmx.post(f"/trains/{world.train.slug}/deleted/{record.pk}/restore/", target="deletions")
    assert response.status_code == 200
    assert "Via the page is back." in response["HX-Trigger"]
    assert Feature.objects.filter(pk=pk).exists()


def test_the_page_costs_the_same_queries_whatever_the_deletions(world, client, django_assert_max_num_queries):
    for n in range(30):
        feature = FeatureFactory(train=world.train, title=f"F{n}")
        services.feature_delete(actor=world.rte, feature=feature)
    client.force_login(world.rte)
    with django_assert_max_num_queries(12):
        assert client.get(f"/trains/{world.train.slug}/deleted/").status_code == 200
