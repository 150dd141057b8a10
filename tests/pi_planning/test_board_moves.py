"""A PI's board moves only its own cards: a feature of the PI or an open feature of the train's
backlog dragged onto it; a story placed in the PI or of one of its features. Other PIs' cards
are refused in words naming the card and its PI (422, nothing changed); a closed PI's cards
never move. The move menu and dragging are offered exactly where a move would be accepted."""

from __future__ import annotations

import datetime as dt

import pytest

from art.models import Feature, ProgramIncrement, Story
from pi_planning.selectors.board import pi_board_data
from pi_planning.services.board import board_rule_refusal
from tests.art.factories import PIFactory
from tests.pi_planning.helpers import feature, story

pytestmark = pytest.mark.django_db

CLOSED = ProgramIncrement.State.CLOSED


@pytest.fixture
def earlier(world):
    """The PI before the world's, closed, with a done feature of Alpha and its done story."""
    pi = PIFactory(train=world.train, name="PI 25.4", start_date=dt.date(2025, 9, 1), state=CLOSED)
    its = list(pi.iterations.order_by("number"))
    done = feature(world, pi=pi, iteration=its[1], state=Feature.State.DONE, title="Shipped long ago")
    done_story = story(world, feature=done, iteration=its[1], state=Story.State.DONE, title="Old story")
    return {"pi": pi, "its": its, "feature": done, "story": done_story}


@pytest.fixture
def later(world):
    """The PI after the world's, still to be planned, with a feature and a story of Alpha."""
    pi = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))
    its = list(pi.iterations.order_by("number"))
    f = feature(world, pi=pi, iteration=its[0], title="Next PI's feature")
    s = story(world, feature=f, iteration=its[0], title="Next PI's story")
    return {"pi": pi, "its": its, "feature": f, "story": s}


def post_move(htmx, plan, card, *, team, iteration, source=None):
    data = {
        "kind": "feature" if isinstance(card, Feature) else "story",
        "card": card.pk,
        "version": card.version,
        "team": team.pk,
        "iteration": iteration.pk if iteration else "",
    }
    if source:
        data["source"] = source
    return htmx.post(plan.url("board_move"), data)


def unchanged(card, before: dict) -> bool:
    card.refresh_from_db()
    return {name: getattr(card, name) for name in before} == before


def snapshot(card) -> dict:
    names = ["team_id", "iteration_id", "version", "state"] + (["pi_id"] if isinstance(card, Feature) else [])
    return {name: getattr(card, name) for name in names}


# --- refusals: 422, the card and its PI named, nothing changed -----------------------------------


def test_a_done_feature_of_a_closed_earlier_pi_is_not_moved_into_this_pi(as_user, htmx, plan, world, earlier):
    as_user("rte")
    f = earlier["feature"]
    before = snapshot(f)
    response = post_move(htmx, plan, f, team=world.team, iteration=plan.it(1))
    assert response.status_code == 422
    html = response.content.decode()
    assert f"{f.key} “Shipped long ago” belongs to PI 25.4, which is closed" in html
    assert "Not moved" in html and "board-status--error" in html
    assert unchanged(f, before)


def test_a_story_of_a_closed_pi_is_not_moved(as_user, htmx, plan, world, earlier):
    as_user("member")
    s = earlier["story"]
    before = snapshot(s)
    response = post_move(htmx, plan, s, team=world.team, iteration=plan.it(2))
    assert response.status_code == 422
    assert f"{s.key} “Old story” belongs to PI 25.4, which is closed" in response.content.decode()
    assert unchanged(s, before)


def test_a_feature_of_another_open_pi_is_moved_on_its_own_board_only(as_user, htmx, plan, world, later):
    as_user("product")
    f = later["feature"]
    before = snapshot(f)
    response = post_move(htmx, plan, f, team=world.other_team, iteration=plan.it(2))
    assert response.status_code == 422
    html = response.content.decode().replace("&#x27;", "'")
    assert (
        f"{f.key} “Next PI's feature” belongs to PI 26.2, not to PI 26.1: move it on PI 26.2's board." in html
    )
    assert unchanged(f, before)
    # on its own board it moves
    htmx_url = plan.url("board_move").replace(f"/pis/{world.pi.pk}/", f"/pis/{later['pi'].pk}/")
    data = {"kind": "feature", "card": f.pk, "version": f.version, "team": world.other_team.pk}
    assert htmx.post(htmx_url, data | {"iteration": later["its"][1].pk}).status_code == 200


def test_a_story_placed_in_another_pi_is_refused(as_user, htmx, plan, world, later):
    as_user("member")
    s = later["story"]
    before = snapshot(s)
    response = post_move(htmx, plan, s, team=world.team, iteration=plan.it(1))
    assert response.status_code == 422
    assert f"{s.key} “Next PI&#x27;s story” belongs to PI 26.2, not to PI 26.1" in response.content.decode()
    assert unchanged(s, before)


