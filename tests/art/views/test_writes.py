"""Writes through the pages: they answer with the changed section, or with the refusal next to
the field, naming the rule, and then nothing has changed."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from art.models import ChangeRecord, Iteration, Membership, Milestone, ProgramIncrement, Team, TeamMember
from tests.art.factories import MilestoneFactory, StoryFactory, TeamFactory, TeamMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rte(as_user):
    return as_user("rte")


def _url(name, **kwargs):
    return reverse(f"art:{name}", kwargs=kwargs)


# --- teams ---------------------------------------------------------------------------------


def test_adding_a_team_answers_with_the_teams_section_and_a_toast(rte, world, htmx):
    response = htmx.post(
        _url("team_create", slug=world.train.slug), {"name": "Charlie", "kind": "platform"}, "teams"
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="teams"' in body and "Charlie" in body and "<html" not in body
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["toast"]["message"] == "Team Charlie added."
    assert "teams-changed" in trigger
    assert Team.objects.get(train=world.train, name="Charlie").kind == "platform"
    assert ChangeRecord.objects.filter(object_repr="Charlie", action="created").exists()


def test_adding_a_team_without_javascript_redirects_back(rte, world):
    response = rte.post(_url("team_create", slug=world.train.slug), {"name": "Charlie", "kind": "platform"})
    assert response.status_code == 302
    assert response["Location"] == _url("train", slug=world.train.slug) + "#teams"


def test_a_duplicate_team_name_is_refused_next_to_the_name(rte, world, htmx):
    response = htmx.post(
        _url("team_create", slug=world.train.slug), {"name": "Alpha", "kind": "platform"}, "teams"
    )
    assert response.status_code == 422
    body = response.content.decode()
    assert "Name must be unique within the train: another team has it" in body
    assert 'aria-invalid="true"' in body
    assert Team.objects.filter(train=world.train).count() == 2


def test_a_team_without_a_name_is_refused_and_without_javascript_the_page_shows_it(rte, world):
    response = rte.post(_url("team_create", slug=world.train.slug), {"name": "", "kind": "platform"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "<html" in body and "Name is required" in body
    assert Team.objects.filter(train=world.train).count() == 2


def test_renaming_a_team(rte, world, htmx):
    url = _url("team_update", slug=world.train.slug, team_id=world.team.pk)
    response = htmx.post(url, {"name": "Alpha Squad", "kind": "enabling", "abbreviation": "AS"}, "teams")
    assert response.status_code == 200
    world.team.refresh_from_db()
    assert (world.team.name, world.team.kind, world.team.abbreviation) == ("Alpha Squad", "enabling", "AS")


def test_renaming_a_team_to_a_taken_name_keeps_the_row_form_open(rte, world, htmx):
    url = _url("team_update", slug=world.train.slug, team_id=world.team.pk)
    response = htmx.post(url, {"name": "Bravo", "kind": "platform"}, "teams")
    assert response.status_code == 422
    body = response.content.decode()
    assert "another team has it" in body and 'value="Bravo"' in body and url in body
    world.team.refresh_from_db()
    assert world.team.name == "Alpha"


def test_deleting_a_team_says_what_goes_with_it_then_deletes_on_confirming(rte, world, htmx):
    TeamMemberFactory(team=world.other_team, name="Ana Lima")
    TeamMemberFactory(team=world.other_team, name="Ben Ode")
    url = _url("team_delete", slug=world.train.slug, team_id=world.other_team.pk)
    # the first click says what goes with it, and deletes nothing
    response = htmx.post(url, target="teams")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deleting Bravo also deletes" in page and "2 team members" in page
    assert "Delete Bravo and all of it" in page
    assert Team.objects.filter(pk=world.other_team.pk).exists()
    # the confirming click deletes
    response = htmx.post(url, {"confirm": "yes"}, target="teams")
    assert response.status_code == 200
    assert not Team.objects.filter(pk=world.other_team.pk).exists()


def test_an_empty_team_is_deleted_at_once(rte, world, htmx):
    team = TeamFactory(train=world.train, name="Empty")
    response = htmx.post(_url("team_delete", slug=world.train.slug, team_id=team.pk), target="teams")
    assert response.status_code == 200
    assert not Team.objects.filter(pk=team.pk).exists()


def test_a_team_with_stories_is_not_deleted_and_the_row_says_why(rte, world, htmx):
    StoryFactory(team=world.other_team)
    response = htmx.post(
        _url("team_delete", slug=world.train.slug, team_id=world.other_team.pk), target="teams"
    )
    assert response.status_code == 422
    assert "Bravo still has features or stories: move them to another team first" in response.content.decode()
    assert Team.objects.filter(pk=world.other_team.pk).exists()


# --- people and roles ------------------------------------------------------------------------


def test_adding_a_person_by_username_with_a_role(rte, world, htmx):
    UserFactory(username="newdev")
    response = htmx.post(
        _url("membership_create", slug=world.train.slug),
        {"username": "newdev", "role": "member", "team": world.other_team.pk},
        "people",
    )
    assert response.status_code == 200
    membership = Membership.objects.get(user__username="newdev", train=world.train)
    assert (membership.role, membership.team_id) == ("member", world.other_team.pk)


def test_an_unknown_username_is_refused_next_to_the_username(rte, world, htmx):
    response = htmx.post(
        _url("membership_create", slug=world.train.slug), {"username": "ghost", "role": "viewer"}, "people"
    )
    assert response.status_code == 422
    assert "No user is called &#x27;ghost&#x27;" in response.content.decode()
    assert not Membership.objects.filter(user__username="ghost").exists()


def test_a_member_needs_a_team(rte, world, htmx):
    UserFactory(username="newdev")
    response = htmx.post(
        _url("membership_create", slug=world.train.slug), {"username": "newdev", "role": "member"}, "people"
    )
    assert response.status_code == 422
    assert "Team is required for the member role" in response.content.decode()
    assert not Membership.objects.filter(user__username="newdev").exists()


def test_a_team_of_another_train_is_refused(rte, world, htmx):
    foreign = Team.objects.create(train=world.outsider.memberships.get().train, name="Foreign")
    UserFactory(username="newdev")
    response = htmx.post(
        _url("membership_create", slug=world.train.slug),
        {"username": "newdev", "role": "member", "team": foreign.pk},
        "people",
    )
    assert response.status_code == 422
    assert "team must be one of this train" in response.content.decode().lower()


def test_changing_a_role(rte, world, htmx):
    membership = Membership.objects.get(user=world.viewer, train=world.train)
    response = htmx.post(
        _url("membership_update", slug=world.train.slug, membership_id=membership.pk),
        {"role": "product"},
        "people",
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.role == "product"


def test_the_last_rte_keeps_the_role(rte, world, htmx):
    membership = Membership.objects.get(user=world.rte, train=world.train)
    response = htmx.post(
        _url("membership_update", slug=world.train.slug, membership_id=membership.pk),
        {"role": "viewer"},
        "people",
    )
    assert response.status_code == 422
    assert "A train needs at least one RTE: appoint another RTE first" in response.content.decode()
    membership.refresh_from_db()
    assert membership.role == "rte"


def test_removing_a_person(rte, world, htmx):
    membership = Membership.objects.get(user=world.viewer, train=world.train)
    response = htmx.post(
        _url("membership_delete", slug=world.train.slug, membership_id=membership.pk), target="people"
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_removing_the_last_rte_is_refused_in_the_row(rte, world, htmx):
    membership = Membership.objects.get(user=world.rte, train=world.train)
    response = htmx.post(
        _url("membership_delete", slug=world.train.slug, membership_id=membership.pk), target="people"
    )
    assert response.status_code == 422
    assert "at least one RTE" in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- PIs, iterations, milestones ---------------------------------------------------------------


def test_creating_a_pi_generates_its_iterations(rte, world, htmx):
    response = htmx.post(
        _url("pi_create", slug=world.train.slug),
        {"name": "PI 26.2", "start_date": "2026-03-16", "iterations": "4", "iteration_weeks": "3"},
        "pis",
    )
    assert response.status_code == 200
    pi = ProgramIncrement.objects.get(train=world.train, name="PI 26.2")
    iterations = list(pi.iterations.order_by("number"))
    assert len(iterations) == 4 and iterations[-1].is_ip
    assert pi.end_date == dt.date(2026, 3, 16) + dt.timedelta(weeks=12) - dt.timedelta(days=1)
    assert "PI 26.2 created with 4 iterations." in response["HX-Trigger"]


def test_too_many_iterations_are_refused_naming_the_rule(rte, world, htmx):
    response = htmx.post(
        _url("pi_create", slug=world.train.slug),
        {"name": "PI 26.2", "start_date": "2026-03-16", "iterations": "40", "iteration_weeks": "2"},
        "pis",
    )
    assert response.status_code == 422
    assert "Iterations must be a whole number from 1 to 12" in response.content.decode()
    assert not ProgramIncrement.objects.filter(name="PI 26.2").exists()


def test_an_overlapping_pi_is_refused(rte, world, htmx):
    response = htmx.post(
        _url("pi_create", slug=world.train.slug),
        {"name": "PI overlap", "start_date": "2026-01-19", "iterations": "5", "iteration_weeks": "2"},
        "pis",
    )
    assert response.status_code == 422
    assert "PIs of one train may not overlap: PI 26.1 runs" in response.content.decode()
    assert ProgramIncrement.objects.filter(train=world.train).count() == 1


def test_editing_the_pi(rte, world, htmx):
    url = _url("pi_update", slug=world.train.slug, pi_id=world.pi.pk)
    data = {
        "name": "PI 26.1 (Winter)",
        "start_date": "2026-01-05",
        "end_date": "2026-03-20",
        "state": "executing",
    }
    response = htmx.post(url, data, "pi-details")
    assert response.status_code == 200
    world.pi.refresh_from_db()
    assert (world.pi.name, world.pi.end_date, world.pi.state) == (
        "PI 26.1 (Winter)",
        dt.date(2026, 3, 20),
        "executing",
    )


def test_shrinking_the_pi_past_its_iterations_is_refused(rte, world, htmx):
    url = _url("pi_update", slug=world.train.slug, pi_id=world.pi.pk)
    data = {"name": "PI 26.1", "start_date": "2026-01-05", "end_date": "2026-02-01", "state": "planning"}
    response = htmx.post(url, data, "pi-details")
    assert response.status_code == 422
    assert "would fall outside the PI: move or delete it first" in response.content.decode()
    world.pi.refresh_from_db()
    assert world.pi.end_date == dt.date(2026, 3, 15)


def test_editing_an_iterations_dates(rte, world, htmx):
    iteration = world.pi.iterations.get(number=1)
    url = _url("iteration_update", slug=world.train.slug, pi_id=world.pi.pk, iteration_id=iteration.pk)
    response = htmx.post(url, {"start_date": "2026-01-06", "end_date": "2026-01-18"}, "schedule")
    assert response.status_code == 200
    iteration.refresh_from_db()
    assert iteration.start_date == dt.date(2026, 1, 6)


def test_overlapping_iterations_are_refused(rte, world, htmx):
    iteration = world.pi.iterations.get(number=1)
    url = _url("iteration_update", slug=world.train.slug, pi_id=world.pi.pk, iteration_id=iteration.pk)
    response = htmx.post(url, {"start_date": "2026-01-05", "end_date": "2026-01-25"}, "schedule")
    assert response.status_code == 422
    assert "Iterations of one PI may not overlap: Iteration 2 runs" in response.content.decode()
    iteration.refresh_from_db()
    assert iteration.end_date == dt.date(2026, 1, 18)


def test_an_iteration_of_another_pi_is_not_found(rte, world):
    other_pi = ProgramIncrement.objects.create(
        train=world.train, name="Later", start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 7, 1)
    )
    iteration = Iteration.objects.create(
        pi=other_pi, number=1, name="I1", start_date=dt.date(2026, 6, 1), end_date=dt.date(2026, 6, 14)
    )
    url = _url("iteration_update", slug=world.train.slug, pi_id=world.pi.pk, iteration_id=iteration.pk)
    assert rte.post(url, {"start_date": "2026-06-01", "end_date": "2026-06-10"}).status_code == 404


def test_adding_a_milestone_shows_it_in_its_iteration(rte, world, htmx):
    url = _url("milestone_create", slug=world.train.slug, pi_id=world.pi.pk)
    response = htmx.post(url, {"name": "Beta", "date": "2026-01-21", "description": ""}, "schedule")
    assert response.status_code == 200
    assert Milestone.objects.filter(pi=world.pi, name="Beta").exists()
    assert "Beta" in response.content.decode() and "Wednesday · Iteration 2" in response.content.decode()


def test_a_milestone_outside_the_pi_is_refused_next_to_the_date(rte, world, htmx):
    url = _url("milestone_create", slug=world.train.slug, pi_id=world.pi.pk)
    response = htmx.post(url, {"name": "Late", "date": "2026-06-01"}, "schedule")
    assert response.status_code == 422
    assert "A milestone&#x27;s date must lie inside its PI" in response.content.decode()
    assert not Milestone.objects.filter(name="Late").exists()


def test_a_milestone_needs_a_date(rte, world, htmx):
    url = _url("milestone_create", slug=world.train.slug, pi_id=world.pi.pk)
    response = htmx.post(url, {"name": "Undated", "date": "soon"}, "schedule")
    assert response.status_code == 422
    assert "Date must be a date (YYYY-MM-DD)" in response.content.decode()


def test_editing_and_deleting_a_milestone(rte, world, htmx):
    milestone = MilestoneFactory(pi=world.pi, name="Beta", date=dt.date(2026, 1, 21))
    kwargs = {"slug": world.train.slug, "pi_id": world.pi.pk, "milestone_id": milestone.pk}
    response = htmx.post(
        _url("milestone_update", **kwargs), {"name": "Beta 2", "date": "2026-02-04"}, "schedule"
    )
    assert response.status_code == 200
    milestone.refresh_from_db()
    assert (milestone.name, milestone.date) == ("Beta 2", dt.date(2026, 2, 4))
    assert htmx.post(_url("milestone_delete", **kwargs), target="schedule").status_code == 200
    assert not Milestone.objects.filter(pk=milestone.pk).exists()


# --- a team's people -------------------------------------------------------------------------


def test_the_rte_adds_edits_and_removes_a_teams_person(rte, world, htmx):
    kwargs = {"slug": world.train.slug, "team_id": world.team.pk}
    response = htmx.post(
        _url("team_member_create", **kwargs), {"name": "Lea", "role": "tester", "fte": "0.5"}, "team-people"
    )
    assert response.status_code == 200
    person = TeamMember.objects.get(team=world.team, name="Lea")
    assert (person.fte, person.delivering) == (pytest.approx(0.5), False)  # an unticked box is "no"
    response = htmx.post(
        _url("team_member_update", member_id=person.pk, **kwargs),
        {"name": "Lea F.", "role": "tester", "fte": "0.8", "delivering": "on"},
        "team-people",
    )
    assert response.status_code == 200
    person.refresh_from_db()
    assert (person.name, float(person.fte), person.delivering) == ("Lea F.", 0.8, True)
    assert (
        htmx.post(_url("team_member_delete", member_id=person.pk, **kwargs), target="team-people").status_code
        == 200
    )
    assert not TeamMember.objects.filter(pk=person.pk).exists()


def test_an_fte_above_one_is_refused(rte, world, htmx):
    person = TeamMemberFactory(team=world.team, name="Mia")
    kwargs = {"slug": world.train.slug, "team_id": world.team.pk, "member_id": person.pk}
    response = htmx.post(
        _url("team_member_update", **kwargs),
        {"name": "Mia", "role": "developer", "fte": "1.5"},
        "team-people",
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert "fte must be between 0 and 1" in response.content.decode()
    person.refresh_from_db()
    assert float(person.fte) == 1.0
