"""Empty states lead somewhere (ui.md): a train without teams, a PI without dependencies, a team
without people. Never "✓ 0/0 OK" cells or a row of zero counts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from art.models import Team, TeamMember
from pi_planning.models import Dependency
from tests.pi_planning.helpers import feature

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_teams(world):
    Team.objects.filter(train=world.train).delete()


def test_a_board_without_teams_leads_the_rte_to_the_train_page(as_user, world, plan, no_teams):
    html = as_user("rte").get(plan.url()).content.decode()
    train_url = reverse("art:train", kwargs={"slug": world.train.slug})
    assert "No teams yet" in html
    assert f'href="{train_url}#teams"' in html and "Add the first team" in html
    # no empty grid, no counts of nothing, no tools for cards that cannot exist
    assert 'id="board-grid"' not in html and "0/0" not in html
    assert "open dependenc" not in html and "0 conflict" not in html
    assert "data-link-mode" not in html and 'id="board-toolbar"' not in html


@pytest.mark.parametrize("role", ["viewer", "product", "business_owner"])
def test_a_board_without_teams_tells_others_that_the_rte_adds_them(as_user, plan, no_teams, role):
    html = as_user(role).get(plan.url()).content.decode()
    assert "No teams yet" in html and "The RTE adds the train's teams." in html
    assert "Add the first team" not in html


def test_the_print_layout_without_teams(as_user, world, plan, no_teams):
    html = as_user("rte").get(plan.url("board_print")).content.decode()
    assert "No teams yet: nothing to print" in html and "Add the first team" in html
    assert "Dependencies of" not in html
    assert "print-table" not in html


def test_no_dependencies_yet_instead_of_zero_counts(as_user, plan, world):
    feature(world, iteration=plan.it(1))
    html = as_user("member").get(plan.url()).content.decode()
    summary = html.split('id="dependency-summary"')[1].split("</span>")[0]
    assert "No dependencies yet" in summary and "link two cards" in summary and "data-link-mode" in summary
    assert "open dependenc" not in html and "0 conflict" not in html
    # who cannot link reads the same, without the button
    summary = as_user("viewer").get(plan.url()).content.decode().split('id="dependency-summary"')[1]
    assert "No dependencies yet" in summary.split("</span>")[0] and "data-link-mode" not in summary


def test_with_dependencies_the_summary_counts_them(as_user, plan, world):
    requester = feature(world, iteration=plan.it(2))
    provider = feature(world, team=world.other_team, iteration=plan.it(1))
    Dependency.objects.create(
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        feature=requester,
        provider_feature=provider,
        needed_by=plan.it(2),
    )
    html = as_user("viewer").get(plan.url()).content.decode()
    assert "1 open dependency:" in html and "1 healthy" in html
    assert "No dependencies yet" not in html.split('id="dependency-summary"')[1].split("</span>\n</span>")[0]


def test_a_team_without_people_shows_no_capacity_not_ok(as_user, plan, world):
    for n in range(3):
        TeamMember.objects.create(team=world.other_team, name=f"P{n}", fte=Decimal(1))
    html = as_user("rte").get(plan.url()).content.decode()
    alpha = html.split(f'id="team-row-{world.team.pk}"')[1].split(f'id="team-row-{world.other_team.pk}"')[0]
    bravo = html.split(f'id="team-row-{world.other_team.pk}"')[1]
    assert "No capacity" in alpha and "OK" not in alpha.split('class="load')[1]
    assert "load--neutral" in alpha and "brow__head--neutral" in alpha
    team_url = reverse("art:team", kwargs={"slug": world.train.slug, "team_id": world.team.pk})
    assert "No one delivers yet" in alpha and f'href="{team_url}">Add people' in alpha
    assert "No one delivers yet" not in bravo and "No capacity" not in bravo and "OK" in bravo
    # who may not edit the team reads the fact without the link
    viewer = as_user("viewer").get(plan.url()).content.decode()
    assert "No one delivers yet" in viewer and "Add people" not in viewer
