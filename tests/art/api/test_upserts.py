"""Upserts by external key (`<resource>/by-key/{key}/?train=`) and bulk writes (`features/bulk/`,
`stories/bulk/`): the same key twice is one object, a stale version changes nothing, access as
for create and update, and a bulk is all or nothing with errors by index."""

import json

import pytest

from art.models import ChangeRecord, Feature, Membership, Story
from pi_planning.models import Dependency, Objective, Risk
from tests.art.factories import FeatureFactory, MembershipFactory, TeamFactory, TrainFactory


@pytest.fixture
def product(world, as_user):
    return as_user(world.product)


@pytest.fixture
def rte(world, as_user):
    return as_user(world.rte)


def put(client, path, body, train, **headers):
    return client.put(f"{path}?train={train}", json.dumps(body), content_type="application/json", **headers)


def history(model, pk):
    return ChangeRecord.objects.filter(content_type__model=model._meta.model_name, object_id=pk).count()


# --- by key ---------------------------------------------------------------------------------


def test_the_same_upsert_twice_is_one_feature_and_one_history_entry(world, product):
    # given a sync job's body for Jira's PAY-123
    body = {"title": "Instant payouts", "kind": "business", "pi": world.pi.pk, "job_size": 3, "points": 8}
    # when it is sent twice
    first = put(product, "/api/v1/features/by-key/PAY-123/", body, world.train.pk)
    second = put(product, "/api/v1/features/by-key/PAY-123/", body, world.train.pk)
    # then the first creates (201) in the train of ?train=, the second changes nothing (200)
    assert first.status_code == 201, first.json()
    assert second.status_code == 200, second.json()
    feature = Feature.objects.get(train=world.train, external_key="PAY-123")
    assert (first.json()["id"], second.json()["id"]) == (feature.pk, feature.pk)
    assert (feature.version, second.json()["version"], second["ETag"]) == (1, 1, '"1"')
    assert history(Feature, feature.pk) == 1  # the creation only
    # and the same body naming the train, as a create would, is accepted again
    again = put(
        product, "/api/v1/features/by-key/PAY-123/", {**body, "train": world.train.pk}, world.train.pk
    )
    assert again.status_code == 200, again.json()


def test_an_upsert_without_a_version_is_last_writer_wins_and_recorded(world, product):
    feature = FeatureFactory(train=world.train, external_key="PAY-7", title="Old", version=4)
    response = put(product, "/api/v1/features/by-key/PAY-7/", {"title": "New"}, world.train.pk)
    assert response.status_code == 200, response.json()
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("New", 5)
    change = ChangeRecord.objects.filter(object_id=feature.pk, action="updated").get()
    assert change.changes == {"title": ["Old", "New"]} and change.actor == world.product


@pytest.mark.parametrize(("where", "status"), [("body", 409), ("if_match", 412)])
def test_a_stale_version_changes_nothing(world, product, where, status):
    feature = FeatureFactory(train=world.train, external_key="PAY-8", title="Kept", version=3)
    body = {"title": "Lost"} | ({"version": 2} if where == "body" else {})
    headers = {"HTTP_IF_MATCH": '"2"'} if where == "if_match" else {}
    response = put(product, "/api/v1/features/by-key/PAY-8/", body, world.train.pk, **headers)
    assert response.status_code == status, response.json()
    assert response.json()["version"] == 3
    feature.refresh_from_db()
    assert (feature.title, feature.version) == ("Kept", 3)
    # a current one is applied
    headers = {"HTTP_IF_MATCH": '"3"'} if where == "if_match" else {}
    body = {"title": "Won"} | ({"version": 3} if where == "body" else {})
    assert put(product, "/api/v1/features/by-key/PAY-8/", body, world.train.pk, **headers).status_code == 200


