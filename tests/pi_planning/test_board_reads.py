"""How the planning board reads its data, worked out by hand: the teams' measured velocity
(summed per team and iteration id, named and ordered afterwards), the board page that reads
no velocity on the normalized basis, the PI's stories (two IN-subqueries), a story's feature
named from the story's own row, and the cards' escaping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.functional import lazystr
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from art.models import Iteration, Story, TeamMember
from pi_planning.selectors.board import pi_board_data
from pi_planning.selectors.capacity import velocity_histories
from pi_planning.templatetags.board_cards import esc
from tests.art.factories import PIFactory
from tests.pi_planning.helpers import BEFORE_PI, feature, story

pytestmark = pytest.mark.django_db

DONE, TODO = Story.State.DONE, Story.State.TODO


def _history(world):
    """Two finished PIs of Alpha's (and one story of Bravo's), worked out by hand:

    PI "Older" (from 5 May 2025): iteration 2: 5 + 3 done and 8 to do → 8; iteration 4: only
    2 to do → 0; its IP iteration: 13 done, not a development iteration → left out.
    PI "Old" (from 1 September 2025): iteration 1: 13 done → 13. Bravo: 2 done in it → 2.
    The world's PI (from 5 January 2026) is not finished on BEFORE_PI: its 21 done are left out."""
    older = PIFactory(train=world.train, name="Older", start_date=dt.date(2025, 5, 5))
    old = PIFactory(train=world.train, name="Old", start_date=dt.date(2025, 9, 1))
    o = {i.number: i for i in older.iterations.all()}
    n = {i.number: i for i in old.iterations.all()}
    story(world, iteration=o[2], points=5, state=DONE)
    story(world, iteration=o[2], points=3, state=DONE)
    story(world, iteration=o[2], points=8, state=TODO)
    story(world, iteration=o[4], points=2, state=TODO)
    story(world, iteration=o[5], points=13, state=DONE)  # the IP iteration
    story(world, iteration=n[1], points=13, state=DONE)
    story(world, team=world.other_team, iteration=n[1], points=2, state=DONE)
    story(world, iteration=world.pi.iterations.get(number=1), points=21, state=DONE)
    return older, old, o, n


def test_velocity_history_per_finished_iteration_named_and_in_order(world, django_assert_num_queries):
    _older, _old, o, n = _history(world)
    with django_assert_num_queries(1):
        histories = velocity_histories(
            train_id=world.train.pk,
            team_ids=[world.team.pk, world.other_team.pk],
            today=BEFORE_PI,
            recent=False,
        )
    alpha = histories[world.team.pk]
    # oldest first, "PI · iteration", points done only (an iteration with nothing done counts 0)
    assert alpha.iterations == (
        (f"Older · {o[2].name}", Decimal(8)),
        (f"Older · {o[4].name}", Decimal(0)),
        (f"Old · {n[1].name}", Decimal(13)),
    )
    # the mean of the last three: (8 + 0 + 13) / 3 = 7
    assert alpha.value == Decimal(7)
    assert histories[world.other_team.pk].iterations == ((f"Old · {n[1].name}", Decimal(2)),)
    assert histories[world.other_team.pk].value is None


