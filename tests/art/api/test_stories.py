"""stories/: team-scoped writes, filters (pi through the iteration or the feature), validation,
and concurrency."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from art.models import Story
from tests.art.factories import FeatureFactory, PIFactory, StoryFactory


@pytest.fixture
def member(world, as_user):
    return as_user(world.member)


def test_a_member_creates_and_places_a_story_of_their_team(world, member):
    feature = FeatureFactory(train=world.train, pi=world.pi)
    iteration = world.pi.iterations.get(number=1)
    response = member.post(
        "/api/v1/stories/",
        {
            "feature": feature.pk,
            "team": world.team.pk,
            "iteration": iteration.pk,
            "title": "Payout button",
            "points": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {"id", "feature", "team", "iteration", "title", "points", "state", "version"} <= set(body)
    assert (body["train"], body["state"], body["version"]) == (world.train.pk, "todo", 1)
    # the feature's delivery iteration follows its stories
    feature.refresh_from_db()
    assert feature.iteration == iteration


@pytest.mark.parametrize(
    "body, field, message",
    [
        ({"points": 101}, "points", "Ensure this value is less than or equal to 100."),
        ({"points": -1}, "points", "Ensure this value is greater than or equal to 0."),
        ({"state": "blocked"}, "state", '"blocked" is not a valid choice.'),
        ({"title": ""}, "title", "This field may not be blank."),
        ({"iteration": 10**20}, "iteration", f"iteration {10**20} does not exist."),
        ({"feature": True}, "feature", "Incorrect type. Expected an id (integer), received bool."),
    ],
)
def test_bad_values_name_the_field(world, member, body, field, message):
    response = member.post("/api/v1/stories/", {"team": world.team.pk, "title": "S", **body}, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Story.objects.exists()


def test_a_story_needs_a_team(world, member):
    response = member.post("/api/v1/stories/", {"title": "S"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"team": ["This field is required."]}


def test_filters(world, member):
    it1, it2 = world.pi.iterations.order_by("number")[:2]
    later_pi = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 6, 1))
    feature = FeatureFactory(train=world.train, pi=world.pi)
    placed = StoryFactory(team=world.team, iteration=it1, state="done")
    under_feature = StoryFactory(team=world.team, feature=feature)  # unplaced, under a feature of the PI
    bravo = StoryFactory(team=world.other_team, iteration=it2)
    elsewhere = StoryFactory(team=world.team, iteration=later_pi.iterations.first())

    def ids(query):
        response = member.get(f"/api/v1/stories/?{query}&ordering=id")
        assert response.status_code == 200, response.json()
        return [s["id"] for s in response.json()["results"]]

    assert ids(f"pi={world.pi.pk}") == [placed.pk, under_feature.pk, bravo.pk]
    assert ids(f"pi={later_pi.pk}") == [elsewhere.pk]
    assert ids(f"team={world.other_team.pk}") == [bravo.pk]
    assert ids(f"iteration={it1.pk}") == [placed.pk]
    assert ids(f"feature={feature.pk}") == [under_feature.pk]
    assert ids("state=done") == [placed.pk]
    assert ids(f"train={world.train.pk}") == [placed.pk, under_feature.pk, bravo.pk, elsewhere.pk]


def test_stale_writes_are_refused(world, member):
    story = StoryFactory(team=world.team, title="Before")
    path = f"/api/v1/stories/{story.pk}/"
    assert member.get(path)["ETag"] == '"1"'
    assert member.patch(path, {"points": 5, "version": 1}, format="json")["ETag"] == '"2"'
    # a stale If-Match: 412; a stale version in the body: 409; nothing changes
    assert member.patch(path, {"title": "A"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert member.patch(path, {"title": "B", "version": 1}, format="json").status_code == 409
    assert (
        member.patch(path, {"title": "C", "version": 2}, format="json", HTTP_IF_MATCH='"2"').status_code
        == 200
    )
    story.refresh_from_db()
    assert (story.title, story.version) == ("C", 3)


def test_if_match_and_body_version_disagreeing(world, member):
    story = StoryFactory(team=world.team, title="Before")
    path = f"/api/v1/stories/{story.pk}/"
    # the header is current, the body is stale: the body's version is the stale one (409)
    assert (
        member.patch(path, {"title": "A", "version": 7}, format="json", HTTP_IF_MATCH='"1"').status_code
        == 409
    )
    story.refresh_from_db()
    assert story.title == "Before"


def test_moving_a_story_to_an_iteration_of_another_train_names_the_rule(world, as_user):
    from tests.art.factories import MembershipFactory, TrainFactory

    other = TrainFactory()
    MembershipFactory(user=world.rte, train=other, role="rte")
    foreign_pi = PIFactory(train=other)
    story = StoryFactory(team=world.team)
    response = as_user(world.rte).patch(
        f"/api/v1/stories/{story.pk}/",
        {"iteration": foreign_pi.iterations.first().pk, "version": story.version},
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {"iteration": ["iteration must belong to the story's train"]}


def test_the_pi_filter_finds_stories_placed_by_iteration_and_by_feature_alike(world, member):
    # given stories of the PI by their iteration, by their feature, by both, by one only while
    # the other points elsewhere, and stories of neither
    later_pi = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 6, 1))
    here, there = world.pi.iterations.first(), later_pi.iterations.first()
    ours, theirs = (
        FeatureFactory(train=world.train, pi=world.pi),
        FeatureFactory(train=world.train, pi=later_pi),
    )
    unplanned = FeatureFactory(train=world.train, pi=None)
    placings = [
        (here, None),
        (None, ours),
        (here, ours),
        (here, theirs),
        (there, ours),
        (here, unplanned),
        (there, theirs),
        (None, theirs),
        (there, None),
        (None, unplanned),
        (None, None),
    ]
    stories = [StoryFactory(team=world.team, iteration=i, feature=f) for i, f in placings]
    by_hand = {world.pi: [0, 1, 2, 3, 4, 5], later_pi: [3, 4, 6, 7, 8]}
    for pi, indexes in by_hand.items():
        # when the list is filtered by the PI
        with CaptureQueriesContext(connection) as filtered:
            response = member.get(f"/api/v1/stories/?pi={pi.pk}&ordering=id&page_size=100")
        # then it holds the same stories as the OR across the iteration's and the feature's PI,
        # once each
        expected = list(
            Story.objects.filter(Q(iteration__pi=pi) | Q(feature__pi=pi))
            .order_by("id")
            .values_list("id", flat=True)
        )
        assert [s["id"] for s in response.json()["results"]] == expected == [stories[i].pk for i in indexes]
        assert response.json()["count"] == len(indexes)
        # by subqueries on the story's own columns, in as many queries as the unfiltered list
        with CaptureQueriesContext(connection) as unfiltered:
            member.get("/api/v1/stories/?ordering=id&page_size=100")
        assert len(filtered) == len(unfiltered)
        page_sql = filtered[-1]["sql"]
        assert " IN (SELECT " in page_sql and "JOIN" not in page_sql
