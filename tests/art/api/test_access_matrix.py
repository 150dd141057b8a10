"""The API's access matrix: each role × read / create / update / delete on each resource.

Not a member of the train: 404 (and a create naming the train's objects: 400 "does not
exist", exactly as for a missing id); a member whose role does not allow it: 403; no
credentials: 401."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from art.models import Membership
from tests.art.factories import (
    AbsenceFactory,
    FeatureFactory,
    MembershipFactory,
    PIFactory,
    StoryFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)

ROLES = ["rte", "product", "business_owner", "member", "other_member", "viewer", "outsider", "anonymous"]
MEMBERS = {"rte", "product", "business_owner", "member", "other_member", "viewer"}


@dataclass
class Resource:
    path: str
    writers: set[str]  # roles that may create, change and delete (team-scoped: for the Alpha team)
    make: Callable[[Any], Any]  # an existing object of the world's train (of the Alpha team)
    payload: Callable[[Any], dict]  # a valid create body
    change: dict
    parent: str  # the field of the create body that names the train's object


def _alpha_iteration(world):
    return world.pi.iterations.order_by("number").first()


RESOURCES = {
    "trains": Resource(
        "trains",
        {"rte"},
        lambda w: w.train,
        lambda w: {"name": "Freight ART"},
        {"description": "Moves freight"},
        parent="",
    ),
    "teams": Resource(
        "teams",
        {"rte"},
        lambda w: TeamFactory(train=w.train, name="Charlie"),
        lambda w: {"train": w.train.pk, "name": "Delta"},
        {"name": "Charlie 2"},
        parent="train",
    ),
    "memberships": Resource(
        "memberships",
        {"rte"},
        lambda w: MembershipFactory(train=w.train, user=UserFactory(username="guest"), role="viewer"),
        lambda w: {"train": w.train.pk, "user": UserFactory(username="newbie").username, "role": "viewer"},
        {"role": "business_owner"},
        parent="train",
    ),
    "pis": Resource(
        "pis",
        {"rte"},
        lambda w: PIFactory(train=w.train, name="PI 26.2", start_date=dt.date(2026, 6, 1)),
        lambda w: {"train": w.train.pk, "name": "PI 26.3", "start_date": "2026-09-07"},
        {"name": "PI 26.2 renamed"},
        parent="train",
    ),
    "features": Resource(
        "features",
        {"rte", "product"},
        lambda w: FeatureFactory(train=w.train),
        lambda w: {"train": w.train.pk, "title": "Instant payouts"},
        {"title": "Faster payouts"},
        parent="train",
    ),
    "stories": Resource(
        "stories",
        {"rte", "member"},
        lambda w: StoryFactory(team=w.team),
        lambda w: {"team": w.team.pk, "title": "Payout button"},
        {"points": 5},
        parent="team",
    ),
    "team-members": Resource(
        "team-members",
        {"rte", "member"},
        lambda w: TeamMemberFactory(team=w.team),
        lambda w: {"team": w.team.pk, "name": "Ada", "fte": 0.5},
        {"fte": 0.8},
        parent="team",
    ),
    "absences": Resource(
        "absences",
        {"rte", "member"},
        lambda w: AbsenceFactory(member=TeamMemberFactory(team=w.team), iteration=_alpha_iteration(w)),
        lambda w: {
            "member": TeamMemberFactory(team=w.team).pk,
            "iteration": _alpha_iteration(w).pk,
            "days": 2,
        },
        {"days": 3},
        parent="member",
    ),
}


def _client(world, as_user, role):
    return as_user(None if role == "anonymous" else world.user(role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", RESOURCES)
def test_read(world, as_user, name, role):
    # given an object of the world's train
    resource = RESOURCES[name]
    obj = resource.make(world)
    api = _client(world, as_user, role)
    # when the role lists and fetches it
    listed = api.get(f"/api/v1/{resource.path}/")
    detail = api.get(f"/api/v1/{resource.path}/{obj.pk}/")
    # then members see it, an outsider does not even learn it exists, anonymous must sign in
    if role == "anonymous":
        assert (listed.status_code, detail.status_code) == (401, 401)
    elif role == "outsider":
        assert listed.status_code == 200
        assert obj.pk not in [row["id"] for row in listed.json()["results"]]
        assert detail.status_code == 404
    else:
        assert listed.status_code == 200
        assert obj.pk in [row["id"] for row in listed.json()["results"]]
        assert detail.status_code == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", RESOURCES)
def test_create(world, as_user, name, role):
    resource = RESOURCES[name]
    body = resource.payload(world)
    api = _client(world, as_user, role)
    # when the role creates one
    response = api.post(f"/api/v1/{resource.path}/", body, format="json")
    # then
    if role == "anonymous":
        assert response.status_code == 401
    elif name == "trains":
        # starting a train is an administrator's act, as on the page
        assert response.status_code == 403, response.json()
        assert "Only an administrator may create a train" in response.json()["detail"]
    elif role == "outsider":
        # the train's objects do not exist for an outsider: the same answer as for a missing id
        assert response.status_code == 400
        assert "does not exist" in response.json()[resource.parent][0]
    elif role in resource.writers:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 403, response.json()
        assert "you may" in response.json()["detail"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", RESOURCES)
def test_update(world, as_user, name, role):
    resource = RESOURCES[name]
    obj = resource.make(world)
    api = _client(world, as_user, role)
    # a change to a versioned card states the version it is based on (else 428)
    body = {**resource.change, **({"version": obj.version} if hasattr(obj, "version") else {})}
    response = api.patch(f"/api/v1/{resource.path}/{obj.pk}/", body, format="json")
    expected = {"anonymous": 401, "outsider": 404}.get(role, 200 if role in resource.writers else 403)
    assert response.status_code == expected, response.content
    if expected == 200:
        for field, value in resource.change.items():
            assert response.json()[field] == value


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", RESOURCES)
def test_delete(world, as_user, name, role):
    resource = RESOURCES[name]
    obj = resource.make(world)
    api = _client(world, as_user, role)
    # (a train, team, PI or iteration with anything in it asks for ?confirm=yes: test_resources.py)
    response = api.delete(f"/api/v1/{resource.path}/{obj.pk}/?confirm=yes")
    expected = {"anonymous": 401, "outsider": 404}.get(role, 204 if role in resource.writers else 403)
    assert response.status_code == expected, response.content
    assert type(obj).objects.filter(pk=obj.pk).exists() is (expected != 204)


def test_a_member_may_not_touch_another_teams_work(world, as_user):
    # given a story of Bravo
    story = StoryFactory(team=world.other_team)
    api = as_user(world.member)  # a member of Alpha
    # when / then
    assert api.patch(f"/api/v1/stories/{story.pk}/", {"points": 8}, format="json").status_code == 403
    assert (
        api.post("/api/v1/stories/", {"team": world.other_team.pk, "title": "x"}, format="json").status_code
        == 403
    )
    member = TeamMemberFactory(team=world.other_team)
    assert api.patch(f"/api/v1/team-members/{member.pk}/", {"fte": 0.1}, format="json").status_code == 403


def test_moving_a_story_to_another_team_needs_both_teams(world, as_user):
    # given a story of Alpha
    story = StoryFactory(team=world.team)
    # when a member of Alpha moves it to Bravo, then it is refused and nothing changes
    response = as_user(world.member).patch(
        f"/api/v1/stories/{story.pk}/", {"team": world.other_team.pk, "version": story.version}, format="json"
    )
    assert response.status_code == 403
    story.refresh_from_db()
    assert story.team == world.team
    # and the RTE may
    response = as_user(world.rte).patch(
        f"/api/v1/stories/{story.pk}/", {"team": world.other_team.pk, "version": story.version}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["team"] == world.other_team.pk


def test_a_refusal_names_the_role_and_what_it_may_not_do(world, as_user):
    response = as_user(world.member).post(
        "/api/v1/features/", {"train": world.train.pk, "title": "x"}, format="json"
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "As Team member you may not edit the feature backlog (product management and RTE)."
    }
    response = as_user(world.viewer).post(
        "/api/v1/features/", {"train": world.train.pk, "title": "x"}, format="json"
    )
    assert response.json() == {"detail": "As Viewer you may only read this train."}


def test_a_forbidden_create_is_refused_before_its_details_are_judged(world, as_user):
    # given a viewer posting a feature with a bad job size
    body = {"train": world.train.pk, "title": "x", "job_size": 4}
    # then the answer is 403, not a validation error that would invite a retry
    assert as_user(world.viewer).post("/api/v1/features/", body, format="json").status_code == 403


def test_a_new_member_sees_the_train_at_once(world, as_user):
    # given the RTE adds the outsider to the train as a viewer
    as_user(world.rte).post(
        "/api/v1/memberships/",
        {"train": world.train.pk, "user": "outsider", "role": Membership.Role.VIEWER},
        format="json",
    )
    # then the outsider sees it in the next request
    assert as_user(world.outsider).get(f"/api/v1/trains/{world.train.pk}/").status_code == 200
