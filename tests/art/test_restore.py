"""Restoring a deletion from the history: the RTE brings a card back as it was, with its id and a
version above the one it had; what it belonged to must still be there; others may not."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from art import services
from art.errors import ConflictError
from art.models import ChangeRecord, Feature, ProgramIncrement, Story, Team, TeamMember
from art.services.restore import record_restore
from pi_planning.models import Dependency
from tests.art.factories import FeatureFactory, PIFactory, StoryFactory, TeamFactory, TeamMemberFactory
from tests.pi_planning.factories import DependencyFactory, ObjectiveFactory


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
    # restoring the team brings the person back with it (deleted with it)
    record_restore(actor=world.rte, record=deletion_of(type(team), team_id))
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
    assert response.status_code == 201 and response.json() == {
        "model": "art.feature",
        "id": pk,
        "restored_with": [],
    }
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


# --- a card together with what was deleted with it --------------------------------------------------


def history_of(obj):
    return list(
        ChangeRecord.objects.filter(content_type__model=obj._meta.model_name, object_id=obj.pk)
        .values_list("action", flat=True)
        .order_by("id")
    )


def test_a_feature_comes_back_with_its_stories_and_their_history(world):
    # given a feature with 3 stories (a story edited once: version 2)
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team, title="Wallet")
    stories = [StoryFactory(team=world.team, feature=feature, title=f"S{n}", points=n) for n in (1, 2, 3)]
    services.story_update(actor=world.rte, story=stories[0], version=1, title="S1 edited")
    versions = dict(Story.objects.filter(feature=feature).values_list("pk", "version"))
    assert sorted(versions.values()) == [1, 1, 2]
    feature_id, feature_version = feature.pk, feature.version
    services.feature_delete(actor=world.rte, feature=feature)
    assert not Story.objects.filter(pk__in=versions).exists()
    # when the RTE restores the feature's deletion
    restored = record_restore(actor=world.rte, record=deletion_of(Feature, feature_id))
    # then all 4 are back with their ids, versions one higher, each with a history entry
    assert [type(o).__name__ for o in restored] == ["Feature", "Story", "Story", "Story"]
    assert Feature.objects.get(pk=feature_id).version == feature_version + 1
    assert sorted(
        Story.objects.filter(feature_id=feature_id).values_list("pk", "title", "points", "version")
    ) == [
        (stories[0].pk, "S1 edited", 1, 3),
        (stories[1].pk, "S2", 2, 2),
        (stories[2].pk, "S3", 3, 2),
    ]
    for story in stories:
        assert history_of(story)[-2:] == ["deleted", "created"]
    latest = ChangeRecord.objects.filter(content_type__model="story", object_id=stories[0].pk).order_by(
        "-id"
    )[0]
    assert latest.actor == world.rte and "restored" in latest.changes


def test_a_team_comes_back_with_its_people_and_its_dependency(world):
    # given team Charlie with 3 people and a dependency it requested from Alpha
    team = TeamFactory(train=world.train, name="Charlie")
    team_id = team.pk
    people = [TeamMemberFactory(team=team, name=name) for name in ("Ana", "Bo", "Cy")]
    dependency = DependencyFactory(pi=world.pi, requester_team=team, provider_team=world.team, title="API")
    services.team_delete(actor=world.rte, team=team)
    assert not Dependency.objects.filter(pk=dependency.pk).exists()
    # when the RTE restores the team's deletion: all 5 back
    restored = record_restore(actor=world.rte, record=deletion_of(Team, team_id))
    assert len(restored) == 5 and restored[0].pk == team_id
    assert sorted(TeamMember.objects.filter(team_id=team_id).values_list("pk", flat=True)) == [
        p.pk for p in people
    ]
    back = Dependency.objects.get(pk=dependency.pk)
    assert (back.title, back.requester_team_id, back.provider_team_id) == ("API", team_id, world.team.pk)
    assert back.version == dependency.version + 1
    assert history_of(back)[-2:] == ["deleted", "created"]


def test_a_feature_comes_back_with_its_stories_and_its_objective_links(world):
    feature = FeatureFactory(train=world.train, pi=world.pi, team=world.team, title="Wallet")
    stories = [StoryFactory(team=world.team, feature=feature) for _ in range(3)]
    objective = ObjectiveFactory(pi=world.pi, team=world.team)
    objective.features.add(feature)
    feature_id = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    assert not objective.features.exists()
    restored = record_restore(actor=world.rte, record=deletion_of(Feature, feature_id))
    assert len(restored) == 5  # the feature, 3 stories and the link to the objective
    assert set(Story.objects.filter(feature_id=feature_id).values_list("pk", flat=True)) == {
        s.pk for s in stories
    }
    assert list(objective.features.values_list("pk", flat=True)) == [feature_id]


def test_a_part_that_cannot_come_back_refuses_the_whole_restore_and_nothing_changes(world):
    # given a feature whose stories belong to team Charlie, deleted; then Charlie is deleted too
    charlie = TeamFactory(train=world.train, name="Charlie")
    feature = FeatureFactory(train=world.train, title="Wallet")
    story = StoryFactory(team=charlie, feature=feature, title="Top-up")
    StoryFactory(team=world.team, feature=feature, title="Limits")
    feature_id, charlie_id = feature.pk, charlie.pk
    services.feature_delete(actor=world.rte, feature=feature)
    services.team_delete(actor=world.rte, team=charlie)
    history = ChangeRecord.objects.count()
    # when the RTE restores the feature
    with pytest.raises(ValidationError) as refused:
        record_restore(actor=world.rte, record=deletion_of(Feature, feature_id))
    # then it is refused in words naming the part, and nothing came back
    assert refused.value.message_dict == {
        "record": [
            f"{story} (story, deleted with it) cannot come back, so nothing was restored: "
            f"team: the team it belonged to ({charlie_id}) was deleted too: restore that first"
        ]
    }
    assert not Feature.objects.filter(pk=feature_id).exists()
    assert not Story.objects.filter(feature_id=feature_id).exists()
    assert ChangeRecord.objects.count() == history
    # restoring Charlie first, the feature then comes back with both stories
    record_restore(actor=world.rte, record=deletion_of(Team, charlie_id))
    assert len(record_restore(actor=world.rte, record=deletion_of(Feature, feature_id))) == 3


def test_without_the_cascade_the_card_comes_back_alone(world, api):
    api.force_authenticate(world.rte)
    feature = FeatureFactory(train=world.train, title="Alone")
    story = StoryFactory(team=world.team, feature=feature)
    feature_id = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    record = deletion_of(Feature, feature_id)
    refused = api.post(f"/api/v1/history/{record.pk}/restore/", {"cascade": "maybe"}, format="json")
    assert refused.status_code == 400 and "cascade" in refused.json()
    response = api.post(f"/api/v1/history/{record.pk}/restore/", {"cascade": False}, format="json")
    assert response.status_code == 201 and response.json()["restored_with"] == []
    assert Feature.objects.filter(pk=feature_id).exists() and not Story.objects.filter(pk=story.pk).exists()
    # the story, restored on its own now, comes back
    record_restore(actor=world.rte, record=deletion_of(Story, story.pk))
    assert Story.objects.filter(pk=story.pk).exists()


def test_the_api_restores_the_cascade_by_default(world, api):
    api.force_authenticate(world.rte)
    feature = FeatureFactory(train=world.train, title="Via the API")
    stories = [StoryFactory(team=world.team, feature=feature) for _ in range(2)]
    feature_id = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    record = deletion_of(Feature, feature_id)
    response = api.post(f"/api/v1/history/{record.pk}/restore/")
    assert response.status_code == 201
    assert response.json() == {
        "model": "art.feature",
        "id": feature_id,
        "restored_with": [{"model": "art.story", "id": s.pk} for s in stories],
    }


def test_the_page_says_what_went_with_it_and_restores_it_all(world, client, htmx):
    feature = FeatureFactory(train=world.train, title="Wallet")
    for _ in range(3):
        StoryFactory(team=world.team, feature=feature)
    feature_id, key = feature.pk, feature.key
    services.feature_delete(actor=world.rte, feature=feature)
    record = deletion_of(Feature, feature_id)
    client.force_login(world.rte)
    page = client.get(f"/trains/{world.train.slug}/deleted/").content.decode()
    assert "with 3 items deleted with it, restored together" in page
    response = htmx.post(f"/trains/{world.train.slug}/deleted/{record.pk}/restore/", target="deletions")
    assert response.status_code == 200
    assert f"{key} Wallet is back, with 3 items deleted with it." in response["HX-Trigger"]
    assert Story.objects.filter(feature_id=feature_id).count() == 3


def test_a_refused_restore_shows_why_on_the_page(world, client, htmx):
    charlie = TeamFactory(train=world.train, name="Charlie")
    feature = FeatureFactory(train=world.train, title="Wallet")
    StoryFactory(team=charlie, feature=feature, title="Top-up")
    feature_id = feature.pk
    services.feature_delete(actor=world.rte, feature=feature)
    services.team_delete(actor=world.rte, team=charlie)
    record = deletion_of(Feature, feature_id)
    client.force_login(world.rte)
    response = htmx.post(f"/trains/{world.train.slug}/deleted/{record.pk}/restore/", target="deletions")
    assert response.status_code == 422
    assert "cannot come back, so nothing was restored" in response.content.decode()
    assert not Feature.objects.filter(pk=feature_id).exists()


def test_a_pi_comes_back_parents_before_children(world):
    # given a PI whose dependency needs its 3rd iteration and is committed to its 2nd
    pi = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 6, 1))
    iterations = list(pi.iterations.order_by("number"))
    dependency = DependencyFactory(
        pi=pi, requester_team=world.team, provider_team=world.other_team, committed_iteration=iterations[1]
    )
    pi_id = pi.pk
    services.pi_delete(actor=world.rte, pi=pi)
    # when it is restored: the PI, then its iterations, then the dependency that needs them
    restored = record_restore(actor=world.rte, record=deletion_of(ProgramIncrement, pi_id))
    assert len(restored) == 1 + len(iterations) + 1
    back = Dependency.objects.get(pk=dependency.pk)
    assert (back.needed_by_id, back.committed_iteration_id) == (iterations[2].pk, iterations[1].pk)
    order = list(
        ChangeRecord.objects.filter(action="created", changes__has_key="restored")
        .order_by("id")
        .values_list("content_type__model", flat=True)
    )
    assert order[0] == "programincrement" and order[-1] == "dependency"
