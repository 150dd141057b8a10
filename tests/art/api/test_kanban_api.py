"""trains/{id}/kanban/ (the ART Kanban as data), the WIP limits and column policies on the train,
a team's lane limit, and moving a card by features/{id}/transitions/: figures worked by hand,
who may, and bad input answering 400 with nothing changed."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from art.models import ChangeRecord, Feature, FeatureTransition, ReleaseTrain, Team, WipBreach
from tests.art.factories import FeatureFactory, FeatureTransitionFactory, PIFactory, TeamFactory, TrainFactory

FIELDS = {"train", "pi", "team", "threshold_days", "threshold_from", "done_shown_days", "columns", "lanes"}
COLUMN_FIELDS = {
    "state",
    "label",
    "category",
    "count",
    "train_count",
    "limit",
    "over_limit",
    "policy",
    "earlier",
    "items",
}
ITEM_FIELDS = {
    "id",
    "key",
    "title",
    "kind",
    "points",
    "state",
    "version",
    "team",
    "team_name",
    "pi",
    "entered_state_at",
    "days_in_state",
    "flow_started_at",
    "days_in_flow",
    "aging",
}


def card(train, state, *, team=None, entered=1.0, flow=None, title="", pi=None):
    """A feature in `state`, entered `entered` days ago; first in flow (in progress) `flow` days
    ago when given."""
    now = timezone.now()
    feature = FeatureFactory(
        train=train, state=state, team=team, pi=pi, **({"title": title} if title else {})
    )
    if flow is not None and flow != entered:
        FeatureTransitionFactory(
            feature=feature, from_state="", to_state="in_progress", at=now - dt.timedelta(days=flow)
        )
    FeatureTransitionFactory(
        feature=feature, from_state="", to_state=state, at=now - dt.timedelta(days=entered)
    )
    return feature


def columns_of(answer):
    return {column["state"]: column for column in answer["columns"]}


@pytest.fixture
def board(world):
    """In progress: 3 (limit 2; Alpha 2, Bravo 1; in flow 11, 9 and 1 days). Review: 2 (limit 2).
    Done: 2 in the last 14 days (flow times 2 and 10 days) and 3 older (4, 6, 8 days): the aging
    threshold is the 85th percentile of 2, 4, 6, 8, 10 = the ⌈0.85 × 5⌉ = 5th = 10 days. One
    cancelled. Alpha's lane limit 2: it holds 4 in flow (2 in progress, 1 review, 1 blocked)."""
    train = world.train
    ReleaseTrain.objects.filter(pk=train.pk).update(
        wip_limits={"in_progress": 2, "review": 2}, kanban_policies={"review": "Code reviewed"}
    )
    Team.objects.filter(pk=world.team.pk).update(wip_limit=2)
    alpha, bravo = world.team, world.other_team
    cards = {
        "old": card(train, "in_progress", team=alpha, entered=11, title="Old"),
        "young": card(train, "in_progress", team=alpha, entered=9, title="Young", pi=world.pi),
        "bravo": card(train, "in_progress", team=bravo, entered=1, title="Bravo's"),
        "review_a": card(train, "review", team=alpha, entered=2, flow=5),
        "review_b": card(train, "review", team=bravo, entered=1, flow=3),
        "blocked": card(train, "blocked", team=alpha, entered=1, flow=4),
        "cancelled": card(train, "cancelled", entered=1),
        "funnel": card(train, "funnel", entered=30),
    }
    for entered, flow in [(3, 5), (2, 12), (20, 24), (30, 36), (40, 48)]:
        card(train, "done", team=bravo, entered=entered, flow=flow)
    return cards