def test_an_unplanned_story_of_another_pis_feature_is_refused(as_user, htmx, plan, world, later):
    as_user("member")
    s = story(world, feature=later["feature"], iteration=None, title="Not placed yet")
    before = snapshot(s)
    response = post_move(htmx, plan, s, team=world.team, iteration=plan.it(1))
    assert response.status_code == 422
    assert "belongs to PI 26.2, not to PI 26.1" in response.content.decode()
    assert unchanged(s, before)


def test_a_done_or_cancelled_feature_of_no_pi_is_not_dragged_from_the_backlog(as_user, htmx, plan, world):
    as_user("rte")
    for state in (Feature.State.DONE, Feature.State.CANCELLED):
        f = feature(world, pi=None, state=state, title=f"Finished {state}")
        before = snapshot(f)
        response = post_move(htmx, plan, f, team=world.team, iteration=plan.it(1))
        assert response.status_code == 422
        label = Feature.State(state).label.lower()
        assert f"{f.key} “Finished {state}” is {label} and in no PI" in response.content.decode()
        assert unchanged(f, before)


def test_stories_in_no_pi_are_refused_with_what_to_do(as_user, htmx, plan, world):
    as_user("member")
    backlog_feature = feature(world, pi=None, title="Not planned yet")
    of_unplanned = story(world, feature=backlog_feature, iteration=None, title="Under it")
    loose = story(world, iteration=None, title="Loose")
    for s, words in [
        (of_unplanned, f"is in no PI: its feature {backlog_feature.key} is not planned in a PI yet"),
        (loose, "is in no PI and has no feature"),
    ]:
        before = snapshot(s)
        response = post_move(htmx, plan, s, team=world.team, iteration=plan.it(1))
        assert response.status_code == 422
        assert f"{s.key} “{s.title}” {words}" in response.content.decode()
        assert unchanged(s, before)


def test_nothing_moves_on_the_board_of_a_closed_pi(as_user, htmx, plan, world):
    f = feature(world, iteration=plan.it(2), title="Delivered")
    s = story(world, feature=f, iteration=plan.it(2))
    backlog = feature(world, pi=None, title="Open backlog item")
    ProgramIncrement.objects.filter(pk=world.pi.pk).update(state=CLOSED)
    as_user("rte")
    for card in (f, s, backlog):
        before = snapshot(card)
        response = post_move(htmx, plan, card, team=world.team, iteration=plan.it(3))
        assert response.status_code == 422
        assert "PI 26.1" in response.content.decode() and "closed" in response.content.decode()
        assert unchanged(card, before)
    # and the page offers no move: no menu, nothing draggable, and it says why
    html = as_user("rte").get(plan.url() + "?panel=backlog").content.decode()
    assert "data-card-menu" not in html and "data-movable" not in html
    assert "PI 26.1 is closed: its plan is history" in html
    assert "Drag a feature onto the board" not in html


def test_a_refusal_from_the_move_dialog_shows_in_the_dialog(as_user, htmx, plan, world, earlier):
    as_user("rte")
    f = earlier["feature"]
    response = post_move(htmx, plan, f, team=world.team, iteration=plan.it(1), source="dialog")
    assert response.status_code == 422
    dialog = response.content.decode().split('id="move-form"')[1]
    assert "alert--error" in dialog and "which is closed" in dialog


def test_the_move_menu_of_a_card_not_on_this_board_says_why(as_user, htmx, plan, world, earlier):
    as_user("rte")
    f = earlier["feature"]
    html = htmx.get(plan.url("board_move") + f"?card=feature-{f.pk}").content.decode()
    assert f"{f.key} cannot be moved here" in html and "which is closed" in html
    assert 'name="team"' not in html  # no form to submit


def test_the_move_menu_of_a_card_the_user_may_not_move_says_why(as_user, htmx, plan, world):
    f = feature(world, iteration=plan.it(1))
    as_user("member")
    html = htmx.get(plan.url("board_move") + f"?card=feature-{f.pk}").content.decode()
    assert f"{f.key} is not yours to move" in html and "edit the feature backlog" in html
    assert 'name="team"' not in html


# --- what is allowed ----------------------------------------------------------------------------


def test_an_open_backlog_feature_is_dragged_onto_the_board(as_user, htmx, plan, world):
    as_user("product")
    f = feature(world, pi=None, team=world.other_team, title="From the backlog")
    response = post_move(htmx, plan, f, team=world.team, iteration=plan.it(2))
    assert response.status_code == 200
    f.refresh_from_db()
    assert (f.pi_id, f.team_id, f.iteration_id, f.version) == (world.pi.pk, world.team.pk, plan.it(2).pk, 2)


