"""The board's views (issue 12): `?view=projector` and the standard board, the big-train flag,
unique team initials on the rows and the labelled tool buttons. The browser side is in
tests/browser/test_projector.py."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from art import services
from pi_planning.views.board import COLLAPSE_ROWS_ABOVE, board_view_param
from tests.art.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?view=projector", "projector"),
        ("?view=standard", "standard"),
        ("", "standard"),
        ("?view=Projector", "standard"),  # exact names only
        ("?view=wall", "standard"),  # a stale bookmark still opens the board
        ("?view=", "standard"),
    ],
)
def test_the_view_parameter(query, expected):
    assert board_view_param(RequestFactory().get("/board/" + query)) == expected


def test_view_projector_renders_the_projector_board(as_user, plan):
    html = as_user("viewer").get(plan.url() + "?view=projector").content.decode()
    assert 'class="board-page is-projector"' in html
    assert "body--board body--projector" in html
    assert 'data-view="projector"' in html
    # the toggle says it is on and leads back to the standard board
    assert 'href="?view=standard" data-view-toggle role="button" aria-pressed="true"' in html


def test_without_the_parameter_the_board_is_the_standard_one(as_user, plan):
    html = as_user("viewer").get(plan.url() + "?view=nonsense").content.decode()
    assert "is-projector" not in html and "body--projector" not in html
    assert 'data-view="standard"' in html
    assert 'href="?view=projector" data-view-toggle role="button" aria-pressed="false"' in html
    # the zoom control, "Collapse all" and a collapse toggle per row (2 teams)
    assert 'type="range" class="board-zoom__range" min="50" max="150"' in html
    assert "data-collapse-all" in html
    assert html.count('class="brow__collapse" data-collapse="') == 2
    # icon buttons carry a word at desktop widths
    assert '<span class="btn__wide-label">Print (A3)</span>' in html
    assert '<span class="btn__wide-label">Legend' in html


def test_rows_start_collapsed_above_twelve_teams(as_user, plan, world):
    assert COLLAPSE_ROWS_ABOVE == 12
    TeamFactory.create_batch(10, train=world.train)  # 2 + 10 = 12 teams
    assert "data-big-train" not in as_user("viewer").get(plan.url()).content.decode()
    TeamFactory(train=world.train)  # 13
    assert "data-big-train" in as_user("viewer").get(plan.url()).content.decode()


def test_team_rows_show_initials_unique_within_the_train(as_user, plan, world):
    services.team_create(actor=world.rte, train=world.train, name="Carrier Portal")
    services.team_create(actor=world.rte, train=world.train, name="Cloud Platform")
    html = as_user("viewer").get(plan.url()).content.decode()
    assert '<span class="bcard__team" aria-hidden="true">CPo</span>' in html
    assert '<span class="bcard__team" aria-hidden="true">CPl</span>' in html