def test_the_board_counts_limits_and_ages_by_hand(world, board, as_user):
    # when a viewer reads the board
    response = as_user(world.viewer).get(f"/api/v1/trains/{world.train.pk}/kanban/")
    # then it answers the documented shape
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == FIELDS
    assert answer["train"] == world.train.pk and answer["pi"] is None and answer["team"] is None
    assert answer["done_shown_days"] == 14
    assert answer["threshold_days"] == 10.0 and answer["threshold_from"] == 5
    columns = columns_of(answer)
    assert list(columns) == [
        "funnel",
        "analyzing",
        "ready",
        "in_progress",
        "review",
        "blocked",
        "awaiting_deploy",
        "done",
    ]
    assert all(set(c) == COLUMN_FIELDS for c in columns.values())
    # in progress: 3 with a limit of 2 is over; review: 2 of 2 is full, not over
    assert columns["in_progress"] | {"items": None} == {
        "state": "in_progress",
        "label": "In progress",
        "category": "active",
        "count": 3,
        "train_count": 3,
        "limit": 2,
        "over_limit": True,
        "policy": "",
        "earlier": 0,
        "items": None,
    }
    review = columns["review"]
    assert (review["count"], review["limit"], review["over_limit"]) == (2, 2, False)
    assert review["policy"] == "Code reviewed"
    assert columns["funnel"]["limit"] is None and columns["funnel"]["over_limit"] is False
    # done: 2 of the last 14 days shown, 3 older counted
    assert (columns["done"]["count"], columns["done"]["earlier"]) == (2, 3)
    # the longest in its state first; aging: in flow 11 days > 10, 9 days is not
    items = columns["in_progress"]["items"]
    assert [i["title"] for i in items] == ["Old", "Young", "Bravo's"]
    assert [i["aging"] for i in items] == [True, False, False]
    old = items[0]
    assert set(old) == ITEM_FIELDS
    assert old["id"] == board["old"].pk and old["team"] == world.team.pk and old["team_name"] == "Alpha"
    assert old["key"] == board["old"].key and old["kind"] == "business" and old["state"] == "in_progress"
    assert 11 <= old["days_in_flow"] < 11.01 and 11 <= old["days_in_state"] < 11.01
    assert old["flow_started_at"] == old["entered_state_at"]
    assert items[1]["pi"] == world.pi.pk
    funnel = columns["funnel"]["items"][0]
    assert funnel["days_in_flow"] is None and funnel["flow_started_at"] is None and funnel["aging"] is False
    # lanes: the teams with a limit; Alpha holds 4 in flow, over its 2
    assert answer["lanes"] == [
        {"team": world.team.pk, "name": "Alpha", "limit": 2, "in_flow": 4, "over_limit": True}
    ]


def test_cancelled_shows_only_when_asked(world, board, as_user):
    api = as_user(world.viewer)
    assert "cancelled" not in columns_of(api.get(f"/api/v1/trains/{world.train.pk}/kanban/").json())
    answer = api.get(f"/api/v1/trains/{world.train.pk}/kanban/?cancelled=true").json()
    assert [i["title"] for i in columns_of(answer)["cancelled"]["items"]] == [board["cancelled"].title]


def test_a_team_filter_shows_its_items_but_the_limits_count_the_train(world, board, as_user):
    answer = as_user(world.member).get(f"/api/v1/trains/{world.train.pk}/kanban/?team={world.team.pk}").json()
    assert answer["team"] == world.team.pk
    column = columns_of(answer)["in_progress"]
    assert (column["count"], column["train_count"], column["over_limit"]) == (2, 3, True)
    assert {i["team"] for c in answer["columns"] for i in c["items"]} == {world.team.pk}


def test_pi_and_kind_filters(world, board, as_user):
    api = as_user(world.viewer)
    answer = api.get(f"/api/v1/trains/{world.train.pk}/kanban/?pi={world.pi.pk}").json()
    assert answer["pi"] == world.pi.pk
    assert [i["title"] for c in answer["columns"] for i in c["items"]] == ["Young"]
    answer = api.get(f"/api/v1/trains/{world.train.pk}/kanban/?kind=enabler").json()
    assert [i for c in answer["columns"] for i in c["items"]] == []


@pytest.mark.parametrize(
    "query, field",
    [
        ("pi=abc", "pi"),
        ("pi=-1", "pi"),
        ("pi=1.5", "pi"),
        ("pi=99999999999999999999999", "pi"),
        ("pi=987654", "pi"),
        ("team=x", "team"),
        ("team=987654", "team"),
        ("kind=epic", "kind"),
        ("cancelled=maybe", "cancelled"),
    ],
)
def test_bad_filters_answer_400_naming_them(world, as_user, query, field):
    response = as_user(world.viewer).get(f"/api/v1/trains/{world.train.pk}/kanban/?{query}")
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_a_pi_or_team_of_another_train_is_refused(world, as_user):
    other = TrainFactory()
    api = as_user(world.viewer)
    pi = PIFactory(train=other, iterations=0)
    team = TeamFactory(train=other)
    response = api.get(f"/api/v1/trains/{world.train.pk}/kanban/?pi={pi.pk}")
    assert response.status_code == 400 and response.json() == {
        "pi": [f"pi {pi.pk} is not a PI of this train"]
    }
    response = api.get(f"/api/v1/trains/{world.train.pk}/kanban/?team={team.pk}")
    assert response.status_code == 400 and "team" in response.json()


