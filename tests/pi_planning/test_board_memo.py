"""The planning board remembered between requests (pi_board_data through art.freshness): one
build serves the page, its fragments and the API of every reader until the train changes; what
one reader may do (move menus, dragging, "Add people") and which rows they opened come from
their own request, never from the shared board; a change shows on the next read; a
dependency's age moves on at the hour it was created."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pi_planning.models import Dependency
from pi_planning.selectors.board import pi_board_data
from pi_planning.services import dependency_set_state

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memo_on")]


@pytest.fixture
def cards(board_cards):
    """The board's cards (tests/pi_planning/conftest.py), the dependency opened 3 days ago."""
    dependency = board_cards["dependency"]
    dependency.created_at = timezone.now() - dt.timedelta(days=3)
    Dependency.objects.filter(pk=dependency.pk).update(created_at=dependency.created_at)
    return board_cards


def _queries(call):
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code == 200
    return response, len(queries)


def _card(html: str, dom_id: str) -> str:
    return html.split(f'id="{dom_id}"')[1].split("</article>")[0]


def test_one_build_serves_every_reader_each_with_their_own_moves(client, world, plan, cards):
    """The member, then a viewer, then the member again: the second and third reads build
    nothing (fewer queries by the whole board's), and each sees only their own move menus."""
    alpha, bravo = f"card-story-{cards['alpha_story'].pk}", f"card-story-{cards['bravo_story'].pk}"
    client.force_login(world.member)
    first, built = _queries(lambda: client.get(plan.url()))
    html = first.content.decode()
    assert "data-movable" in _card(html, alpha) and "data-card-menu" in _card(html, alpha)
    assert "data-movable" not in _card(html, bravo)

    client.force_login(world.viewer)
    second, remembered = _queries(lambda: client.get(plan.url()))
    html = second.content.decode()
    assert remembered <= built - 10  # the board was not read again
    assert "data-movable" not in html and "data-card-menu" not in html

    client.force_login(world.rte)
    html = client.get(plan.url()).content.decode()
    assert "data-movable" in _card(html, f"card-feature-{cards['alpha_story'].feature_id}")

    client.force_login(world.member)
    again = client.get(plan.url()).content.decode()
    assert "data-movable" in _card(again, alpha) and "data-movable" not in _card(again, bravo)
    board = pi_board_data(pi=world.pi, velocity=False)
    assert pi_board_data(pi=world.pi, velocity=False) is board  # the very same board, shared


def test_the_rows_a_reader_opened_are_their_own(client, world, plan, cards):
    client.force_login(world.member)
    row = f'role="row" id="team-row-{world.team.pk}"'
    opened = client.get(plan.url(), {"expand": world.team.pk}).content.decode()
    assert f'<div class="brow is-expanded" {row}' in opened
    closed = client.get(plan.url()).content.decode()
    assert f'<div class="brow" {row}' in closed


def test_a_move_shows_on_the_next_read_of_every_reader(
    client, htmx, world, plan, cards, django_capture_on_commit_callbacks
):
    client.force_login(world.viewer)
    before = client.get(plan.url()).content.decode()
    cell = f'id="cell-{world.team.pk}-{plan.it(3).pk}"'
    alpha = f'id="card-story-{cards["alpha_story"].pk}"'
    assert alpha not in before.split(cell)[1].split('role="cell"')[0]
    client.force_login(world.member)
    data = {
        "kind": "story",
        "card": cards["alpha_story"].pk,
        "version": 1,
        "team": world.team.pk,
        "iteration": plan.it(3).pk,
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert htmx.post(plan.url("board_move"), data).status_code == 200
    client.force_login(world.viewer)
    after = client.get(plan.url()).content.decode()
    assert alpha in after.split(cell)[1].split('role="cell"')[0]


def test_the_api_answers_from_the_remembered_board_until_a_change(api, world, plan, cards):
    api.force_authenticate(world.viewer)
    url = f"/api/v1/pis/{world.pi.pk}/board/"
    first, built = _queries(lambda: api.get(url))
    second, remembered = _queries(lambda: api.get(url))
    assert json.loads(second.content) == json.loads(first.content)
    assert remembered <= built - 10
    dependency_set_state(
        actor=world.rte, dependency=cards["dependency"], state="committed", committed_iteration=plan.it(2)
    )
    third = api.get(url).json()
    assert {d["id"]: d["state"] for d in third["dependencies"]} == {cards["dependency"].pk: "committed"}


def test_a_dependencys_age_moves_on_at_the_hour_it_was_created(monkeypatch, world, plan, cards):
    dependency = cards["dependency"]
    created = dependency.created_at
    boundary = created + dt.timedelta(days=4)  # when its age goes from 3 to 4 days
    clock = {"now": boundary - dt.timedelta(minutes=2)}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    board = pi_board_data(pi=world.pi)
    assert [d.age_days for d in board.dependencies] == [3]
    clock["now"] = boundary - dt.timedelta(seconds=1)
    assert pi_board_data(pi=world.pi) is board
    clock["now"] = boundary
    later = pi_board_data(pi=world.pi)
    assert later is not board and [d.age_days for d in later.dependencies] == [4]


def test_a_new_day_builds_again(monkeypatch, world, plan, cards):
    """The teams' measured velocity counts the iterations finished before today."""
    clock = {"now": timezone.make_aware(dt.datetime(2026, 2, 10, 23, 59))}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    board = pi_board_data(pi=world.pi)
    clock["now"] += dt.timedelta(minutes=2)
    assert pi_board_data(pi=world.pi) is not board
