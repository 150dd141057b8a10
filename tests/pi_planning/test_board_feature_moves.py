"""A feature's move on the board with its stories (docs/domain.md, "A feature's move with its
stories"): unfinished stories of the team it leaves go along (move_stories), stories placed after
the new delivery iteration are pulled in (pull_in_stories); one change, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art import rules
from art.models import ChangeRecord, Feature, Story
from pi_planning.selectors.capacity import pi_capacity
from tests.pi_planning.helpers import feature, story

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(world, plan):
    """F in Alpha, delivery iteration 3, with s1 (Alpha, it 1, 3 pt, to do), s2 (Alpha, it 3,
    5 pt, in progress) and s3 (Alpha, it 2, 2 pt, done)."""
    f = feature(world, iteration=plan.it(3), title="Checkout")
    s1 = story(world, feature=f, iteration=plan.it(1), points=3, title="s1")
    s2 = story(world, feature=f, iteration=plan.it(3), points=5, title="s2", state=Story.State.IN_PROGRESS)
    s3 = story(world, feature=f, iteration=plan.it(2), points=2, title="s3", state=Story.State.DONE)
    return f, s1, s2, s3


def loads(world, plan):
    """{(team name, iteration number): load} of the non-empty cells, by the capacity selector."""
    cells = pi_capacity(pi=world.pi)
    names = {world.team.pk: "A", world.other_team.pk: "B"}
    numbers = {it.pk: it.number for it in plan.iterations}
    return {
        (names[team], numbers[it]): cell.points
        for (team, it), cell in cells.items()
        if cell.points and team in names
    }


def moves_url(world):
    return f"/api/v1/pis/{world.pi.pk}/board/moves/"


def body(f, team, iteration, **extra):
    return {
        "kind": "feature",
        "card": f.pk,
        "team": team.pk,
        "iteration": iteration.pk if iteration else None,
        "version": f.version,
        **extra,
    }


def state_of(*cards):
    out = []
    for card in cards:
        card.refresh_from_db()
        out.append((card.team_id, card.iteration_id, card.version))
    return out


# --- the rule, pure -------------------------------------------------------------------------------


def test_the_rule_carries_unfinished_stories_of_the_team_it_leaves_and_pulls_in_later_ones():
    place = rules.backlog.StoryPlace
    stories = [
        place(1, team=10, iteration=101, iteration_number=1, done=False),  # moves team
        place(2, team=10, iteration=103, iteration_number=3, done=False),  # moves team, pulled in
        place(3, team=10, iteration=102, iteration_number=2, done=True),  # done: never
        place(4, team=30, iteration=104, iteration_number=4, done=False),  # other team: pulled in only
        place(5, team=10, iteration=None, iteration_number=None, done=False),  # unplanned: team only
    ]
    carried = rules.backlog.stories_carried(
        stories,
        from_team=10,
        to_team=20,
        to_iteration=102,
        to_iteration_number=2,
        move_stories=True,
        pull_in=True,
    )
    assert [(c.id, c.team, c.iteration) for c in carried] == [
        (1, 20, 101),
        (2, 20, 102),
        (4, 30, 102),
        (5, 20, None),
    ]
    alone = rules.backlog.stories_carried(
        stories,
        from_team=10,
        to_team=10,
        to_iteration=102,
        to_iteration_number=2,
        move_stories=True,
        pull_in=False,
    )
    assert alone == []  # same team, no pull-in: nothing goes along


# --- the API ----------------------------------------------------------------------------------------


def test_moving_to_team_b_iteration_2_with_its_stories_moves_the_two_unfinished_ones(
    api_as, world, plan, three
):
    f, s1, s2, s3 = three
    # A: it1 3 (s1), it2 2 (s3, done: load counts placed points), it3 5 (s2). B: nothing.
    assert loads(world, plan) == {("A", 1): 3, ("A", 2): 2, ("A", 3): 5}
    response = api_as("rte").post(
        moves_url(world), body(f, world.other_team, plan.it(2), move_stories=True), format="json"
    )
    assert response.status_code == 200, response.content
    assert sorted(response.json()["stories"]) == sorted([s1.pk, s2.pk])
    assert response.json()["card"]["team"] == world.other_team.pk
    # s1 and s2 change team, keep their iterations; s3 (done) stays: A loses 3 + 5 = 8, B gains 8.
    assert loads(world, plan) == {("A", 2): 2, ("B", 1): 3, ("B", 3): 5}
    assert state_of(s1, s2, s3) == [
        (world.other_team.pk, plan.it(1).pk, 2),
        (world.other_team.pk, plan.it(3).pk, 2),
        (world.team.pk, plan.it(2).pk, 1),
    ]
    f.refresh_from_db()
    assert (f.team_id, f.iteration_id, f.version, f.iteration_is_explicit) == (
        world.other_team.pk,
        plan.it(2).pk,
        2,
        True,
    )
    # One history entry per card moved: the feature's and each story's.
    story_type = ContentType.objects.get_for_model(Story)
    entries = ChangeRecord.objects.filter(content_type=story_type, action="updated").order_by("object_id")
    assert [(e.object_id, e.changes) for e in entries] == [
        (s1.pk, {"team": [world.team.pk, world.other_team.pk], "moved_with": ["", f.key]}),
        (s2.pk, {"team": [world.team.pk, world.other_team.pk], "moved_with": ["", f.key]}),
    ]
    assert all(e.actor_id == world.rte.pk for e in entries)
    feature_entries = ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(Feature), object_id=f.pk, action="updated"
    )
    assert [e.changes for e in feature_entries] == [
        {"team": [world.team.pk, world.other_team.pk], "iteration": [plan.it(3).pk, plan.it(2).pk]}
    ]


def test_pulling_in_brings_stories_after_the_new_delivery_iteration_to_it(api_as, world, plan, three):
    f, _s1, s2, _s3 = three
    response = api_as("rte").post(
        moves_url(world),
        body(f, world.other_team, plan.it(2), move_stories=True, pull_in_stories=True),
        format="json",
    )
    assert response.status_code == 200, response.content
    # s2 (it 3, after it 2) comes to B · it 2: B has 3 in it 1 and 5 in it 2.
    assert loads(world, plan) == {("A", 2): 2, ("B", 1): 3, ("B", 2): 5}
    s2.refresh_from_db()
    entry = ChangeRecord.objects.filter(object_id=s2.pk, action="updated").get()
    assert entry.changes == {
        "team": [world.team.pk, world.other_team.pk],
        "iteration": [plan.it(3).pk, plan.it(2).pk],
        "moved_with": ["", f.key],
    }


def test_without_move_stories_the_feature_moves_alone_as_before(api_as, world, plan, three):
    f, s1, s2, _s3 = three
    response = api_as("rte").post(moves_url(world), body(f, world.other_team, plan.it(2)), format="json")
    assert response.status_code == 200
    assert response.json()["stories"] == []
    assert loads(world, plan) == {("A", 1): 3, ("A", 2): 2, ("A", 3): 5}
    assert state_of(s1, s2)[0][2] == 1 and state_of(s2)[0][2] == 1


def test_product_management_may_move_the_feature_but_not_the_stories_refused_wholesale(
    api_as, world, plan, three
):
    f, s1, s2, s3 = three
    before = state_of(f, s1, s2, s3)
    records = ChangeRecord.objects.count()
    response = api_as("product").post(
        moves_url(world), body(f, world.other_team, plan.it(2), move_stories=True), format="json"
    )
    assert response.status_code == 403
    assert f"{f.key} moves without its stories, or not at all: {s1.key} is not yours to move" in str(
        response.json()
    )
    assert state_of(f, s1, s2, s3) == before
    assert ChangeRecord.objects.count() == records
    alone = api_as("product").post(moves_url(world), body(f, world.other_team, plan.it(2)), format="json")
    assert alone.status_code == 200  # the feature alone is product management's to move


def test_a_stale_story_version_refuses_the_whole_move(api_as, world, plan, three):
    f, s1, s2, s3 = three
    seen = {str(s1.pk): 1, str(s2.pk): 1}
    Story.objects.filter(pk=s2.pk).update(version=2)  # someone else changed s2 meanwhile
    before = state_of(f, s1, s2, s3)
    response = api_as("rte").post(
        moves_url(world),
        body(f, world.other_team, plan.it(2), move_stories=True, story_versions=seen),
        format="json",
    )
    assert response.status_code == 409
    assert state_of(f, s1, s2, s3) == before


def test_a_story_not_among_those_seen_refuses_the_move_naming_it(api_as, world, plan, three):
    f, s1, s2, _s3 = three
    before = state_of(f, s1, s2)
    response = api_as("rte").post(
        moves_url(world),
        body(f, world.other_team, plan.it(2), move_stories=True, story_versions={str(s1.pk): 1}),
        format="json",
    )
    assert response.status_code == 400
    assert f"{s2.key} joined {f.key} after you looked" in response.json()["story_versions"][0]
    assert state_of(f, s1, s2) == before


def test_a_stale_feature_version_moves_no_story(api_as, world, plan, three):
    f, s1, s2, _s3 = three
    Feature.objects.filter(pk=f.pk).update(version=5)
    response = api_as("rte").post(
        moves_url(world), body(f, world.other_team, plan.it(2), move_stories=True), format="json"
    )
    assert response.status_code == 409
    assert state_of(s1, s2) == [(world.team.pk, plan.it(1).pk, 1), (world.team.pk, plan.it(3).pk, 1)]


def test_a_story_move_still_makes_a_following_feature_follow(world, plan, three):
    from art import services

    f, s1, _s2, _s3 = three
    Feature.objects.filter(pk=f.pk).update(iteration=None, iteration_is_explicit=False)
    services.story_move(actor=world.rte, story=s1, iteration=plan.it(4))
    f.refresh_from_db()
    assert f.iteration_id == plan.it(4).pk  # the latest of its stories' iterations


def test_story_options_apply_to_a_feature_only(api_as, world, plan, three):
    _f, s1, _s2, _s3 = three
    response = api_as("rte").post(
        moves_url(world),
        {
            "kind": "story",
            "card": s1.pk,
            "team": world.team.pk,
            "iteration": plan.it(2).pk,
            "version": 1,
            "move_stories": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "move_stories" in response.json()


def test_the_query_count_does_not_grow_with_the_number_of_stories(api_as, world, plan):
    def count(n: int) -> int:
        f = feature(world, iteration=plan.it(4), title=f"F{n}")
        for i in range(n):
            story(world, feature=f, iteration=plan.it(3 + i % 2), points=1, title=f"s{i}")
        client = api_as("rte")
        with CaptureQueriesContext(connection) as queries:
            response = client.post(
                moves_url(world),
                body(f, world.other_team, plan.it(2), move_stories=True, pull_in_stories=True),
                format="json",
            )
        assert response.status_code == 200, response.content
        assert len(response.json()["stories"]) == n
        return len(queries)

    assert count(2) == count(12)


def test_loads_of_both_teams_change_by_exactly_the_points_carried(world, plan, three):
    from pi_planning.services import board_card_move

    f, _s1, _s2, _s3 = three
    before = loads(world, plan)
    board_card_move(
        actor=world.rte,
        pi=world.pi,
        card=f,
        team=world.other_team,
        iteration=plan.it(2),
        version=1,
        move_stories=True,
    )
    after = loads(world, plan)

    def team_total(cells, name):
        return sum((v for (t, _), v in cells.items() if t == name), Decimal(0))

    # A: 10 -> 2 (s3, done, stays); B: 0 -> 8 (s1 3 + s2 5)
    assert (team_total(before, "A"), team_total(after, "A")) == (10, 2)
    assert (team_total(before, "B"), team_total(after, "B")) == (0, 8)


# --- the board page: the question after a drop, the move menu, the answer -------------------------


def test_a_drop_on_another_team_asks_about_its_stories_with_yes_as_the_default(
    as_user, htmx, world, plan, three
):
    f, s1, s2, _s3 = three
    as_user("rte")
    query = f"?card=feature-{f.pk}&team={world.other_team.pk}&iteration={plan.it(2).pk}&version=1"
    response = htmx.get(plan.url("board_move") + query, target="move-form")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-move-drop="ask"' in html
    assert f"Move {f.key} to Bravo · {plan.it(2).name}" in html
    assert "Move its 2 unfinished stories too?" in html  # s1, s2; s3 is done
    assert f"Pull in 1 story placed after {plan.it(2).name}?" in html  # s2, in iteration 3
    assert html.count("checked") == 2  # both default to yes
    assert f'value="{s1.pk}:1,{s2.pk}:1"' in html
    assert "<script" not in html


def test_a_drop_with_nothing_to_take_along_does_not_ask(as_user, htmx, world, plan):
    lonely = feature(world, iteration=plan.it(3), title="No stories")
    as_user("rte")
    query = f"?card=feature-{lonely.pk}&team={world.other_team.pk}&iteration={plan.it(2).pk}"
    html = htmx.get(plan.url("board_move") + query, target="move-form").content.decode()
    assert 'data-move-drop="none"' in html


def test_product_management_is_told_the_stories_stay_and_offered_no_checkbox(
    as_user, htmx, world, plan, three
):
    f, s1, *_ = three
    as_user("product")
    query = f"?card=feature-{f.pk}&team={world.other_team.pk}&iteration={plan.it(2).pk}"
    html = htmx.get(plan.url("board_move") + query, target="move-form").content.decode()
    assert 'type="checkbox"' not in html
    assert f"Its stories stay where they are: {s1.key} is not yours to move" in html


def test_the_keyboard_menu_has_the_same_checkboxes(as_user, htmx, world, plan, three):
    f, *_ = three
    as_user("rte")
    html = htmx.get(plan.url("board_move") + f"?card=feature-{f.pk}", target="move-form").content.decode()
    assert "Move its 2 unfinished stories too, if it changes team" in html
    assert "Pull in its stories placed after the new iteration" in html
    assert 'name="team"' in html and "<select" in html


def test_the_board_move_with_its_stories_answers_both_team_rows(as_user, htmx, world, plan, three):
    f, s1, s2, _s3 = three
    as_user("rte")
    response = htmx.post(
        plan.url("board_move"),
        {
            "kind": "feature",
            "card": f.pk,
            "version": 1,
            "team": world.other_team.pk,
            "iteration": plan.it(2).pk,
            "move_stories": "on",
            "pull_in_stories": "on",
            "story_versions": f"{s1.pk}:1,{s2.pk}:1",
            "source": "dialog",
        },
    )
    assert response.status_code == 200, response.content.decode()[:500]
    html = response.content.decode()
    assert f'data-team-row="{world.team.pk}" hx-swap-oob' in html  # the row it left
    assert f'data-team-row="{world.other_team.pk}" hx-swap-oob' in html  # the row it joined
    assert f"Saved: {f.key} is now in Bravo · {plan.it(2).name}, with 2 stories." in html
    assert loads(world, plan) == {("A", 2): 2, ("B", 1): 3, ("B", 2): 5}


def test_the_board_move_refused_for_one_stale_story_changes_nothing(as_user, htmx, world, plan, three):
    f, s1, s2, s3 = three
    Story.objects.filter(pk=s1.pk).update(version=3)
    before = state_of(f, s1, s2, s3)
    as_user("rte")
    response = htmx.post(
        plan.url("board_move"),
        {
            "kind": "feature",
            "card": f.pk,
            "version": 1,
            "team": world.other_team.pk,
            "iteration": plan.it(2).pk,
            "move_stories": "on",
            "story_versions": f"{s1.pk}:1,{s2.pk}:1",
        },
    )
    assert response.status_code == 409
    assert state_of(f, s1, s2, s3) == before


@pytest.mark.parametrize(
    "extra",
    [
        {"story_versions": {"S-1": 1}},
        {"story_versions": [1, 2]},
        {"story_versions": {"1": "x"}},
        {"story_versions": {"999999999999": 1}, "move_stories": True},
        {"move_stories": "perhaps"},
    ],
)
def test_bad_story_options_answer_400_naming_the_field_and_move_nothing(api_as, world, plan, three, extra):
    f, s1, s2, _s3 = three
    before = state_of(f, s1, s2)
    response = api_as("rte").post(
        moves_url(world), body(f, world.other_team, plan.it(2), **extra), format="json"
    )
    assert response.status_code == 400, response.content
    assert set(response.json()) & {"story_versions", "move_stories"}
    assert state_of(f, s1, s2) == before