def test_an_unplanned_story_of_this_pis_feature_is_placed(as_user, htmx, plan, world):
    as_user("member")
    f = feature(world, iteration=None)
    s = story(world, feature=f, iteration=None)
    assert post_move(htmx, plan, s, team=world.team, iteration=plan.it(1)).status_code == 200
    s.refresh_from_db()
    assert s.iteration_id == plan.it(1).pk


def test_a_story_of_this_pis_feature_left_in_an_open_earlier_pi_may_be_pulled_in(as_user, htmx, plan, world):
    as_user("member")
    before = PIFactory(train=world.train, name="PI 25.4", start_date=dt.date(2025, 9, 1))
    f = feature(world, iteration=plan.it(1))
    s = story(world, feature=f, iteration=before.iterations.order_by("number").first())
    assert post_move(htmx, plan, s, team=world.team, iteration=plan.it(1)).status_code == 200


def test_every_card_the_board_loads_may_be_moved_on_it(world, plan, earlier, later):
    f = feature(world, iteration=plan.it(1), state=Feature.State.DONE)
    story(world, feature=f, iteration=plan.it(1))
    story(world, feature=f, iteration=None)
    story(world, iteration=plan.it(2))
    feature(world, pi=None, title="Backlog")
    board = pi_board_data(pi=world.pi)
    assert board.backlog and board.stories
    assert {c.pk for c in board.backlog} & {earlier["feature"].pk, later["feature"].pk} == set()
    assert [board_rule_refusal(world.pi, c) for c in [*board.backlog, *board.stories]] == [None] * (
        len(board.backlog) + len(board.stories)
    )


# --- menus and dragging only where the viewer may move -------------------------------------------


@pytest.fixture
def cards(world, plan):
    alpha_feature = feature(world, iteration=plan.it(1), title="Alpha feature")
    bravo_feature = feature(world, team=world.other_team, iteration=plan.it(2), title="Bravo feature")
    return {
        "alpha_feature": alpha_feature,
        "bravo_feature": bravo_feature,
        "alpha_story": story(world, feature=alpha_feature, iteration=plan.it(1)),
        "bravo_story": story(world, team=world.other_team, feature=bravo_feature, iteration=plan.it(2)),
        "backlog": feature(world, pi=None, title="Backlog feature"),
    }


def card_html(html: str, dom_id: str) -> str:
    return html.split(f'id="{dom_id}"')[1].split("</article>")[0]


def card_tag(html: str, dom_id: str) -> str:
    return html.split(f'id="{dom_id}"')[1].split(">")[0]


@pytest.mark.parametrize(
    ("role", "movable"),
    [
        ("member", {"alpha_story"}),
        ("other_member", {"bravo_story"}),
        ("product", {"alpha_feature", "bravo_feature"}),
        ("rte", {"alpha_feature", "bravo_feature", "alpha_story", "bravo_story"}),
        ("business_owner", set()),
        ("viewer", set()),
    ],
)
def test_move_menus_and_dragging_only_where_the_viewer_may_move(as_user, plan, cards, role, movable):
    html = as_user(role).get(plan.url()).content.decode()
    for name in ("alpha_feature", "bravo_feature", "alpha_story", "bravo_story"):
        card = cards[name]
        dom_id = f"card-{'feature' if isinstance(card, Feature) else 'story'}-{card.pk}"
        assert ("data-card-menu" in card_html(html, dom_id)) is (name in movable), (role, name)
        assert ("data-movable" in card_tag(html, dom_id)) is (name in movable), (role, name)


def test_members_pick_features_for_a_dependency_without_a_move_menu(as_user, plan, cards):
    html = as_user("member").get(plan.url()).content.decode()
    alpha = card_html(html, f"card-feature-{cards['alpha_feature'].pk}")
    assert "data-card-menu" not in alpha
    assert "data-card-pick" in alpha and f"Pick {cards['alpha_feature'].key} for a dependency" in alpha
    assert "data-card-pick" not in card_html(html, f"card-story-{cards['alpha_story'].pk}")
    assert "data-card-pick" not in as_user("viewer").get(plan.url()).content.decode()


@pytest.mark.parametrize(("role", "draggable"), [("product", True), ("member", False), ("viewer", False)])
def test_backlog_rows_are_draggable_for_product_management_only(as_user, plan, cards, role, draggable):
    html = as_user(role).get(plan.url() + "?panel=backlog").content.decode()
    row = html.split(f'id="backlog-feature-{cards["backlog"].pk}"')[1].split(">")[0]
    assert ("data-movable" in row) is draggable