def test_who_may_read_the_board(world, as_user):
    url = f"/api/v1/trains/{world.train.pk}/kanban/"
    for role in ("rte", "product", "business_owner", "member", "viewer"):
        assert as_user(world.user(role)).get(url).status_code == 200, role
    assert as_user(world.outsider).get(url).status_code == 404
    assert as_user(None).get(url).status_code == 401
    assert as_user(world.viewer).get("/api/v1/trains/987654/kanban/").status_code == 404


def _features(train, team, n):
    for i in range(n):
        card(
            train, ["in_progress", "review", "done", "funnel"][i % 4], team=team, entered=i % 20 + 1, flow=25
        )


def test_the_board_answers_in_queries_that_do_not_grow_with_features(world, as_user):
    Team.objects.filter(pk=world.team.pk).update(wip_limit=3)
    api = as_user(world.viewer)
    url = f"/api/v1/trains/{world.train.pk}/kanban/?team={world.team.pk}&pi={world.pi.pk}"
    _features(world.train, world.team, 3)
    api.get(url)
    with CaptureQueriesContext(connection) as few:
        assert api.get(url).status_code == 200
    _features(world.train, world.team, 20)
    _features(world.train, world.other_team, 10)
    with CaptureQueriesContext(connection) as many:
        assert api.get(url).status_code == 200
    assert len(many) == len(few) <= 15


# --- WIP limits and policies on the train ------------------------------------------------------


def _train_state(train):
    train = ReleaseTrain.objects.get(pk=train.pk)
    return train.wip_limits, train.kanban_policies, ChangeRecord.objects.count()


