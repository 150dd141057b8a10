"""`workshops/`, `workshops/{id}/votes/`, `workshops/{id}/pareto/`, `causes/`, `solutions/`: the
contract's fields, who may do what (403 / 404), the rules' words on refusals (400), versions
(409 / 412), and query budgets that do not grow with causes and votes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sync import services
from sync.models import Cause, CauseVote, Workshop
from tests.art.factories import PIFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workshop(world):
    return services.workshop_open(actor=world.rte, pi=world.pi)


def cause(world, workshop, text="Integration tests run only at night", category="process", who="member"):
    return services.cause_add(actor=world.user(who), workshop=workshop, category=category, text=text)


# --- workshops -------------------------------------------------------------------------------


def test_opening_a_pis_workshop_is_idempotent(world, api_as):
    rte = api_as("rte")
    first = rte.post("/api/v1/workshops/", {"pi": world.pi.pk}, format="json")
    assert first.status_code == 201, first.json()
    again = rte.post("/api/v1/workshops/", {"pi": world.pi.pk}, format="json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert set(first.json()) == {
        "id",
        "train",
        "pi",
        "problem",
        "restated_problem",
        "dots_per_participant",
        "created_at",
        "updated_at",
        "version",
    }
    assert (first.json()["dots_per_participant"], first.json()["train"]) == (5, world.train.pk)
    assert Workshop.objects.count() == 1


@pytest.mark.parametrize(("role", "status"), [("member", 403), ("viewer", 403), ("outsider", 400)])
def test_only_the_rte_opens_one(world, api_as, role, status):
    # the outsider cannot even name the PI: another train's PI "does not exist" for them
    response = api_as(role).post("/api/v1/workshops/", {"pi": world.pi.pk}, format="json")
    assert response.status_code == status
    assert not Workshop.objects.exists()


def test_the_rte_patches_the_problem_with_its_version(world, api_as, workshop):
    url = f"/api/v1/workshops/{workshop.pk}/"
    ok = api_as("rte").patch(url, {"problem": "Features slip", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2 and ok["ETag"] == '"2"'
    stale = api_as("rte").patch(url, {"problem": "Other", "version": 1}, format="json")
    assert stale.status_code == 409
    precondition = api_as("rte").patch(url, {"problem": "Other"}, format="json", HTTP_IF_MATCH='"1"')
    assert precondition.status_code == 412
    assert Workshop.objects.get().problem == "Features slip"
    assert api_as("member").patch(url, {"problem": "Mine", "version": 2}, format="json").status_code == 403
    assert api_as("outsider").get(url).status_code == 404
    refused = api_as("rte").patch(url, {"dots_per_participant": 30, "version": 2}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {
        "dots_per_participant": ["dots_per_participant must be a whole number from 1 to 20"]
    }


def test_workshops_filter_by_pi_and_stay_in_the_callers_trains(world, api_as, workshop):
    assert [
        w["id"] for w in api_as("viewer").get(f"/api/v1/workshops/?pi={world.pi.pk}").json()["results"]
    ] == [workshop.pk]
    assert api_as("outsider").get("/api/v1/workshops/").json()["count"] == 0


# --- causes ----------------------------------------------------------------------------------


def test_a_cause_with_its_whys_reads_as_the_contract_says(world, api_as, workshop):
    response = api_as("member").post(
        "/api/v1/causes/",
        {
            "workshop": workshop.pk,
            "category": "tools",
            "text": "Test data by hand",
            "whys": ["No owner", "Side project"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert set(data) == {
        "id",
        "workshop",
        "category",
        "text",
        "whys",
        "votes",
        "created_by",
        "created_at",
        "updated_at",
        "version",
    }
    assert (data["whys"], data["votes"], data["created_by"], data["version"]) == (
        ["No owner", "Side project"],
        0,
        "member",
        1,
    )


def test_six_whys_and_an_unknown_category_are_refused_naming_the_field(world, api_as, workshop):
    member = api_as("member")
    six = member.post(
        "/api/v1/causes/",
        {"workshop": workshop.pk, "category": "process", "text": "X", "whys": ["1", "2", "3", "4", "5", "6"]},
        format="json",
    )
    assert six.status_code == 400 and six.json() == {"whys": ["whys: a cause has at most 5 whys"]}
    unknown = member.post(
        "/api/v1/causes/", {"workshop": workshop.pk, "category": "budget", "text": "X"}, format="json"
    )
    assert unknown.status_code == 400
    assert unknown.json() == {
        "category": ["category must be one of people, process, tools, program, environment, providers"]
    }
    assert not Cause.objects.exists()
    # a sixth why added by a PATCH is refused too, and the cause stays as it was
    five = services.cause_add(
        actor=world.member, workshop=workshop, category="process", text="Y", whys=["1", "2", "3", "4", "5"]
    )
    patched = member.patch(
        f"/api/v1/causes/{five.pk}/", {"whys": ["1", "2", "3", "4", "5", "6"], "version": 1}, format="json"
    )
    assert patched.status_code == 400 and patched.json() == {"whys": ["whys: a cause has at most 5 whys"]}
    assert Cause.objects.get(pk=five.pk).version == 1


def test_who_may_change_a_cause(world, api_as, workshop):
    mine = cause(world, workshop)
    url = f"/api/v1/causes/{mine.pk}/"
    assert (
        api_as("other_member").patch(url, {"text": "Theirs", "version": 1}, format="json").status_code == 403
    )
    assert (
        api_as("viewer")
        .post("/api/v1/causes/", {"workshop": workshop.pk, "category": "people", "text": "X"}, format="json")
        .status_code
        == 403
    )
    assert api_as("outsider").get(url).status_code == 404
    assert api_as("member").patch(url, {"text": "Mine", "version": 2}, format="json").status_code == 409
    assert api_as("member").patch(url, {"text": "Mine", "version": 1}, format="json").status_code == 200
    assert api_as("rte").delete(url).status_code == 204


def test_the_causes_list_costs_the_same_with_more_causes_and_votes(world, api_as, workshop):
    client = api_as("viewer")

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/causes/?workshop={workshop.pk}")
        assert response.status_code == 200
        return len(queries)

    cause(world, workshop)
    few = count()
    for n in range(6):
        c = cause(world, workshop, f"Cause {n}")
        services.cause_vote(actor=world.member, cause=c, dots=0)
        if n < 4:
            services.cause_vote(actor=world.business_owner if n % 2 else world.rte, cause=c, dots=1)
    assert count() == few


# --- the dot vote and the Pareto chart --------------------------------------------------------


def test_votes_set_my_dots_and_answer_totals_and_my_dots_left(world, api_as, workshop):
    a, b = cause(world, workshop, "A"), cause(world, workshop, "B")
    url = f"/api/v1/workshops/{workshop.pk}/votes/"
    member = api_as("member")
    assert member.post(url, {"cause": a.pk, "dots": 3}, format="json").status_code == 200
    replaced = member.post(url, {"cause": a.pk, "dots": 4}, format="json")
    assert replaced.json() == {
        "workshop": workshop.pk,
        "dots_per_participant": 5,
        "dots_used": 4,
        "dots_left": 1,
        "causes": [{"cause": a.pk, "votes": 4, "mine": 4}, {"cause": b.pk, "votes": 0, "mine": 0}],
    }
    beyond = member.post(url, {"cause": b.pk, "dots": 2}, format="json")
    assert beyond.status_code == 400 and beyond.json() == {"dots": ["dots: you have 1 dot left of 5"]}
    assert CauseVote.objects.count() == 1
    other = services.workshop_open(
        actor=world.rte, pi=PIFactory(train=world.train, start_date=dt.date(2026, 3, 16))
    )
    foreign = cause(world, other, "Elsewhere")
    wrong = member.post(url, {"cause": foreign.pk, "dots": 1}, format="json")
    assert wrong.status_code == 400 and wrong.json() == {
        "cause": ["cause must be one of this workshop's causes"]
    }


def test_a_viewer_may_not_vote_and_another_train_finds_nothing(world, api_as, workshop):
    a = cause(world, workshop)
    url = f"/api/v1/workshops/{workshop.pk}/votes/"
    assert api_as("viewer").get(url).status_code == 200
    assert api_as("viewer").post(url, {"cause": a.pk, "dots": 1}, format="json").status_code == 403
    assert api_as("outsider").post(url, {"cause": a.pk, "dots": 1}, format="json").status_code == 404
    assert api_as("outsider").get(f"/api/v1/workshops/{workshop.pk}/pareto/").status_code == 404
    assert api_as(None).get(url).status_code in (401, 403)
    assert not CauseVote.objects.exists()


def test_two_peoples_votes_sum_in_the_pareto_rows(world, api_as, workshop):
    a, b, c = cause(world, workshop, "A"), cause(world, workshop, "B", "tools"), cause(world, workshop, "C")
    votes = f"/api/v1/workshops/{workshop.pk}/votes/"
    api_as("member").post(votes, {"cause": b.pk, "dots": 3}, format="json")
    api_as("member").post(votes, {"cause": a.pk, "dots": 2}, format="json")
    api_as("business_owner").post(votes, {"cause": b.pk, "dots": 2}, format="json")
    api_as("business_owner").post(votes, {"cause": c.pk, "dots": 2}, format="json")
    rows = api_as("viewer").get(f"/api/v1/workshops/{workshop.pk}/pareto/").json()
    # B 3 + 2 = 5 of 9 → 55.56; then A and C with 2 each, A first (written first)
    assert rows == [
        {
            "cause": b.pk,
            "text": "B",
            "category": "tools",
            "votes": 5,
            "percent": 55.56,
            "cumulative_percent": 55.56,
        },
        {
            "cause": a.pk,
            "text": "A",
            "category": "process",
            "votes": 2,
            "percent": 22.22,
            "cumulative_percent": 77.78,
        },
        {
            "cause": c.pk,
            "text": "C",
            "category": "process",
            "votes": 2,
            "percent": 22.22,
            "cumulative_percent": 100.0,
        },
    ]


def test_the_pareto_and_votes_cost_the_same_with_more_causes_and_votes(world, api_as, workshop):
    client = api_as("member")

    def count(path):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/api/v1/workshops/{workshop.pk}/{path}/").status_code == 200
        return len(queries)

    cause(world, workshop)
    few = (count("pareto"), count("votes"))
    voters = [UserFactory(username=f"voter{n}") for n in range(3)]
    for user in voters:
        world.train.memberships.create(user=user, role="member", team=world.team)
    for n in range(5):
        c = cause(world, workshop, f"Cause {n}")
        for user in voters:
            services.cause_vote(actor=user, cause=c, dots=1)
    assert (count("pareto"), count("votes")) == few


# --- solutions and items from the workshop ---------------------------------------------------


def test_solutions_added_and_deleted(world, api_as, workshop):
    a = cause(world, workshop)
    created = api_as("member").post(
        "/api/v1/solutions/",
        {"workshop": workshop.pk, "cause": a.pk, "text": "Contract tests"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert set(created.json()) == {"id", "workshop", "cause", "text", "created_by", "created_at"}
    url = f"/api/v1/solutions/{created.json()['id']}/"
    assert (
        api_as("viewer")
        .post("/api/v1/solutions/", {"workshop": workshop.pk, "text": "X"}, format="json")
        .status_code
        == 403
    )
    assert api_as("other_member").delete(url).status_code == 403
    assert api_as("member").delete(url).status_code == 204