def test_velocity_reads_the_latest_iterations_and_the_whole_history_only_for_short_teams(
    world, django_assert_num_queries
):
    """Three PIs of four development iterations each, all finished on BEFORE_PI (the window is
    the latest 6: PI "C"'s four and PI "B"'s last two). Alpha has done work in every
    iteration: 1, 2, ... 12 points, so its velocity is (10 + 11 + 12) / 3 = 11 from the window
    alone. Bravo worked only in PI "A" (3, 6 and 9 points in its iterations 1, 2, 3): nothing
    in the window, so its whole history is read: (3 + 6 + 9) / 3 = 6. Both equal the whole
    history's figures."""
    pis = [
        PIFactory(train=world.train, name=n, start_date=d)
        for n, d in (("A", dt.date(2024, 9, 2)), ("B", dt.date(2025, 1, 6)), ("C", dt.date(2025, 5, 5)))
    ]
    development = [i for p in pis for i in p.iterations.filter(is_ip=False).order_by("number")]
    assert len(development) == 12
    for points, iteration in enumerate(development, start=1):
        story(world, iteration=iteration, points=points, state=DONE)
    for points, iteration in zip((3, 6, 9), development[:3], strict=True):
        story(world, team=world.other_team, iteration=iteration, points=points, state=DONE)
    teams = [world.team.pk, world.other_team.pk]
    with django_assert_num_queries(2):  # the window; Bravo's whole history
        recent = velocity_histories(train_id=world.train.pk, team_ids=teams, today=BEFORE_PI)
    whole = velocity_histories(train_id=world.train.pk, team_ids=teams, today=BEFORE_PI, recent=False)
    alpha, bravo = recent[world.team.pk], recent[world.other_team.pk]
    assert alpha.value == Decimal(11)
    assert [points for _, points in alpha.used] == [10, 11, 12]
    assert len(alpha.iterations) == 6  # the window's iterations only
    assert len(whole[world.team.pk].iterations) == 12
    assert bravo.value == Decimal(6)
    assert bravo.iterations == whole[world.other_team.pk].iterations
    for team in teams:
        assert (recent[team].value, recent[team].used) == (whole[team].value, whole[team].used)
    # with Bravo left out, one query
    with django_assert_num_queries(1):
        velocity_histories(train_id=world.train.pk, team_ids=[world.team.pk], today=BEFORE_PI)


def test_velocity_history_follows_the_calendar_not_the_names(world):
    # PIs and iterations whose names sort the other way round from their dates
    later = PIFactory(train=world.train, name="A later", start_date=dt.date(2025, 9, 1))
    earlier = PIFactory(train=world.train, name="B earlier", start_date=dt.date(2025, 5, 5))
    e = {i.number: i for i in earlier.iterations.all()}
    lt = {i.number: i for i in later.iterations.all()}
    e[4].name, e[1].name = "Iteration 1", "Iteration 4"
    Iteration.objects.bulk_update([e[1], e[4]], ["name"])
    for iteration, points in [(lt[1], 1), (e[4], 2), (e[1], 3)]:
        story(world, iteration=iteration, points=points, state=DONE)
    alpha = velocity_histories(train_id=world.train.pk, team_ids=[world.team.pk], today=BEFORE_PI)[
        world.team.pk
    ]
    assert alpha.iterations == (
        ("B earlier · Iteration 4", Decimal(3)),
        ("B earlier · Iteration 1", Decimal(2)),
        ("A later · Iteration 1", Decimal(1)),
    )
    assert [points for _, points in alpha.used] == [3, 2, 1]


def test_the_board_page_on_the_normalized_basis_reads_no_velocity(world, plan, django_assert_num_queries):
    _history(world)
    TeamMember.objects.create(team=world.team, name="Dev", fte=Decimal(1), delivering=True)
    with CaptureQueriesContext(connection) as read:
        with_velocity = pi_board_data(pi=world.pi, today=BEFORE_PI)
    # fewer queries by the velocity history's (two: Bravo has fewer than 3 in the window)
    with CaptureQueriesContext(connection) as history:
        velocity_histories(
            train_id=world.train.pk, team_ids=[world.team.pk, world.other_team.pk], today=BEFORE_PI
        )
    assert len(history) == 2
    with django_assert_num_queries(len(read) - len(history)):
        without = pi_board_data(pi=world.pi, today=BEFORE_PI, velocity=False)
    cell = (world.team.pk, plan.it(1).pk)
    by_cell = {(c.team_id, c.iteration_id): c for c in with_velocity.capacity_cells}
    assert by_cell[cell].velocity == Decimal(7)
    assert by_cell[cell].capacity == Decimal(8)  # one developer, normalized
    # without velocity: the same capacity and load, no velocity
    plain = {(c.team_id, c.iteration_id): c for c in without.capacity_cells}
    assert plain[cell].velocity is None
    assert (plain[cell].capacity, plain[cell].basis) == (Decimal(8), "normalized")
    # the velocity basis reads it whatever the flag says: capacity 7
    by_velocity = pi_board_data(pi=world.pi, today=BEFORE_PI, basis="velocity", velocity=False)
    cells = {(c.team_id, c.iteration_id): c for c in by_velocity.capacity_cells}
    assert (cells[cell].capacity, cells[cell].basis) == (Decimal(7), "velocity")


