"""`improvement-items/` and `pis/{id}/readiness/`: the contract's fields, filters, ordering,
versions (409 / 412), refusals in the service's words with the field named, and who may write."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art import rules
from art.models import ProgramIncrement
from sync.models import ImprovementItem, ReadinessCheck, Workshop
from sync.services.improvements import ONLY_RTE_FIELDS, STATUS_REFUSAL, TARGET_CLOSED, TARGET_OTHER_TRAIN
from tests.art.factories import PIFactory, TrainFactory
from tests.sync.factories import ImprovementItemFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/improvement-items/"


def readiness_url(pi):
    return f"/api/v1/pis/{pi.pk}/readiness/"


def test_an_item_reads_as_the_contract_says(world, api_as):
    api = api_as("rte")
    created = api.post(
        URL,
        {
            "train": world.train.pk,
            "title": "Automate the release checklist",
            "owner": "Rita",
            "due_date": "2026-02-01",
            "target_pi": world.pi.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created["ETag"] == '"1"'
    item = api.get(f"{URL}{created.data['id']}/").json()
    contract = {"id", "train", "title", "owner", "status", "due_date", "target_pi", "created_at"}
    assert contract <= set(item)
    assert (item["status"], item["target_pi"], item["due_date"], item["workshop"], item["version"]) == (
        "open",
        world.pi.pk,
        "2026-02-01",
        None,
        1,
    )


def test_bad_input_is_refused_with_the_field_named_and_nothing_is_written(world, api_as):
    closed = PIFactory(
        train=world.train,
        name="PI 25.4",
        state=ProgramIncrement.State.CLOSED,
        iterations=0,
        start_date=dt.date(2025, 10, 6),
    )
    elsewhere = PIFactory(train=TrainFactory(), iterations=0)
    api = api_as("rte")
    cases = [
        ({"title": "X", "target_pi": closed.pk}, {"target_pi": [TARGET_CLOSED.format(name="PI 25.4")]}),
        ({"title": "X", "target_pi": elsewhere.pk}, {"target_pi": [TARGET_OTHER_TRAIN]}),
        ({"title": "X", "status": "later"}, {"status": [STATUS_REFUSAL]}),
        ({"title": ""}, {"title": ["title is required"]}),
    ]
    for fields, errors in cases:
        response = api.post(URL, {"train": world.train.pk, **fields}, format="json")
        assert response.status_code == 400, fields
        assert response.json() == errors
    assert not ImprovementItem.objects.exists()


def test_a_member_moves_the_status_but_not_the_title(world, api_as):
    item = ImprovementItemFactory(train=world.train, title="Ours")
    api = api_as("member")
    moved = api.patch(f"{URL}{item.pk}/", {"status": "in_progress", "version": 1}, format="json")
    assert moved.status_code == 200 and moved.data["status"] == "in_progress"
    refused = api.patch(f"{URL}{item.pk}/", {"title": "Mine", "version": 2}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"title": [ONLY_RTE_FIELDS.format(name="title")]}
    assert api.delete(f"{URL}{item.pk}/").status_code == 403
    item.refresh_from_db()
    assert (item.title, item.version) == ("Ours", 2)


def test_versions_conflict_and_done_sets_done_at(world, api_as):
    item = ImprovementItemFactory(train=world.train)
    api = api_as("rte")
    done = api.patch(f"{URL}{item.pk}/", {"status": "done"}, format="json", HTTP_IF_MATCH='"1"')
    assert done.status_code == 200 and done.data["done_at"] is not None and done["ETag"] == '"2"'
    assert api.patch(f"{URL}{item.pk}/", {"status": "open", "version": 1}, format="json").status_code == 409
    assert (
        api.patch(f"{URL}{item.pk}/", {"status": "open"}, format="json", HTTP_IF_MATCH='"1"').status_code
        == 412
    )
    reopened = api.patch(f"{URL}{item.pk}/", {"status": "open", "version": 2}, format="json")
    assert reopened.data["done_at"] is None
    history = api.get(f"{URL}{item.pk}/history/").json()
    assert [entry["action"] for entry in history] == ["updated", "updated"]
    assert api.delete(f"{URL}{item.pk}/").status_code == 204


def test_filters_and_ordering(world, api_as):
    later = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16), iterations=0)
    workshop = Workshop.objects.create(train=world.train, pi=world.pi)
    a = ImprovementItemFactory(train=world.train, title="B", target_pi=later, workshop=workshop)
    b = ImprovementItemFactory(train=world.train, title="A", status="dropped")
    ImprovementItemFactory(title="Another train's")
    api = api_as("viewer")

    def ids(query):
        return [row["id"] for row in api.get(URL + query).json()["results"]]

    assert ids("") == [a.pk, b.pk]
    assert ids(f"?target_pi={later.pk}") == [a.pk]
    assert ids("?no_target=true") == [b.pk]
    assert ids("?status=dropped") == [b.pk]
    assert ids(f"?workshop={workshop.pk}&train={world.train.pk}") == [a.pk]
    assert ids("?ordering=title") == [b.pk, a.pk]


def test_access(world, api_as):
    item = ImprovementItemFactory(train=world.train)
    assert api_as(None).get(URL).status_code in (401, 403)
    assert (
        api_as("viewer").post(URL, {"train": world.train.pk, "title": "X"}, format="json").status_code == 403
    )
    assert api_as("viewer").patch(f"{URL}{item.pk}/", {"status": "done"}, format="json").status_code == 403
    assert api_as("outsider").get(f"{URL}{item.pk}/").status_code == 404
    assert api_as("outsider").get(URL).json()["count"] == 0


def test_the_list_costs_the_same_queries_with_more_items(world, api_as):
    api = api_as("rte")
    ImprovementItemFactory(train=world.train, target_pi=world.pi)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(URL).status_code == 200
        return len(queries)

    small = count()
    for _ in range(20):
        ImprovementItemFactory(train=world.train, target_pi=world.pi)
    assert count() == small


def test_the_readiness_reads_and_the_rte_ticks(world, api_as):
    answer = api_as("viewer").get(readiness_url(world.pi)).json()
    assert set(answer) == {"pi", "items", "done", "total", "percent", "ready"}
    assert [i["key"] for i in answer["items"] if i["manual"]] == list(rules.readiness.MANUAL_KEYS)
    assert set(answer["items"][0]) == {"key", "title", "state", "detail", "manual"}
    assert (answer["done"], answer["total"], answer["percent"], answer["ready"]) == (1, 8, 12.5, False)

    ticked = api_as("rte").post(
        readiness_url(world.pi), {"item": "room", "done": True, "note": "Hall B"}, format="json"
    )
    assert ticked.status_code == 200 and ticked.json()["done"] == 2
    room = next(i for i in ticked.json()["items"] if i["key"] == "room")
    assert (room["state"], room["detail"]) == ("done", "Hall B")
    unticked = api_as("rte").patch(readiness_url(world.pi), {"item": "room", "done": False}, format="json")
    assert unticked.json()["done"] == 1


def test_readiness_refusals(world, api_as):
    unknown = api_as("rte").post(readiness_url(world.pi), {"item": "coffee", "done": True}, format="json")
    assert unknown.status_code == 400 and unknown.json() == {"item": [rules.readiness.MANUAL_KEY_REFUSAL]}
    assert (
        api_as("member")
        .post(readiness_url(world.pi), {"item": "room", "done": True}, format="json")
        .status_code
        == 403
    )
    assert api_as("outsider").get(readiness_url(world.pi)).status_code == 404
    assert not ReadinessCheck.objects.exists()