def test_if_match_on_a_key_nobody_holds_creates_nothing(world, product):
    response = put(
        product, "/api/v1/features/by-key/PAY-9/", {"title": "x"}, world.train.pk, HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 412
    assert not Feature.objects.filter(external_key="PAY-9").exists()


def test_access_is_that_of_create_and_update(world, as_user):
    body = {"title": "Nope"}
    viewer = put(as_user(world.viewer), "/api/v1/features/by-key/PAY-1/", body, world.train.pk)
    assert viewer.status_code == 403
    outsider = put(as_user(world.outsider), "/api/v1/features/by-key/PAY-1/", body, world.train.pk)
    assert outsider.status_code == 404
    member = put(as_user(world.member), "/api/v1/features/by-key/PAY-1/", body, world.train.pk)
    assert member.status_code == 403  # the backlog is product management's
    anonymous = put(as_user(None), "/api/v1/features/by-key/PAY-1/", body, world.train.pk)
    assert anonymous.status_code == 401
    assert not Feature.objects.filter(external_key="PAY-1").exists()


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/features/by-key/PAY-1/", "train"),  # no ?train=
        ("/api/v1/features/by-key/PAY-1/?train=abc", "train"),
        ("/api/v1/features/by-key/%20%20/?train={train}", "external_key"),
        (f"/api/v1/features/by-key/{'K' * 65}/?train={{train}}", "external_key"),
    ],
)
def test_a_bad_key_or_train_answers_400_naming_it(world, product, path, field):
    response = product.put(
        path.format(train=world.train.pk), json.dumps({"title": "x"}), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Feature.objects.exists()


def test_the_body_may_not_name_another_key_or_train(world, product):
    elsewhere = TrainFactory(name="Other ART", slug="other")
    MembershipFactory(user=world.product, train=elsewhere, role=Membership.Role.PRODUCT)
    other_team = TeamFactory(train=elsewhere)
    key = put(
        product, "/api/v1/features/by-key/PAY-2/", {"title": "x", "external_key": "PAY-3"}, world.train.pk
    )
    assert key.status_code == 400 and "external_key" in key.json()
    train = put(
        product, "/api/v1/features/by-key/PAY-2/", {"title": "x", "train": elsewhere.pk}, world.train.pk
    )
    assert train.status_code == 400 and "train" in train.json()
    team = put(
        product, "/api/v1/features/by-key/PAY-2/", {"title": "x", "team": other_team.pk}, world.train.pk
    )
    assert team.status_code == 400 and "team" in team.json()
    assert not Feature.objects.exists()


def test_jira_style_keys_are_read_back_by_key(world, product):
    put(product, "/api/v1/features/by-key/PAY-123/", {"title": "Read me"}, world.train.pk)
    response = product.get(f"/api/v1/features/by-key/PAY-123/?train={world.train.pk}")
    assert response.status_code == 200 and response.json()["title"] == "Read me"
    assert product.get(f"/api/v1/features/by-key/PAY-999/?train={world.train.pk}").status_code == 404


def test_stories_dependencies_risks_and_objectives_upsert_by_key(world, rte):
    iteration = world.pi.iterations.order_by("number")[2]
    bodies = {
        "stories": (Story, {"team": world.team.pk, "title": "Card", "points": 3}),
        "dependencies": (
            Dependency,
            {
                "pi": world.pi.pk,
                "requester_team": world.team.pk,
                "provider_team": world.other_team.pk,
                "needed_by": iteration.pk,
                "title": "Needs the ledger API",
            },
        ),
        "risks": (Risk, {"title": "Vendor late", "pi": world.pi.pk}),
        "objectives": (
            Objective,
            {"pi": world.pi.pk, "team": world.team.pk, "title": "Ship payouts", "planned_bv": 8},
        ),
    }
    for resource, (model, body) in bodies.items():
        first = put(rte, f"/api/v1/{resource}/by-key/JIRA-1/", body, world.train.pk)
        second = put(rte, f"/api/v1/{resource}/by-key/JIRA-1/", body, world.train.pk)
        assert (first.status_code, second.status_code) == (201, 200), (resource, first.json(), second.json())
        obj = model.objects.get(external_key="JIRA-1")
        assert obj.version == 1, resource
        changed = put(rte, f"/api/v1/{resource}/by-key/JIRA-1/", {"title": "Renamed"}, world.train.pk)
        assert changed.status_code == 200, (resource, changed.json())
        obj.refresh_from_db()
        assert (obj.title, obj.version) == ("Renamed", 2), resource


def test_an_objective_key_is_unique_within_the_train(world, rte):
    from tests.art.factories import PIFactory

    later = PIFactory(
        train=world.train,
        name="PI 26.2",
        start_date=world.pi.end_date + __import__("datetime").timedelta(days=1),
    )
    body = {"team": world.team.pk, "title": "Ship payouts"}
    assert (
        put(rte, "/api/v1/objectives/by-key/OBJ-1/", {**body, "pi": world.pi.pk}, world.train.pk).status_code
        == 201
    )
    response = rte.post(
        "/api/v1/objectives/",
        {**body, "pi": later.pk, "external_key": "OBJ-1"},
        format="json",
    )
    assert response.status_code == 400 and "external_key" in response.json()


# --- bulk -----------------------------------------------------------------------------------


def test_bulk_upserts_and_creates_in_order(world, product):
    FeatureFactory(train=world.train, external_key="PAY-2", title="Before")
    items = [
        {"external_key": "PAY-1", "title": "One", "job_size": 3},
        {"external_key": "PAY-2", "title": "Two"},
        {"title": "No key"},
    ]
    response = product.post(f"/api/v1/features/bulk/?train={world.train.pk}", items, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(i["external_key"], i["title"], i["status"]) for i in body] == [
        ("PAY-1", "One", "created"),
        ("PAY-2", "Two", "updated"),
        (None, "No key", "created"),
    ]
    again = product.post(f"/api/v1/features/bulk/?train={world.train.pk}", items[:2], format="json")
    assert again.status_code == 200
    assert [i["status"] for i in again.json()] == ["unchanged", "unchanged"]
    assert Feature.objects.filter(train=world.train).count() == 3


def test_one_bad_item_writes_nothing_and_every_error_is_named_by_index(world, product):
    before = (Feature.objects.count(), ChangeRecord.objects.count())
    items = [
        {"train": world.train.pk, "external_key": "PAY-1", "title": "Fine"},
        {"train": world.train.pk, "title": "Bad size", "job_size": 4},
        {"train": world.train.pk, "title": ""},
        {"train": world.train.pk, "external_key": "PAY-4", "title": "Fine too"},
    ]
    response = product.post("/api/v1/features/bulk/", items, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["errors"]
    assert set(errors) == {"1", "2"}
    assert "job_size" in errors["1"] and "title" in errors["2"]
    assert (Feature.objects.count(), ChangeRecord.objects.count()) == before


def test_more_than_a_thousand_items_answer_413_naming_the_limit(world, product):
    response = product.post(
        f"/api/v1/features/bulk/?train={world.train.pk}", [{"title": "x"}] * 1001, format="json"
    )
    assert response.status_code == 413
    assert response.json()["limit"] == 1000 and "1,000" in response.json()["detail"]
    assert not Feature.objects.exists()


@pytest.mark.parametrize("body", [{"title": "x"}, "text", 3])
def test_a_bulk_body_that_is_not_an_array_answers_400(world, product, body):
    response = product.post(f"/api/v1/features/bulk/?train={world.train.pk}", body, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


def test_a_viewer_may_not_bulk(world, as_user):
    response = as_user(world.viewer).post(
        f"/api/v1/features/bulk/?train={world.train.pk}", [{"title": "x"}], format="json"
    )
    assert response.status_code == 403 and not Feature.objects.exists()


def test_stories_bulk_takes_the_train_from_the_team(world, as_user):
    member = as_user(world.member)
    items = [
        {"team": world.team.pk, "external_key": f"ST-{n}", "title": f"Story {n}", "points": n} for n in (1, 2)
    ]
    response = member.post("/api/v1/stories/bulk/", items, format="json")
    assert response.status_code == 201, response.json()
    assert [i["status"] for i in response.json()] == ["created", "created"]
    # another team's story is refused as a whole (403), nothing written
    items.append({"team": world.other_team.pk, "title": "Not mine"})
    response = member.post("/api/v1/stories/bulk/", items, format="json")
    assert response.status_code == 403
    assert Story.objects.count() == 2


def test_a_thousand_realistic_items_fit_the_body_limit(world, product, django_assert_max_num_queries):
    description = "As a merchant I want instant payouts so that my cash flow improves. " * 20  # ~1.4 KB
    items = [
        {
            "external_key": f"PAY-{n}",
            "title": f"Feature {n}: instant payouts for merchants in region {n % 17}",
            "description": description,
            "kind": "business",
            "points": 8,
            "user_business_value": 5,
            "time_criticality": 3,
            "risk_reduction": 2,
            "job_size": 5,
        }
        for n in range(1000)
    ]
    body = json.dumps(items)
    assert len(body) > 1_500_000  # more than the other writes take... below the bulk's limit
    response = product.post(
        f"/api/v1/features/bulk/?train={world.train.pk}", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content[:300]
    assert Feature.objects.count() == 1000
    too_big = json.dumps([{"title": "x", "description": "y" * 9000}] * 1000)
    response = product.post(
        f"/api/v1/features/bulk/?train={world.train.pk}", too_big, content_type="application/json"
    )
    assert response.status_code == 413 and "KB" in response.json()["detail"]


def test_a_bulk_sent_again_looks_its_keys_up_once_and_stays_cheap(world, product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    items = [
        {"external_key": f"K-{n}", "title": f"T {n}", "team": world.team.pk, "job_size": 5} for n in range(20)
    ]
    product.post(f"/api/v1/features/bulk/?train={world.train.pk}", items, format="json")
    with CaptureQueriesContext(connection) as queries:
        response = product.post(f"/api/v1/features/bulk/?train={world.train.pk}", items, format="json")
    assert {i["status"] for i in response.json()} == {"unchanged"}
    lookups = [q for q in queries.captured_queries if '"external_key" IN' in q["sql"]]
    assert len(lookups) == 1  # every key in one query
    # an unchanged item costs the parsing of its references and the access check, no write
    assert len(queries.captured_queries) <= 20 * 6 + 20
    assert not any(q["sql"].startswith(("UPDATE", "INSERT")) for q in queries.captured_queries)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/features/by-key/PAY-1/",
        "/api/v1/stories/by-key/PAY-1/",
        "/api/v1/dependencies/by-key/PAY-1/",
        "/api/v1/risks/by-key/PAY-1/",
        "/api/v1/objectives/by-key/PAY-1/",
        "/api/v1/features/bulk/",
        "/api/v1/stories/bulk/",
    ],
)
def test_options_on_a_route_without_an_id_describes_it(world, product, path):
    # found by the API fuzzing: OPTIONS asked these routes for an object they have no id for
    response = product.options(f"{path}?train={world.train.pk}")
    assert response.status_code == 200, response.content
    assert response.json()["name"]
