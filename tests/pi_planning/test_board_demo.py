"""The board's seed step: right after seed_demo the board has something to show in every state."""

from __future__ import annotations

import datetime as dt

import pytest

from art import demo
from art.models import ProgramIncrement
from pi_planning.models import Holiday, PlanBaseline
from pi_planning.selectors.board import pi_board_data

pytestmark = pytest.mark.django_db


def current_board(profile):
    pi = ProgramIncrement.objects.filter(train__slug=profile.train_slug).order_by("-start_date").first()
    return pi_board_data(pi=pi)


def test_the_demo_board_shows_every_state():
    profile = demo.PROFILES["demo"]
    demo.build(profile, today=dt.date(2026, 11, 18))
    board = current_board(profile)
    statuses = {cell.capacity.status for row in board.rows for cell in row.cells}
    assert statuses == {"ok", "no_slack", "overloaded"}
    assert all(board.health_counts[code] for code in ("green", "amber", "red", "done"))
    assert any(d.health.hidden_conflict for d in board.dependencies)
    assert any(d.is_external for d in board.dependencies)
    assert any(story.late_for for story in board.stories)
    assert PlanBaseline.objects.filter(pi=board.pi).count() == 1
    assert board.change_counts["moved"] >= 1 and board.change_counts["added"] == 1
    assert Holiday.objects.filter(
        train=board.pi.train, date__range=(board.pi.start_date, board.pi.end_date)
    ).exists()


def test_the_large_profile_seeds_many_dependencies():
    profile = demo.PROFILES["large"].scaled(
        teams=6, people_per_team=(5, 6), closed_pis=1, features_per_team_pi=(3, 4), backlog_features=4
    )
    demo.build(profile, today=dt.date(2026, 11, 18))
    board = current_board(profile)
    assert len(board.rows) == 6
    assert len(board.dependencies) >= 20
    assert board.health_counts["red"] and board.health_counts["green"]
