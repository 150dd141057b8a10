"""trains/, memberships/, teams/, team-members/, pis/, iterations/, absences/, milestones/:
fields of the contract, what each write does, and the messages of refused writes."""

import datetime as dt

import pytest

from art.models import Iteration, Membership, ProgramIncrement, ReleaseTrain, Team
from tests.art.factories import (
    AbsenceFactory,
    FeatureFactory,
    MilestoneFactory,
    StoryFactory,
    TeamFactory,
    TeamMemberFactory,
    UserFactory,
)


@pytest.fixture
def rte(world, as_user):
    return as_user(world.rte)


# --- trains -------------------------------------------------------------------------------------


def test_starting_a_train_makes_its_creator_rte(world, as_user):
    from tests.art.factories import UserFactory

    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    refused = as_user(world.viewer).post("/api/v1/trains/", {"name": "Freight ART"}, format="json")
    assert refused.status_code == 403
    api = as_user(admin)
    response = api.post(
        "/api/v1/trains/", {"name": "Freight ART", "description": "Moves freight"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert {"id", "name", "slug", "description"} <= set(body) and body["slug"] == "freight-art"
    assert Membership.objects.get(train_id=body["id"]).role == "rte"
    # and may change it at once
    assert api.patch(f"/api/v1/trains/{body['id']}/", {"description": "x"}, format="json").status_code == 200


def test_train_names_are_unique(world, rte):
    response = rte.post("/api/v1/trains/", {"name": "Payments ART", "slug": "payments-2"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]


def test_a_train_lists_only_the_callers_trains(world, as_user):
    assert [t["slug"] for t in as_user(world.member).get("/api/v1/trains/").json()["results"]] == ["payments"]
    assert [t["slug"] for t in as_user(world.outsider).get("/api/v1/trains/").json()["results"]] == [
        "elsewhere"
    ]


def test_an_unknown_time_zone_is_refused(world, rte):
    response = rte.patch(f"/api/v1/trains/{world.train.pk}/", {"time_zone": "Mars/Base"}, format="json")
    assert response.status_code == 400
    assert "not a known time zone" in response.json()["time_zone"][0]


def test_deleting_a_train_says_what_goes_with_it_and_needs_confirming(world, rte):
    response = rte.delete(f"/api/v1/trains/{world.train.pk}/")
    assert response.status_code == 400
    assert response.json() == {
        "confirm": [
            "deleting Payments ART also deletes 8 memberships, 5 iterations, 2 teams and 1 PI: "
            "send ?confirm=yes to delete it all"
        ]
    }
    assert ReleaseTrain.objects.filter(pk=world.train.pk).exists()
    assert rte.delete(f"/api/v1/trains/{world.train.pk}/?confirm=yes").status_code == 204
    assert not ReleaseTrain.objects.filter(pk=world.train.pk).exists()


def test_an_empty_team_goes_without_confirming(world, rte):
    team = TeamFactory(train=world.train, name="Empty")
    assert rte.delete(f"/api/v1/teams/{team.pk}/").status_code == 204


# --- memberships --------------------------------------------------------------------------------


def test_memberships_name_users_by_username(world, rte):
    UserFactory(username="ada")
    response = rte.post(
        "/api/v1/memberships/",
        {"train": world.train.pk, "user": "ada", "role": "member", "team": world.team.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert {k: response.json()[k] for k in ("train", "user", "role", "team")} == {
        "train": world.train.pk,
        "user": "ada",
        "role": "member",
        "team": world.team.pk,
    }


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"user": "nobody", "role": "viewer"}, "user", "no user is called 'nobody'"),
        ({"user": "ada", "role": "member"}, "team", "team is required for the member role"),
        ({"user": "ada", "role": "king"}, "role", '"king" is not a valid choice.'),
        ({"user": "viewer", "role": "product"}, "user", "user already has a role in this train"),
    ],
)
def test_bad_memberships_name_the_rule(world, rte, body, field, message):
    UserFactory(username="ada")
    response = rte.post("/api/v1/memberships/", {"train": world.train.pk, **body}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert response.json()[field][0].startswith(message)


def test_the_last_rte_cannot_step_down(world, rte):
    membership = Membership.objects.get(user=world.rte, train=world.train)
    response = rte.patch(f"/api/v1/memberships/{membership.pk}/", {"role": "viewer"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"role": ["a train needs at least one RTE: appoint another RTE first"]}


def test_a_member_moves_to_another_team(world, rte):
    membership = Membership.objects.get(user=world.member, train=world.train)
    response = rte.patch(
        f"/api/v1/memberships/{membership.pk}/", {"team": world.other_team.pk}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["role"], response.json()["team"]) == ("member", world.other_team.pk)


# --- teams --------------------------------------------------------------------------------------


def test_teams(world, rte):
    response = rte.post(
        "/api/v1/teams/", {"train": world.train.pk, "name": "Charlie", "kind": "platform"}, format="json"
    )
    assert response.status_code == 201
    assert {"id", "train", "name", "kind"} <= set(response.json())
    duplicate = rte.post("/api/v1/teams/", {"train": world.train.pk, "name": "Alpha"}, format="json")
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["name must be unique within the train: another team has it"]}
    listed = rte.get(f"/api/v1/teams/?train={world.train.pk}&ordering=name").json()["results"]
    assert [t["name"] for t in listed] == ["Alpha", "Bravo", "Charlie"]


def test_a_team_with_work_cannot_be_deleted(world, rte):
    StoryFactory(team=world.team)
    response = rte.delete(f"/api/v1/teams/{world.team.pk}/?confirm=yes")
    assert response.status_code == 400
    assert "still has features or stories" in response.json()["team"][0]
    assert Team.objects.filter(pk=world.team.pk).exists()


def test_a_team_stays_in_its_train(world, rte):
    response = rte.patch(
        f"/api/v1/teams/{world.team.pk}/", {"train": 12345, "name": "Alpha 2"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"train": ["train is read-only: it cannot be set here"]}
    world.team.refresh_from_db()
    assert world.team.train == world.train and world.team.name == "Alpha"


def test_an_unknown_field_in_a_write_is_refused_naming_it(world, rte):
    response = rte.patch(f"/api/v1/teams/{world.team.pk}/", {"nmae": "Alpha 2"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"nmae": ["nmae is not a field of this resource"]}
    response = rte.post(
        "/api/v1/teams/", {"train": world.train.pk, "name": "Echo", "colour": "red"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"colour": ["colour is not a field of this resource"]}


# --- team members and absences ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fte, message",
    [
        (1.5, "1.5 is not allowed: fte must be between 0 and 1 (the share of a full-time person)"),
        (-0.5, "-0.5 is not allowed: fte must be between 0 and 1 (the share of a full-time person)"),
        ("lots", "A valid number is required."),
    ],
)
def test_fte_must_be_between_0_and_1(world, as_user, fte, message):
    response = as_user(world.member).post(
        "/api/v1/team-members/", {"team": world.team.pk, "name": "Ada", "fte": fte}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"fte": [message]}


def test_team_members(world, as_user):
    UserFactory(username="ada")
    api = as_user(world.member)
    response = api.post(
        "/api/v1/team-members/",
        {
            "team": world.team.pk,
            "name": "Ada",
            "user": "ada",
            "fte": 0.5,
            "delivering": False,
            "role": "scrum_master",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("team", "name", "user", "fte", "delivering")} == {
        "team": world.team.pk,
        "name": "Ada",
        "user": "ada",
        "fte": 0.5,
        "delivering": False,
    }
    changed = api.patch(f"/api/v1/team-members/{body['id']}/", {"fte": 1.7}, format="json")
    assert changed.status_code == 400 and "between 0 and 1" in changed.json()["fte"][0]
    assert (
        api.patch(f"/api/v1/team-members/{body['id']}/", {"user": None}, format="json").json()["user"] is None
    )
    listed = api.get(f"/api/v1/team-members/?team={world.team.pk}").json()
    assert listed["count"] == 1


def test_absences(world, as_user):
    api = as_user(world.member)
    person = TeamMemberFactory(team=world.team)
    iteration = world.pi.iterations.get(number=1)
    response = api.post(
        "/api/v1/absences/", {"member": person.pk, "iteration": iteration.pk, "days": 2}, format="json"
    )
    assert response.status_code == 201
    assert {k: response.json()[k] for k in ("member", "iteration", "days")} == {
        "member": person.pk,
        "iteration": iteration.pk,
        "days": 2.0,
    }
    again = api.post(
        "/api/v1/absences/", {"member": person.pk, "iteration": iteration.pk, "days": 1}, format="json"
    )
    assert again.status_code == 400
    assert "already has an absence in this iteration" in str(again.json())
    too_many = api.patch(f"/api/v1/absences/{response.json()['id']}/", {"days": 11}, format="json")
    assert too_many.status_code == 400
    assert too_many.json() == {"days": ["days must be between 0 and the iteration's 10 workdays"]}
    assert api.get(f"/api/v1/absences/?pi={world.pi.pk}").json()["count"] == 1


def test_an_absence_in_another_trains_iteration_is_refused(world, as_user):
    from tests.art.factories import MembershipFactory, PIFactory, TrainFactory

    other = TrainFactory()
    MembershipFactory(user=world.rte, train=other, role="rte")
    foreign_iteration = PIFactory(train=other).iterations.first()
    response = as_user(world.rte).post(
        "/api/v1/absences/",
        {"member": TeamMemberFactory(team=world.team).pk, "iteration": foreign_iteration.pk, "days": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"iteration": ["iteration must belong to the member's train"]}


# --- PIs, iterations, milestones ----------------------------------------------------------------


def test_a_pi_generates_five_iterations_the_last_ip(world, rte):
    response = rte.post(
        "/api/v1/pis/",
        {"train": world.train.pk, "name": "PI 26.2", "start_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "train", "name", "start_date", "end_date", "state"} <= set(body)
    assert (body["end_date"], body["state"]) == ("2026-08-09", "planning")
    iterations = rte.get(f"/api/v1/iterations/?pi={body['id']}&ordering=number").json()["results"]
    assert [(i["number"], i["name"], i["is_ip"]) for i in iterations] == [
        (1, "Iteration 1", False),
        (2, "Iteration 2", False),
        (3, "Iteration 3", False),
        (4, "Iteration 4", False),
        (5, "IP", True),
    ]
    assert (iterations[0]["start_date"], iterations[0]["end_date"]) == ("2026-06-01", "2026-06-14")
    assert {"id", "pi", "number", "name", "start_date", "end_date", "is_ip"} <= set(iterations[0])


def test_a_pi_of_four_three_week_iterations_with_an_end_date(world, rte):
    response = rte.post(
        "/api/v1/pis/",
        {
            "train": world.train.pk,
            "name": "PI 26.2",
            "start_date": "2026-06-01",
            "end_date": "2026-08-31",
            "iterations": 4,
            "iteration_weeks": 3,
        },
        format="json",
    )
    assert response.status_code == 201
    pi = ProgramIncrement.objects.get(pk=response.json()["id"])
    assert list(pi.iterations.values_list("end_date", flat=True)) == [
        dt.date(2026, 6, 21),
        dt.date(2026, 7, 12),
        dt.date(2026, 8, 2),
        dt.date(2026, 8, 23),
    ]


@pytest.mark.parametrize(
    "body, field, fragment",
    [
        ({"start_date": "2026-01-12"}, "start_date", "PIs of one train may not overlap: PI 26.1 runs"),
        (
            {"start_date": "2026-06-01", "iterations": 0},
            "iterations",
            "iterations must be a whole number from 1 to 12",
        ),
        ({"start_date": "2026-06-01", "iteration_weeks": 9}, "iteration_weeks", "from 1 to 6"),
        ({"start_date": "2026-06-01", "end_date": "2026-07-01"}, "end_date", "end_date must not be before"),
        ({"start_date": "01/06/2026"}, "start_date", "Date has wrong format"),
        ({}, "start_date", "This field is required."),
    ],
)
def test_bad_pis_name_the_rule(world, rte, body, field, fragment):
    response = rte.post("/api/v1/pis/", {"train": world.train.pk, "name": "PI 26.2", **body}, format="json")
    assert response.status_code == 400
    assert fragment in response.json()[field][0]
    assert ProgramIncrement.objects.count() == 1  # only the world's


def test_a_pi_with_features_cannot_be_deleted(world, rte):
    FeatureFactory(train=world.train, pi=world.pi)
    response = rte.delete(f"/api/v1/pis/{world.pi.pk}/?confirm=yes")
    assert response.status_code == 400 and "still has features" in response.json()["pi"][0]


def test_iterations(world, rte):
    pi = world.pi
    ip = pi.iterations.get(is_ip=True)
    # shorten the IP iteration and add one more inside the PI
    assert (
        rte.patch(f"/api/v1/iterations/{ip.pk}/", {"end_date": "2026-03-08"}, format="json").status_code
        == 200
    )
    response = rte.post(
        "/api/v1/iterations/",
        {"pi": pi.pk, "start_date": "2026-03-09", "end_date": "2026-03-15"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["number"], response.json()["name"]) == (6, "Iteration 6")
    outside = rte.post(
        "/api/v1/iterations/",
        {"pi": pi.pk, "start_date": "2026-04-01", "end_date": "2026-04-10"},
        format="json",
    )
    assert outside.status_code == 400
    assert "an iteration must lie inside its PI" in outside.json()["start_date"][0]
    assert Iteration.objects.filter(pi=pi).count() == 6


def test_milestones(world, rte):
    response = rte.post(
        "/api/v1/milestones/", {"pi": world.pi.pk, "name": "Beta", "date": "2026-02-02"}, format="json"
    )
    assert response.status_code == 201
    assert {"id", "pi", "name", "date"} <= set(response.json())
    outside = rte.post(
        "/api/v1/milestones/", {"pi": world.pi.pk, "name": "Late", "date": "2027-01-01"}, format="json"
    )
    assert outside.status_code == 400 and "must lie inside its PI" in outside.json()["date"][0]
    MilestoneFactory(pi=world.pi)
    assert rte.get(f"/api/v1/milestones/?pi={world.pi.pk}").json()["count"] == 2


@pytest.mark.parametrize(
    "path",
    [
        "trains",
        "memberships",
        "teams",
        "team-members",
        "pis",
        "iterations",
        "absences",
        "milestones",
        "features",
        "stories",
    ],
)
def test_unknown_and_malformed_ids_answer_404(world, rte, path):
    assert rte.get(f"/api/v1/{path}/999999/").status_code == 404
    assert rte.get(f"/api/v1/{path}/abc/").status_code == 404
    assert rte.get(f"/api/v1/{path}/{10**25}/").status_code == 404
    assert rte.get(f"/api/v1/{path}/?page=abc").status_code == 404


def test_absence_team_member_ids_of_another_train_do_not_exist(world, as_user):
    elsewhere_person = TeamMemberFactory()
    iteration = world.pi.iterations.first()
    response = as_user(world.member).post(
        "/api/v1/absences/",
        {"member": elsewhere_person.pk, "iteration": iteration.pk, "days": 1},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"member": [f"team member {elsewhere_person.pk} does not exist."]}
    AbsenceFactory  # noqa: B018 (factory kept importable for other tests)
