"""Who sees what and who may change what, through the pages (the policy itself: art.access)."""

import datetime as dt

import pytest
from django.urls import reverse

from art.models import Membership, Milestone, ProgramIncrement, Team, TeamMember
from tests.art.factories import MilestoneFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


def _urls(world):
    slug, pi, team = world.train.slug, world.pi, world.team
    return {
        "train": reverse("art:train", kwargs={"slug": slug}),
        "pi": reverse("art:pi", kwargs={"slug": slug, "pi_id": pi.pk}),
        "team": reverse("art:team", kwargs={"slug": slug, "team_id": team.pk}),
    }


@pytest.mark.parametrize("page", ["train", "pi", "team"])
def test_an_outsider_gets_not_found(as_user, world, page):
    assert as_user("outsider").get(_urls(world)[page]).status_code == 404


def test_an_outsider_cannot_write_either(as_user, world):
    client = as_user("outsider")
    response = client.post(
        reverse("art:team_create", kwargs={"slug": world.train.slug}), {"name": "X", "kind": "platform"}
    )
    assert response.status_code == 404
    assert not Team.objects.filter(name="X").exists()


def test_a_viewer_sees_no_edit_controls(as_user, world):
    MilestoneFactory(pi=world.pi, date=dt.date(2026, 1, 20))
    TeamMemberFactory(team=world.team)
    client = as_user("viewer")
    train_page = client.get(_urls(world)["train"]).content.decode()
    assert "Add a team" not in train_page and "Add a person" not in train_page and "New PI" not in train_page
    assert "hx-post" not in train_page
    pi_page = client.get(_urls(world)["pi"]).content.decode()
    assert "Edit PI" not in pi_page and "Add a milestone" not in pi_page and "hx-post" not in pi_page
    team_page = client.get(_urls(world)["team"]).content.decode()
    assert "Add a person" not in team_page and "hx-post" not in team_page
    assert "Read only" in team_page


def test_a_viewer_gets_403_on_every_write(as_user, world):
    slug, pi, team = world.train.slug, world.pi, world.team
    person = TeamMemberFactory(team=team)
    milestone = MilestoneFactory(pi=pi, date=dt.date(2026, 1, 20))
    membership = Membership.objects.get(user=world.member)
    iteration = pi.iterations.first()
    client = as_user("viewer")
    writes = [
        ("art:team_create", {"slug": slug}),
        ("art:team_update", {"slug": slug, "team_id": team.pk}),
        ("art:team_delete", {"slug": slug, "team_id": team.pk}),
        ("art:membership_create", {"slug": slug}),
        ("art:membership_update", {"slug": slug, "membership_id": membership.pk}),
        ("art:membership_delete", {"slug": slug, "membership_id": membership.pk}),
        ("art:pi_create", {"slug": slug}),
        ("art:pi_update", {"slug": slug, "pi_id": pi.pk}),
        ("art:iteration_update", {"slug": slug, "pi_id": pi.pk, "iteration_id": iteration.pk}),
        ("art:milestone_create", {"slug": slug, "pi_id": pi.pk}),
        ("art:milestone_update", {"slug": slug, "pi_id": pi.pk, "milestone_id": milestone.pk}),
        ("art:milestone_delete", {"slug": slug, "pi_id": pi.pk, "milestone_id": milestone.pk}),
        ("art:team_member_create", {"slug": slug, "team_id": team.pk}),
        ("art:team_member_update", {"slug": slug, "team_id": team.pk, "member_id": person.pk}),
        ("art:team_member_delete", {"slug": slug, "team_id": team.pk, "member_id": person.pk}),
    ]
    for name, kwargs in writes:
        response = client.post(reverse(name, kwargs=kwargs), {"name": "Changed", "role": "rte"})
        assert response.status_code == 403, name
    assert Team.objects.filter(train=world.train).count() == 2
    assert TeamMember.objects.filter(pk=person.pk).exists()
    assert Milestone.objects.filter(pk=milestone.pk).exists()
    assert Membership.objects.get(pk=membership.pk).role == Membership.Role.MEMBER