def test_the_board_page_reads_velocity_on_the_velocity_basis_only(world, plan, client):
    _history(world)
    TeamMember.objects.create(team=world.team, name="Dev", fte=Decimal(1), delivering=True)
    client.force_login(world.rte)
    with CaptureQueriesContext(connection) as normalized:
        page = client.get(plan.url())
    assert "Capacity from measured velocity" not in page.content.decode()
    with CaptureQueriesContext(connection) as velocity:
        page = client.get(plan.url() + "?basis=velocity")
    assert "Capacity from measured velocity (normalized: 8)" in page.content.decode()
    # the velocity history: one query, one more for Bravo (fewer than 3 in the window)
    assert len(velocity) == len(normalized) + 2


def test_the_pi_stories_are_placed_in_its_iterations_or_wait_under_its_features(world, plan):
    other_pi = PIFactory(train=world.train, name="Other", start_date=dt.date(2026, 3, 16))
    elsewhere = other_pi.iterations.get(number=1)
    mine, theirs = feature(world, title="Mine"), feature(world, pi=other_pi, title="Theirs")
    shown = {
        story(world, iteration=plan.it(1), title="placed"),
        story(world, iteration=plan.it(2), feature=theirs, title="placed, another PI's feature"),
        story(world, feature=mine, title="waiting under a feature of the PI"),
    }
    story(world, feature=theirs, title="waiting under another PI's feature")
    story(world, iteration=elsewhere, feature=mine, title="placed in another PI")
    story(world, title="no feature, not placed")
    board = pi_board_data(pi=world.pi, today=BEFORE_PI)
    assert {s.pk for s in board.stories} == {s.pk for s in shown}


def test_a_story_names_its_feature_from_its_own_row(world, plan, django_assert_num_queries):
    other_pi = PIFactory(train=world.train, name="Other", start_date=dt.date(2026, 3, 16))
    mine = feature(world, title="Mine", iteration=plan.it(1))
    theirs = feature(world, pi=other_pi, title="Theirs <b>", external_key="EXT-7")
    story(world, iteration=plan.it(1), feature=mine)
    story(world, iteration=plan.it(2), feature=theirs)
    story(world, iteration=plan.it(3), feature=theirs)
    board = pi_board_data(pi=world.pi, today=BEFORE_PI)
    by_feature = {}
    with django_assert_num_queries(0):
        for s in board.stories:
            by_feature.setdefault(s.feature_id, []).append(s)
            assert s.feature is s.parent
        # the board's own feature is the card itself
        (on_board,) = by_feature[mine.pk]
        assert on_board.parent is board.card("feature", mine.pk)
        # another PI's feature: built once, its key and title
        first, second = by_feature[theirs.pk]
        assert first.parent is second.parent
        assert (first.parent.key, first.parent.title) == ("EXT-7", "Theirs <b>")


@pytest.mark.parametrize(
    "value",
    ["plain", "<b>&\"'", mark_safe("<i>safe</i>"), 42, None, Decimal("1.5"), lazystr("<lazy>")],
)
def test_the_cards_escape_as_django_does(value):
    assert esc(value) == conditional_escape(value)