def test_the_rte_sets_the_wip_limits_and_the_history_keeps_before_and_after(world, as_user):
    ReleaseTrain.objects.filter(pk=world.train.pk).update(wip_limits={"review": 4})
    response = as_user(world.rte).patch(
        f"/api/v1/trains/{world.train.pk}/", {"wip_limits": {"in_progress": 8}}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["wip_limits"] == {"in_progress": 8}
    record = ChangeRecord.objects.filter(object_id=world.train.pk, action="updated").latest("id")
    assert record.changes == {"wip_limits": [{"review": 4}, {"in_progress": 8}]}
    # and a null leaves the column without a limit
    response = as_user(world.rte).patch(
        f"/api/v1/trains/{world.train.pk}/",
        {"wip_limits": {"in_progress": 8, "review": None}, "kanban_policies": {"review": " Reviewed "}},
        format="json",
    )
    assert response.json()["wip_limits"] == {"in_progress": 8}
    assert response.json()["kanban_policies"] == {"review": "Reviewed"}


@pytest.mark.parametrize("role", ["product", "business_owner", "member", "viewer"])
def test_only_the_rte_sets_limits_and_policies(world, as_user, role):
    before = _train_state(world.train)
    response = as_user(world.user(role)).patch(
        f"/api/v1/trains/{world.train.pk}/",
        {"wip_limits": {"in_progress": 8}, "kanban_policies": {"review": "x"}},
        format="json",
    )
    assert response.status_code == 403
    assert _train_state(world.train) == before


@pytest.mark.parametrize(
    "value, words",
    [
        ({"in_progress": 0}, "In progress"),
        ({"in_progress": 1001}, "In progress"),
        ({"review": "8"}, "Review"),
        ({"blocked": True}, "Blocked"),
        ({"in_progress": 2.5}, "In progress"),
        ({"done": 5}, "'done'"),
        ({"nonsense": 5}, "'nonsense'"),
        ([8], "must be an object"),
        ("8", "must be an object"),
    ],
)
def test_bad_wip_limits_answer_400_naming_the_column(world, as_user, value, words):
    before = _train_state(world.train)
    response = as_user(world.rte).patch(
        f"/api/v1/trains/{world.train.pk}/", {"wip_limits": value}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == ["wip_limits"]
    assert any(words in message for message in errors["wip_limits"]), errors
    assert _train_state(world.train) == before


@pytest.mark.parametrize(
    "value, field, words",
    [
        ({"review": "x" * 281}, "kanban_policies", "at most 280 characters (281 given)"),
        ({"review": "a\x00b"}, "kanban_policies.review", "control characters"),
        ({"review": 5}, "kanban_policies", "must be text"),
        ({"nowhere": "x"}, "kanban_policies", "'nowhere' is not a column"),
        (["x"], "kanban_policies", "must be an object"),
    ],
)
def test_bad_policies_answer_400_naming_them(world, as_user, value, field, words):
    before = _train_state(world.train)
    response = as_user(world.rte).patch(
        f"/api/v1/trains/{world.train.pk}/", {"kanban_policies": value}, format="json"
    )
    assert response.status_code == 400
    errors = response.json()
    assert list(errors) == [field]
    assert any(words in message for message in errors[field]), errors
    assert _train_state(world.train) == before


def test_a_policy_of_280_characters_is_kept(world, as_user):
    response = as_user(world.rte).patch(
        f"/api/v1/trains/{world.train.pk}/", {"kanban_policies": {"done": "x" * 280}}, format="json"
    )
    assert response.status_code == 200 and response.json()["kanban_policies"] == {"done": "x" * 280}


# --- moving a card ------------------------------------------------------------------------------


def _move_state(feature):
    return (
        Feature.objects.get(pk=feature.pk).state,
        FeatureTransition.objects.filter(feature=feature).count(),
        WipBreach.objects.count(),
        ChangeRecord.objects.count(),
    )


def move(api, feature, state, **body):
    return api.post(f"/api/v1/features/{feature.pk}/transitions/", {"state": state, **body}, format="json")


def test_a_member_moves_their_own_teams_feature_within_the_flow(world, as_user):
    feature = card(world.train, "in_progress", team=world.team, entered=3)
    response = move(as_user(world.member), feature, "review")
    assert response.status_code == 201
    assert response.json()["to_state"] == "review" and response.json()["reason"] == ""
    assert Feature.objects.get(pk=feature.pk).state == "review"


def test_a_member_of_another_team_may_not_move_it(world, as_user):
    feature = card(world.train, "in_progress", team=world.team, entered=3)
    before = _move_state(feature)
    response = move(as_user(world.other_member), feature, "review")
    assert response.status_code == 403
    assert "another team's" in response.json()["detail"]
    assert _move_state(feature) == before


def test_a_member_may_not_move_out_of_the_funnel(world, as_user):
    feature = card(world.train, "funnel", team=world.team, entered=3)
    before = _move_state(feature)
    response = move(as_user(world.member), feature, "ready")
    assert response.status_code == 403
    assert response.json()["detail"].startswith(
        "Team members move their own team's features among In progress, Review, Blocked and "
        "Awaiting deploy only"
    )
    assert _move_state(feature) == before


def test_a_member_may_not_move_into_done(world, as_user):
    feature = card(world.train, "awaiting_deploy", team=world.team, entered=3)
    before = _move_state(feature)
    response = move(as_user(world.member), feature, "done")
    assert response.status_code == 403
    assert "from Awaiting deploy to Done is for product management and the RTE" in response.json()["detail"]
    assert _move_state(feature) == before


def test_a_viewer_may_not_move(world, as_user):
    feature = card(world.train, "in_progress", team=world.team, entered=3)
    before = _move_state(feature)
    assert move(as_user(world.viewer), feature, "review").status_code == 403
    assert _move_state(feature) == before


@pytest.fixture
def full_review(world):
    """Review holds 2 with a limit of 2: full."""
    ReleaseTrain.objects.filter(pk=world.train.pk).update(wip_limits={"review": 2})
    for _ in range(2):
        card(world.train, "review", team=world.other_team, entered=2, flow=4)
    return card(world.train, "in_progress", team=world.team, entered=10)


def test_a_move_into_a_full_column_needs_a_reason(world, as_user, full_review):
    before = _move_state(full_review)
    response = move(as_user(world.member), full_review, "review")
    assert response.status_code == 400
    assert response.json() == {"reason": ["Review is at its WIP limit of 2: give a reason to go over it"]}
    assert _move_state(full_review) == before
    # a blank reason is none
    assert move(as_user(world.member), full_review, "review", reason="  ").status_code == 400
    assert _move_state(full_review) == before


def test_a_move_with_a_reason_goes_over_and_is_recorded(world, as_user, full_review):
    response = move(as_user(world.member), full_review, "review", reason="Hotfix for the release")
    assert response.status_code == 201
    assert response.json()["reason"] == "Hotfix for the release"
    transition = FeatureTransition.objects.get(pk=response.json()["id"])
    assert transition.reason == "Hotfix for the release"
    breach = WipBreach.objects.get()
    assert (breach.scope, breach.state, breach.count, breach.limit) == ("column", "review", 3, 2)
    assert (breach.feature_id, breach.transition_id, breach.actor) == (
        full_review.pk,
        transition.pk,
        world.member,
    )
    assert breach.reason == "Hotfix for the release"
    # and the board shows review over its limit
    answer = as_user(world.viewer).get(f"/api/v1/trains/{world.train.pk}/kanban/").json()
    assert columns_of(answer)["review"]["over_limit"] is True


def test_a_reason_with_a_line_break_is_refused(world, as_user, full_review):
    before = _move_state(full_review)
    response = move(as_user(world.member), full_review, "review", reason="one\u2028two")
    assert response.status_code == 400 and list(response.json()) == ["reason"]
    assert _move_state(full_review) == before


def test_a_back_dated_move_meets_no_limit(world, as_user, full_review):
    at = (timezone.now() - dt.timedelta(days=7)).isoformat()
    response = move(as_user(world.rte), full_review, "review", at=at)
    assert response.status_code == 201
    assert WipBreach.objects.count() == 0


def test_a_stale_version_moves_nothing(world, as_user, full_review):
    before = _move_state(full_review)
    response = move(as_user(world.member), full_review, "blocked", version=full_review.version + 5)
    assert response.status_code == 409
    assert _move_state(full_review) == before


# --- a team's lane limit --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["product", "member", "viewer"])
def test_only_the_rte_sets_a_teams_lane_limit(world, as_user, role):
    response = as_user(world.user(role)).patch(
        f"/api/v1/teams/{world.team.pk}/", {"wip_limit": 3}, format="json"
    )
    assert response.status_code == 403
    assert Team.objects.get(pk=world.team.pk).wip_limit is None


@pytest.mark.parametrize("value", [0, 1001, -1, "many", True])
def test_a_bad_lane_limit_is_refused(world, as_user, value):
    response = as_user(world.rte).patch(
        f"/api/v1/teams/{world.team.pk}/", {"wip_limit": value}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["wip_limit"]
    assert Team.objects.get(pk=world.team.pk).wip_limit is None


def test_a_move_into_the_flow_over_the_teams_lane_limit_needs_a_reason(world, as_user):
    # given Alpha's lane limit of 2, set by the RTE, and 2 of Alpha's features in flow
    response = as_user(world.rte).patch(f"/api/v1/teams/{world.team.pk}/", {"wip_limit": 2}, format="json")
    assert response.status_code == 200 and response.json()["wip_limit"] == 2
    card(world.train, "in_progress", team=world.team, entered=3)
    card(world.train, "blocked", team=world.team, entered=3, flow=5)
    waiting = card(world.train, "analyzing", team=world.team, entered=3)
    product = as_user(world.product)
    # when product management starts a third one without a reason: refused, nothing changed
    before = _move_state(waiting)
    response = move(product, waiting, "in_progress")
    assert response.status_code == 400
    assert response.json() == {
        "reason": ["Alpha's lane is at its WIP limit of 2 features in flow: give a reason to go over it"]
    }
    assert _move_state(waiting) == before
    # with one: moved, and the lane's breach recorded
    assert move(product, waiting, "in_progress", reason="Regulator deadline").status_code == 201
    breach = WipBreach.objects.get()
    assert (breach.scope, breach.team_id, breach.count, breach.limit) == ("lane", world.team.pk, 3, 2)
    lanes = as_user(world.viewer).get(f"/api/v1/trains/{world.train.pk}/kanban/").json()["lanes"]
    assert lanes == [{"team": world.team.pk, "name": "Alpha", "limit": 2, "in_flow": 3, "over_limit": True}]
