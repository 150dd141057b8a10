"""Load % on pages: at most one decimal, none when it is zero (ui.md), the same figure on the
board, the capacity page and the print layout, and never the threshold itself for a load above
it (a "85 % No slack" next to a "85 % OK" would read as two rules)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from art.models import Absence, TeamMember
from pi_planning.selectors.capacity import pct_label
from tests.pi_planning.helpers import story

pytestmark = pytest.mark.django_db

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("pct", "label"),
    [
        (Decimal("85"), "85 %"),
        (Decimal("85.0"), "85 %"),
        (Decimal("85.06"), "85.1 %"),
        (Decimal(41) * 100 / Decimal("48.2"), "85.1 %"),  # 85.062…
        (Decimal("84.96"), "85 %"),  # OK at most 85 %: rounds to the threshold, not beyond
        (Decimal("85.04"), "85.1 %"),  # no slack: above the threshold, never written as it
        (Decimal("100.02"), "100.1 %"),  # overloaded, likewise
        (Decimal("100"), "100 %"),
        (Decimal("108.24"), "108.2 %"),
        (Decimal("33.333"), "33.3 %"),
        (Decimal("0"), "0 %"),
        (None, ""),  # no capacity: no percentage
    ],
)
def test_pct_label(pct, label):
    assert pct_label(pct) == label.replace(" %", f"{NBSP}%")


@pytest.fixture
def loads(world, plan):
    """Iteration 1: Alpha 40 of 47 points (85.1 %, no slack: six people, one day off), Bravo
    34 of 40 (exactly 85 %, OK: five people)."""
    alpha = [TeamMember.objects.create(team=world.team, name=f"A{i}", fte=Decimal(1)) for i in range(6)]
    for i in range(5):
        TeamMember.objects.create(team=world.other_team, name=f"B{i}", fte=Decimal(1))
    Absence.objects.create(member=alpha[0], iteration=plan.it(1), days=Decimal(1))
    story(world, iteration=plan.it(1), points=40)
    story(world, team=world.other_team, iteration=plan.it(1), points=34)


def cell_of(html: str, team, iteration) -> str:
    return html.split(f'id="cell-{team.pk}-{iteration.pk}"')[1].split('class="bcell__cards"')[0]


def test_the_board_shows_one_decimal_where_it_matters(as_user, world, plan, loads):
    html = as_user("viewer").get(plan.url()).content.decode()
    alpha = cell_of(html, world.team, plan.it(1))
    bravo = cell_of(html, world.other_team, plan.it(1))
    assert f"85.1{NBSP}% No slack" in alpha and "(85.1\xa0%)" in alpha  # the word and the tooltip
    assert f"85{NBSP}% OK" in bravo and f"(85{NBSP}%)" in bravo
    assert f"0{NBSP}% OK" in cell_of(html, world.team, plan.it(2))


def test_the_capacity_page_and_the_print_layout_show_the_same_figures(as_user, world, plan, loads):
    client = as_user("viewer")
    page = reverse("pi_planning:team_capacity", kwargs={"slug": world.train.slug, "team_id": world.team.pk})
    html = client.get(f"{page}?pi={world.pi.pk}").content.decode()
    assert f"85.1{NBSP}% · No slack" in html
    assert f"0{NBSP}% · OK" in html and "0.0 %" not in html
    printed = client.get(plan.url("board_print")).content.decode()
    assert f"40/47 · 85.1{NBSP}% No slack" in printed
    assert f"34/40 · 85{NBSP}% OK" in printed