@pytest.mark.parametrize("role", ["product", "business_owner", "member"])
def test_only_the_rte_manages_teams_people_and_pis(as_user, world, role):
    client = as_user(role)
    page = client.get(_urls(world)["train"]).content.decode()
    assert "Add a team" not in page
    response = client.post(
        reverse("art:pi_create", kwargs={"slug": world.train.slug}),
        {"name": "PI X", "start_date": "2026-06-01", "iterations": 5, "iteration_weeks": 2},
    )
    assert response.status_code == 403
    assert not ProgramIncrement.objects.filter(name="PI X").exists()


def test_a_member_edits_the_people_of_their_own_team(as_user, world, htmx):
    as_user("member")
    own = _urls(world)["team"]
    assert "Add a person" in htmx.client.get(own).content.decode()
    response = htmx.post(
        reverse("art:team_member_create", kwargs={"slug": world.train.slug, "team_id": world.team.pk}),
        {"name": "Ada Lovelace", "role": "developer", "fte": "0.8", "delivering": "on"},
        target="team-people",
    )
    assert response.status_code == 200
    assert TeamMember.objects.filter(team=world.team, name="Ada Lovelace").exists()


def test_a_member_cannot_edit_another_teams_people(as_user, world):
    other_person = TeamMemberFactory(team=world.other_team, name="Bob")
    client = as_user("member")
    other = reverse("art:team", kwargs={"slug": world.train.slug, "team_id": world.other_team.pk})
    page = client.get(other)
    assert page.status_code == 200
    assert "Add a person" not in page.content.decode()
    create = reverse(
        "art:team_member_create", kwargs={"slug": world.train.slug, "team_id": world.other_team.pk}
    )
    assert client.post(create, {"name": "Eve", "role": "developer", "fte": "1"}).status_code == 403
    update = reverse(
        "art:team_member_update",
        kwargs={"slug": world.train.slug, "team_id": world.other_team.pk, "member_id": other_person.pk},
    )
    assert client.post(update, {"name": "Bobby", "role": "developer", "fte": "1"}).status_code == 403
    other_person.refresh_from_db()
    assert other_person.name == "Bob"
    assert not TeamMember.objects.filter(name="Eve").exists()


def test_a_person_of_another_team_is_not_reached_through_my_team(as_user, world):
    """The URL names my team but the person is in another: not found, nothing changed."""
    other_person = TeamMemberFactory(team=world.other_team, name="Bob")
    client = as_user("member")
    url = reverse(
        "art:team_member_delete",
        kwargs={"slug": world.train.slug, "team_id": world.team.pk, "member_id": other_person.pk},
    )
    assert client.post(url).status_code == 404
    assert TeamMember.objects.filter(pk=other_person.pk).exists()


def test_the_rte_sees_every_edit_control(as_user, world):
    TeamMemberFactory(team=world.team)
    client = as_user("rte")
    train_page = client.get(_urls(world)["train"]).content.decode()
    assert "Add a team" in train_page and "Add a person" in train_page and "New PI" in train_page
    assert "Edit PI" in client.get(_urls(world)["pi"]).content.decode()
    team_page = client.get(_urls(world)["team"]).content.decode()
    assert "Add a person" in team_page and "You can edit this team" in team_page


def test_staff_without_a_seat_may_look_but_not_change(client, world):
    from tests.art.factories import UserFactory

    staff = UserFactory(username="support", is_staff=True)
    client.force_login(staff)
    page = client.get(_urls(world)["train"])
    assert page.status_code == 200
    assert "Add a team" not in page.content.decode()
    assert (
        client.post(reverse("art:team_create", kwargs={"slug": world.train.slug}), {"name": "S"}).status_code
        == 403
    )
