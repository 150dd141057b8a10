"""The one access policy: each role × each action, team scope, and other trains."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from art import access
from art.access import Action
from art.models import Feature, Story, Team
from tests.art.factories import FeatureFactory, StoryFactory, UserFactory

A = Action
# role -> actions allowed anywhere in the train (team-scoped ones for the member's own team)
EXPECTED = {
    "rte": set(Action),
    "product": {A.VIEW, A.EDIT_BACKLOG, A.TAKE_PART},
    "business_owner": {A.VIEW, A.SCORE_BV, A.VOTE, A.TAKE_PART},
    "member": {A.VIEW, A.EDIT_TEAM, A.EDIT_DEPENDENCY, A.EDIT_RISK, A.VOTE, A.TAKE_PART},
    "viewer": {A.VIEW},
}


@pytest.mark.parametrize("role", sorted(EXPECTED))
@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_each_role_may_do_exactly_its_actions_for_its_own_team(world, role, action):
    # given a user of the role, and (for team-scoped actions) the member's own team
    user = world.user(role)
    teams = [world.team.pk]
    # when / then
    assert access.can(user, action, world.train.pk, teams) is (action in EXPECTED[role])


@pytest.mark.parametrize("action", [A.EDIT_TEAM, A.EDIT_DEPENDENCY])
def test_a_member_may_not_do_team_scoped_actions_for_another_team(world, action):
    assert access.can(world.member, action, world.train.pk, [world.other_team.pk]) is False
    assert access.can(world.member, action, world.train.pk, [world.other_team.pk, world.team.pk]) is True
    assert access.can(world.member, action, world.train.pk, []) is False


@pytest.mark.parametrize("action", list(Action), ids=lambda a: a.value)
def test_an_outsider_may_do_nothing_and_sees_nothing(world, action):
    assert access.can(world.outsider, action, world.train.pk, [world.team.pk]) is False
    with pytest.raises(Http404):
        access.check(world.outsider, action, world.train.pk)


def test_a_member_gets_403_not_404_for_what_they_see_but_may_not_change(world):
    with pytest.raises(PermissionDenied, match="Viewer"):
        access.check(world.viewer, A.EDIT_BACKLOG, world.train.pk)


def test_anonymous_may_do_nothing(world):
    assert access.can(AnonymousUser(), A.VIEW, world.train.pk) is False
    assert access.visible(AnonymousUser(), Team.objects.all()).count() == 0


def test_superuser_may_do_everything_and_staff_only_sees(world):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True)
    staff = UserFactory(username="staff", is_staff=True)
    assert access.can(admin, A.MANAGE_TRAIN, world.train.pk)
    assert access.can(staff, A.VIEW, world.train.pk)
    assert not access.can(staff, A.EDIT_BACKLOG, world.train.pk)


def test_visible_filters_every_level_to_the_users_trains(world):
    mine = FeatureFactory(train=world.train)
    theirs = FeatureFactory()
    StoryFactory(team=world.team)
    StoryFactory()
    assert list(access.visible(world.viewer, Feature.objects.all())) == [mine]
    assert access.visible(world.viewer, Story.objects.all()).count() == 1
    assert access.visible(world.outsider, Feature.objects.filter(pk=mine.pk)).count() == 0
    assert theirs not in access.visible(world.rte, Feature.objects.all())


def test_object_for_user_answers_404_for_other_trains_and_403_for_missing_rights(world):
    story = StoryFactory(team=world.other_team)
    with pytest.raises(Http404):
        access.object_for_user(world.outsider, Story.objects.all(), story.pk, A.VIEW)
    with pytest.raises(PermissionDenied):
        access.object_for_user(
            world.member, Story.objects.all(), story.pk, A.EDIT_TEAM, teams=lambda s: [s.team_id]
        )
    assert (
        access.object_for_user(
            world.other_member, Story.objects.all(), story.pk, A.EDIT_TEAM, teams=lambda s: [s.team_id]
        )
        == story
    )
    with pytest.raises(Http404):
        access.object_for_user(world.rte, Story.objects.all(), "not-a-number", A.VIEW)


def test_train_for_user_by_id_or_slug(world):
    assert access.train_for_user(world.viewer, "payments") == world.train
    assert access.train_for_user(world.viewer, world.train.pk) == world.train
    with pytest.raises(Http404):
        access.train_for_user(world.outsider, "payments")
    with pytest.raises(PermissionDenied):
        access.train_for_user(world.viewer, "payments", A.MANAGE_TRAIN)


def test_permission_flags_for_templates(world):
    flags = access.permissions(world.product, world.train.pk)
    assert flags["edit_backlog"] and flags["view"] and not flags["manage_train"]


def test_the_seat_lookup_is_one_query_per_user_object(world, django_assert_num_queries):
    user = type(world.rte).objects.get(pk=world.rte.pk)
    with django_assert_num_queries(1):
        for action in Action:
            access.can(user, action, world.train.pk, [world.team.pk])


def test_team_votes_belong_to_the_team_and_the_train_vote_to_every_voter(world):
    assert access.can_vote_in(world.member, world.train.pk, world.team.pk)
    assert not access.can_vote_in(world.member, world.train.pk, world.other_team.pk)
    assert not access.can_vote_in(world.business_owner, world.train.pk, world.team.pk)
    assert access.can_vote_in(world.business_owner, world.train.pk, None)
    assert not access.can_vote_in(world.viewer, world.train.pk, None)
    assert not access.can_vote_in(world.outsider, world.train.pk, None)


def test_viewers_are_told_they_may_only_read(world):
    with pytest.raises(PermissionDenied, match="may only read this train"):
        access.check(world.viewer, A.EDIT_DEPENDENCY, world.train.pk, [world.team.pk])
