"""A feature dropped on the board asks, in a dialog, whether its unfinished stories go with it
(default yes); Escape or Cancel puts the card back and moves nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import test_board
from tests.browser.test_board import cell, drag, open_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

board = test_board.board  # the board page's cards: a feature of Alpha with a story, one of Bravo


def test_a_dropped_feature_takes_its_stories_along_when_the_dialog_says_yes(
    signed_in, live_server, world, board
):
    page = signed_in("rte")
    open_board(page, live_server, board)
    its, f, s = board["its"], board["alpha_feature"], board["alpha_story"]
    drag(page, page.locator(f"#card-feature-{f.pk}"), cell(page, world.other_team, its[1], kind="features"))
    dialog = page.get_by_role("dialog", name=f"Move {f.key} to Bravo · {its[1].name}")
    expect(dialog).to_be_visible()
    question = dialog.get_by_label("Move its 1 unfinished story too?")
    expect(question).to_be_checked()
    expect(question).to_be_focused()  # the keyboard starts on the question
    page.keyboard.press("Tab")  # Cancel
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#board-status")).to_contain_text(
        f"Saved: {f.key} is now in Bravo · {its[1].name}, with 1 story."
    )
    s.refresh_from_db()
    f.refresh_from_db()
    assert (f.team_id, s.team_id, s.iteration_id, s.version) == (
        world.other_team.pk,
        world.other_team.pk,
        its[0].pk,
        2,
    )


def test_escape_puts_the_dropped_feature_back_and_moves_nothing(signed_in, live_server, world, board):
    page = signed_in("rte")
    open_board(page, live_server, board)
    its, f, s = board["its"], board["alpha_feature"], board["alpha_story"]
    drag(page, page.locator(f"#card-feature-{f.pk}"), cell(page, world.other_team, its[1], kind="features"))
    dialog = page.get_by_role("dialog", name=f"Move {f.key} to Bravo · {its[1].name}")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator("#board-status")).to_contain_text("Not moved.")
    expect(cell(page, world.team, its[2], kind="features").locator(f"#card-feature-{f.pk}")).to_be_visible()
    f.refresh_from_db()
    s.refresh_from_db()
    assert (f.team_id, f.version, s.team_id, s.version) == (world.team.pk, 1, world.team.pk, 1)
