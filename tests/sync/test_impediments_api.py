"""`impediments/`: the contract's fields, who may read, raise, change and delete, the filters and
the age order, versions (ETag, If-Match, body version), refusals in the page's words, and a
query budget that does not grow with the rows."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from art.models import ChangeRecord
from sync.models import Impediment
from tests.art.factories import TeamFactory, TrainFactory
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/impediments/"
DAY = dt.timedelta(days=1)
ROLES = ["rte", "product", "business_owner", "member", "other_member", "viewer", "outsider", None]
TAKE_PART = {"rte", "product", "business_owner", "member", "other_member"}
CATEGORIES = "dependency, requirements, feedback, environment, priorities, other"


def body(world, **fields):
    return {"train": world.train.pk, "title": "Staging down", "category": "environment"} | fields


# --- the contract ---------------------------------------------------------------------------


def test_an_impediment_reads_as_the_contract_says(world, api_as):
    now = timezone.now()
    impediment = ImpedimentFactory(
        train=world.train,
        team=world.team,
        title="Staging down",
        category="environment",
        owner="Olga",
        escalation="art",
        created_at=now - 20 * DAY - dt.timedelta(hours=2),
    )
    response = api_as("viewer").get(f"{URL}{impediment.pk}/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {
        "id",
        "train",
        "team",
        "title",
        "description",
        "category",
        "owner",
        "escalation",
        "status",
        "age_days",
        "aging",
        "created_at",
        "resolved_at",
        "updated_at",
        "version",
    }
    # created 20 days 2 hours ago → 20 whole days, ≥ 14 → aging
    assert (data["age_days"], data["aging"], data["status"], data["resolved_at"]) == (20, True, "open", None)
    assert (data["team"], data["escalation"], data["version"]) == (world.team.pk, "art", 1)
    assert response["ETag"] == '"1"'


def test_raising_one_with_a_back_dated_creation_time(world, api_as):
    created_at = (timezone.now() - 16 * DAY).isoformat()
    response = api_as("member").post(
        URL, body(world, team=world.team.pk, created_at=created_at, escalation="portfolio"), format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["age_days"], data["aging"], data["escalation"], data["version"]) == (
        16,
        True,
        "portfolio",
        1,
    )
    assert response["ETag"] == '"1"'
    assert Impediment.objects.get().created_by == world.member


def test_created_at_and_train_are_fixed_after_creation(world, api_as):
    impediment = ImpedimentFactory(train=world.train)
    other = TrainFactory(slug="other")
    response = api_as("rte").patch(
        f"{URL}{impediment.pk}/", {"created_at": "2001-01-01T00:00:00Z", "train": other.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "created_at": ["created_at is read-only: it cannot be set here"],
        "train": ["train is read-only: it cannot be set here"],
    }
    impediment.refresh_from_db()
    assert impediment.train == world.train and impediment.created_at.year > 2001


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads(world, api_as, role):
    impediment = ImpedimentFactory(train=world.train)
    listed, detail = api_as(role).get(URL), api_as(role).get(f"{URL}{impediment.pk}/")
    if role is None:
        assert (listed.status_code, detail.status_code) == (401, 401)
    elif role == "outsider":
        assert listed.status_code == 200 and listed.json()["results"] == []
        assert detail.status_code == 404
    else:
        assert [row["id"] for row in listed.json()["results"]] == [impediment.pk]
        assert detail.status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_who_raises(world, api_as, role):
    response = api_as(role).post(URL, body(world), format="json")
    if role is None:
        assert response.status_code == 401
    elif role == "outsider":  # the train does not exist for them, as for a missing id
        assert response.status_code == 400
        assert "does not exist" in response.json()["train"][0]
    elif role in TAKE_PART:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 403
        assert response.json()["detail"] == "As Viewer you may only read this train."
    assert Impediment.objects.count() == (1 if role in TAKE_PART else 0)


@pytest.mark.parametrize("role", ROLES)
def test_who_changes_and_resolves(world, api_as, role):
    impediment = ImpedimentFactory(train=world.train, team=world.other_team)
    response = api_as(role).patch(
        f"{URL}{impediment.pk}/", {"status": "resolved", "version": impediment.version}, format="json"
    )
    expected = {None: 401, "outsider": 404, "viewer": 403}.get(role, 200)
    assert response.status_code == expected
    impediment.refresh_from_db()
    assert (impediment.status == "resolved") is (expected == 200)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_rte_deletes(world, api_as, role):
    impediment = ImpedimentFactory(train=world.train)
    response = api_as(role).delete(f"{URL}{impediment.pk}/")
    expected = {None: 401, "outsider": 404, "rte": 204}.get(role, 403)
    assert response.status_code == expected
    assert Impediment.objects.filter(pk=impediment.pk).exists() is (expected != 204)
    if role == "member":
        assert response.json()["detail"] == "As Team member you may not manage the train (RTE only)."


# --- resolving, versions --------------------------------------------------------------------


def test_resolving_sets_resolved_at_and_reopening_clears_it(world, api_as):
    impediment = ImpedimentFactory(train=world.train, created_at=timezone.now() - 9 * DAY)
    api = api_as("member")
    resolved = api.patch(f"{URL}{impediment.pk}/", {"status": "resolved", "version": 1}, format="json")
    assert resolved.status_code == 200
    data = resolved.json()
    assert data["status"] == "resolved" and data["resolved_at"] and data["version"] == 2
    assert (data["age_days"], data["aging"]) == (9, False)
    assert resolved["ETag"] == '"2"'
    reopened = api.patch(f"{URL}{impediment.pk}/", {"status": "open"}, format="json", HTTP_IF_MATCH='"2"')
    assert reopened.status_code == 200
    assert (reopened.json()["status"], reopened.json()["resolved_at"], reopened.json()["version"]) == (
        "open",
        None,
        3,
    )


def test_a_stale_version_in_the_body_is_a_conflict_with_the_current_card(world, api_as):
    impediment = ImpedimentFactory(train=world.train)
    api = api_as("member")
    assert (
        api.patch(f"{URL}{impediment.pk}/", {"owner": "Olga", "version": 1}, format="json").status_code == 200
    )
    stale = api.patch(f"{URL}{impediment.pk}/", {"status": "resolved", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["version"] == 2
    assert stale.json()["current"]["owner"] == "Olga"
    assert stale.json()["current"]["status"] == "open"
    assert Impediment.objects.get(pk=impediment.pk).status == "open"


def test_a_stale_if_match_fails_the_precondition(world, api_as):
    impediment = ImpedimentFactory(train=world.train, version=3)
    api = api_as("rte")
    stale = api.patch(f"{URL}{impediment.pk}/", {"status": "resolved"}, format="json", HTTP_IF_MATCH='"2"')
    assert stale.status_code == 412
    assert stale["ETag"] == '"3"'
    assert api.delete(f"{URL}{impediment.pk}/", HTTP_IF_MATCH='"2"').status_code == 412
    assert Impediment.objects.get(pk=impediment.pk).status == "open"


def test_the_history_of_an_impediment(world, api_as):
    impediment = ImpedimentFactory(train=world.train)
    api = api_as("member")
    api.patch(f"{URL}{impediment.pk}/", {"status": "resolved", "version": impediment.version}, format="json")
    history = api_as("viewer").get(f"{URL}{impediment.pk}/history/").json()
    assert history[0]["actor"] == "member"
    assert history[0]["changes"]["status"] == ["open", "resolved"]


# --- refusals in the page's words -------------------------------------------------------------

#: (field, the bad value, the words): the same table as the page's (test_impediments_views.py).
BAD = [
    ("category", "weather", f"category must be one of {CATEGORIES}"),
    ("created_at", "future", "an impediment cannot date from the future: created_at must be now or earlier"),
    (
        "created_at",
        "1899-12-31T12:00:00Z",
        "dates must lie between 1990-01-01 and 2199-12-31: created_at is out of range",
    ),
    ("team", "other train", "team must be one of this train's teams"),
]


@pytest.mark.parametrize("field, value, words", BAD, ids=["category", "future", "other-century", "team"])
def test_bad_input_is_refused_naming_the_field_and_nothing_changes(world, api_as, field, value, words):
    if value == "future":
        value = (timezone.now() + DAY).isoformat()
    elif value == "other train":
        value = TeamFactory(train=TrainFactory(slug="other"), name="Zulu").pk
    records = ChangeRecord.objects.count()
    response = api_as("rte").post(URL, body(world, **{field: value}), format="json")
    assert response.status_code == 400
    assert response.json() == {field: [words]}
    assert not Impediment.objects.exists() and ChangeRecord.objects.count() == records


def test_an_id_that_is_no_team_at_all_reads_the_same(world, api_as):
    response = api_as("rte").post(URL, body(world, team=987654), format="json")
    assert response.json() == {"team": ["team must be one of this train's teams"]}


@pytest.mark.parametrize(
    "change, words",
    [
        ({"status": "closed"}, {"status": ["status must be one of open, resolved"]}),
        ({"escalation": "ceo"}, {"escalation": ["escalation must be one of team, art, portfolio"]}),
        ({"title": ""}, {"title": ["title is required"]}),
    ],
)
def test_a_bad_change_is_refused_in_words(world, api_as, change, words):
    impediment = ImpedimentFactory(train=world.train)
    response = api_as("rte").patch(f"{URL}{impediment.pk}/", change, format="json")
    assert (response.status_code, response.json()) == (400, words)
    assert Impediment.objects.get(pk=impediment.pk).version == 1


def test_an_impediment_is_raised_open(world, api_as):
    response = api_as("rte").post(URL, body(world, status="resolved"), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "status": ["an impediment is raised open: resolve it afterwards with a PATCH of status"]
    }


# --- filters and the age order -------------------------------------------------------------------


@pytest.fixture
def listed(world):
    """A 30 days open Alpha environment ART · B 21 days open Bravo dependency · C 13 days open
    whole train feedback portfolio · D 2 days open Alpha environment · E 40 days, resolved after 5,
    Alpha dependency (age 5) · another train's X."""
    now = timezone.now()

    def make(title, age, **fields):
        return ImpedimentFactory(train=world.train, title=title, created_at=now - age * DAY, **fields)

    make("D", 2, team=world.team, category="environment")
    make("B", 21, team=world.other_team, category="dependency")
    make("A", 30, team=world.team, category="environment", escalation="art")
    make("C", 13, category="feedback", escalation="portfolio")
    make("E", 40, team=world.team, category="dependency", status="resolved", resolved_at=now - 35 * DAY)
    ImpedimentFactory(title="X", created_at=now - 60 * DAY)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", ["E", "A", "B", "C", "D"]),  # by creation
        ("?ordering=age", ["A", "B", "C", "E", "D"]),  # by the rule's age: 30, 21, 13, 5, 2
        ("?ordering=-created_at", ["D", "C", "B", "A", "E"]),
        ("?status=open&ordering=age", ["A", "B", "C", "D"]),
        ("?status=resolved", ["E"]),
        ("?aging=true", ["A", "B"]),
        ("?aging=false&ordering=age", ["C", "E", "D"]),
        ("?team={team}", ["E", "A", "D"]),
        ("?category=dependency", ["E", "B"]),
        ("?escalation=portfolio", ["C"]),
        ("?train={train}&aging=true&category=environment", ["A"]),
    ],
)
def test_filters_and_orders(world, api_as, listed, query, expected):
    query = query.format(team=world.team.pk, train=world.train.pk)
    response = api_as("viewer").get(URL + query)
    assert response.status_code == 200
    assert [row["title"] for row in response.json()["results"]] == expected


def test_an_unknown_filter_value_is_a_bad_request(world, api_as):
    response = api_as("viewer").get(URL + "?category=weather")
    assert response.status_code == 400
    assert "category" in response.json()


# --- query budget ----------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?ordering=age", "?aging=true"])
def test_the_list_costs_the_same_queries_whatever_the_rows(world, api_as, query):
    api = api_as("rte")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = api.get(URL + query)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    old = timezone.now() - 20 * DAY
    ImpedimentFactory.create_batch(2, train=world.train, team=world.team, created_at=old)
    few = count()
    ImpedimentFactory.create_batch(20, train=world.train, team=world.other_team, created_at=old)
    assert count() == few
    assert few <= 8, few


def test_an_integration_may_leave_the_category_out(world, api):
    # given an integration that knows only a title and an owner
    api.force_login(world.member)
    response = api.post(
        "/api/v1/impediments/",
        {"train": world.train.pk, "title": "From the chat bot", "owner": "Ana"},
        format="json",
    )
    # then the impediment is logged as "other"
    assert response.status_code == 201, response.content
    assert response.json()["category"] == "other"
