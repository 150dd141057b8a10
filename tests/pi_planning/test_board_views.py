"""The board's pages and htmx endpoints: the full page and each fragment, moves (who may move
what, the IP iteration, stale versions), the move menu, dependencies by linking cards, WSJF
inline, the baseline, exports."""

from __future__ import annotations

import csv
import io

import pytest

from art.models import IP_NO_FEATURE_LOAD, Feature, Story
from pi_planning.models import Dependency, PlanBaseline
from tests.pi_planning.helpers import feature, story

pytestmark = pytest.mark.django_db


@pytest.fixture
def cards(board_cards):
    return board_cards


# --- the page and its fragments -------------------------------------------------------------


def test_board_page_shows_teams_iterations_cards_and_capacity(as_user, plan, cards):
    response = as_user("viewer").get(plan.url())
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "Alpha",
        "Bravo",
        "Iteration 1",
        "IP · no feature load",
        "ALP-1",
        "Alpha checkout",
        "Milestones",
    ):
        assert text in html
    assert 'id="team-row-' in html and 'id="cell-' in html and 'id="dependency-layer"' in html
    assert 'id="dependency-data"' in html  # the strings, as data for the SVG layer
    # load / capacity with a status in words (nobody in the teams: capacity 0, load 3 → overloaded)
    assert "Overloaded" in html
    # a viewer sees no move menu and no link tools
    assert "data-card-menu" not in html
    assert "data-link-mode" not in html
    assert "data-movable" not in html


def test_board_page_for_the_rte_has_the_tools(as_user, plan, cards):
    html = as_user("rte").get(plan.url()).content.decode()
    assert "data-card-menu" in html and "data-link-mode" in html and "data-movable" in html
    # the side panel's lists load when first shown; a page may ask for one at once
    assert f'data-panel-src="{plan.fragment("changes")}"' in html
    assert "Commit the plan" in as_user("rte").get(plan.url() + "?panel=changes").content.decode()


def test_a_move_answers_with_the_lists_the_page_has_loaded(as_user, htmx, plan, world, cards):
    as_user("member")
    s = cards["alpha_story"]
    data = {"kind": "story", "card": s.pk, "version": 1, "team": world.team.pk, "iteration": plan.it(3).pk}
    html = htmx.post(plan.url("board_move"), data).content.decode()
    assert (
        'id="dependency-list"' not in html and f'id="backlog-feature-{cards["alpha_feature"].pk}"' not in html
    )
    data.update(version=2, iteration=plan.it(4).pk, panels="backlog,dependency-list")
    html = htmx.post(plan.url("board_move"), data).content.decode()
    assert 'id="dependency-list" aria-labelledby="dependency-list-title" hx-swap-oob="outerHTML"' in html
    assert f'id="backlog-feature-{cards["alpha_feature"].pk}"' in html  # its feature's row
    assert 'id="changes"' not in html


def test_a_member_gets_move_menus_on_their_teams_stories_only(as_user, plan, cards):
    html = as_user("member").get(plan.url()).content.decode()
    alpha = html.split(f'id="card-story-{cards["alpha_story"].pk}"')[1].split("</article>")[0]
    bravo = html.split(f'id="card-story-{cards["bravo_story"].pk}"')[1].split("</article>")[0]
    assert "data-card-menu" in alpha
    assert "data-movable" not in bravo.split(">")[0]


def test_outsiders_get_404_and_anonymous_users_sign_in(client, as_user, plan, cards):
    assert as_user("outsider").get(plan.url()).status_code == 404
    client.logout()
    response = client.get(plan.url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "query", "expected"),
    [
        ("board-grid", "", 'id="board-grid"'),
        ("milestones-row", "", 'id="milestones-row"'),
        ("team-row", "team={team}", 'id="team-row-{team}"'),
        ("cell", "team={team}&iteration={it2}", 'id="cell-{team}-{it2}"'),
        ("card", "card=feature-{feature}", 'id="card-feature-{feature}"'),
        ("card", "card=story-{story}", 'id="card-story-{story}"'),
        ("dependency-layer", "", 'id="dependency-layer"'),
        ("dependency-list", "", 'id="dependency-list"'),
        ("backlog", "", 'id="backlog"'),
        ("changes", "", 'id="changes"'),
    ],
)
def test_each_fragment_renders_alone(as_user, htmx, plan, cards, world, name, query, expected):
    as_user("viewer")
    values = {
        "team": world.team.pk,
        "it2": plan.it(2).pk,
        "feature": cards["alpha_feature"].pk,
        "story": cards["alpha_story"].pk,
    }
    response = htmx.get(plan.fragment(name, query.format(**values)))
    assert response.status_code == 200
    html = response.content.decode()
    assert expected.format(**values) in html
    assert "<html" not in html  # a fragment, not the page
    assert "hx-swap-oob" not in html  # alone, it is swapped where it was asked for


@pytest.mark.parametrize("query", ["", "team=999999", "team=abc"])
def test_a_team_row_of_no_team_is_404(as_user, htmx, plan, cards, query):
    as_user("rte")
    assert htmx.get(plan.fragment("team-row", query)).status_code == 404


def test_unknown_fragments_are_404(as_user, htmx, plan):
    as_user("rte")
    assert htmx.get(plan.fragment("everything")).status_code == 404


def test_board_grid_with_htmx_target_is_the_grid_only(as_user, htmx, plan, cards):
    as_user("rte")
    response = htmx.get(plan.url(), target="board-grid")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<div class="board__grid')


# --- moving cards ---------------------------------------------------------------------------


def move(htmx, plan, card, *, team, iteration, version=None, kind=None, source=None):
    data = {
        "kind": kind or ("feature" if isinstance(card, Feature) else "story"),
        "card": card.pk,
        "version": card.version if version is None else version,
        "team": team.pk,
        "iteration": iteration.pk if iteration else "",
    }
    if source:
        data["source"] = source
    return htmx.post(plan.url("board_move"), data)


def test_a_member_moves_their_teams_story_and_the_rows_come_back(as_user, htmx, plan, world, cards):
    as_user("member")
    s = cards["alpha_story"]
    response = move(htmx, plan, s, team=world.team, iteration=plan.it(3))
    assert response.status_code == 200
    s.refresh_from_db()
    assert (s.iteration_id, s.version) == (plan.it(3).pk, 2)
    html = response.content.decode()
    # the touched row, the strings and the status come back out of band
    assert f'id="team-row-{world.team.pk}"' in html and 'hx-swap-oob="outerHTML"' in html
    assert 'id="dependency-layer"' in html and 'id="board-status"' in html
    assert "Saved" in html and "bcard--saved" in html
    assert "board:changed" in response["HX-Trigger-After-Settle"]
    # the feature's delivery iteration followed its story only if not explicit: it was explicit
    cards["alpha_feature"].refresh_from_db()
    assert cards["alpha_feature"].iteration_id == plan.it(2).pk


def test_a_features_delivery_iteration_follows_its_stories_unless_set(as_user, htmx, plan, world):
    as_user("member")
    f = feature(world, iteration=None, title="Follows")
    s = story(world, feature=f, iteration=plan.it(1))
    Feature.objects.filter(pk=f.pk).update(iteration=plan.it(1))
    move(htmx, plan, s, team=world.team, iteration=plan.it(3))
    f.refresh_from_db()
    assert f.iteration_id == plan.it(3).pk


def test_a_member_may_not_move_another_teams_story(as_user, htmx, plan, world, cards):
    as_user("member")
    s = cards["bravo_story"]
    response = move(htmx, plan, s, team=world.other_team, iteration=plan.it(1))
    assert response.status_code == 403
    assert "change another team&#x27;s work" in response.content.decode()
    s.refresh_from_db()
    assert (s.iteration_id, s.version) == (plan.it(3).pk, 1)


def test_a_member_may_not_hand_a_story_to_another_team(as_user, htmx, plan, world, cards):
    as_user("member")
    s = cards["alpha_story"]
    assert move(htmx, plan, s, team=world.other_team, iteration=plan.it(2)).status_code == 403
    s.refresh_from_db()
    assert s.team_id == world.team.pk


@pytest.mark.parametrize("role", ["viewer", "business_owner"])
def test_viewers_and_business_owners_move_nothing(as_user, htmx, plan, world, cards, role):
    as_user(role)
    assert move(htmx, plan, cards["alpha_story"], team=world.team, iteration=plan.it(1)).status_code == 403
    assert move(htmx, plan, cards["alpha_feature"], team=world.team, iteration=plan.it(1)).status_code == 403
    assert Story.objects.get(pk=cards["alpha_story"].pk).version == 1
    assert Feature.objects.get(pk=cards["alpha_feature"].pk).version == 1


def test_features_need_product_management_or_the_rte(as_user, htmx, plan, world, cards):
    as_user("member")
    assert move(htmx, plan, cards["alpha_feature"], team=world.team, iteration=plan.it(1)).status_code == 403
    as_user("product")
    # product management moves features, not a team's stories
    assert move(htmx, plan, cards["alpha_story"], team=world.team, iteration=plan.it(1)).status_code == 403
    response = move(htmx, plan, cards["alpha_feature"], team=world.other_team, iteration=plan.it(1))
    assert response.status_code == 200
    f = Feature.objects.get(pk=cards["alpha_feature"].pk)
    assert (f.team_id, f.iteration_id, f.iteration_is_explicit) == (world.other_team.pk, plan.it(1).pk, True)
    # both teams' rows come back: the one it left and the one it joined
    html = response.content.decode()
    assert f'id="team-row-{world.team.pk}"' in html and f'id="team-row-{world.other_team.pk}"' in html


def test_the_ip_iteration_refuses_a_feature_with_the_rule(as_user, htmx, plan, world, cards):
    as_user("rte")
    f = cards["alpha_feature"]
    response = move(htmx, plan, f, team=world.team, iteration=plan.ip)
    assert response.status_code == 422
    html = response.content.decode()
    assert IP_NO_FEATURE_LOAD in html
    assert "bcell__refusal" in html  # the message in the IP cell where it was dropped
    f.refresh_from_db()
    assert (f.iteration_id, f.version) == (plan.it(2).pk, 1)
    # the card comes back where it is
    assert f'id="card-feature-{f.pk}"' in html


def test_the_ip_iteration_refuses_a_features_story_but_takes_other_work(as_user, htmx, plan, world, cards):
    as_user("member")
    assert move(htmx, plan, cards["alpha_story"], team=world.team, iteration=plan.ip).status_code == 422
    chore = story(world, iteration=plan.it(1), title="Chore")
    assert move(htmx, plan, chore, team=world.team, iteration=plan.ip).status_code == 200
    chore.refresh_from_db()
    assert chore.iteration_id == plan.ip.pk


def test_a_stale_version_is_a_conflict_and_changes_nothing(as_user, htmx, plan, world, cards):
    from art import services

    s = cards["alpha_story"]
    # someone else moved it meanwhile
    services.story_move(actor=world.rte, story=s, iteration=plan.it(1), version=1)
    as_user("member")
    response = move(htmx, plan, s, team=world.team, iteration=plan.it(4), version=1)
    assert response.status_code == 409
    html = response.content.decode()
    assert "changed by someone else" in html
    assert "Changed by someone else" in html  # on the card, shown where it is now
    s.refresh_from_db()
    assert (s.iteration_id, s.version) == (plan.it(1).pk, 2)
    assert f'id="cell-{world.team.pk}-{plan.it(1).pk}"' in html


def test_a_move_to_unplanned_and_back(as_user, htmx, plan, world, cards):
    as_user("member")
    s = cards["alpha_story"]
    assert move(htmx, plan, s, team=world.team, iteration=None).status_code == 200
    s.refresh_from_db()
    assert s.iteration_id is None
    assert move(htmx, plan, s, team=world.team, iteration=plan.it(1)).status_code == 200


def test_a_move_with_bad_input_is_refused_in_words(as_user, htmx, plan, world, cards):
    as_user("rte")
    response = htmx.post(
        plan.url("board_move"), {"kind": "story", "card": cards["alpha_story"].pk, "team": 999999}
    )
    assert response.status_code == 422
    assert "team must be one of this train&#x27;s teams" in response.content.decode()


def test_a_move_without_htmx_redirects_back_with_a_message(as_user, plan, world, cards):
    client = as_user("member")
    s = cards["alpha_story"]
    data = {"kind": "story", "card": s.pk, "version": 1, "team": world.team.pk, "iteration": plan.it(4).pk}
    response = client.post(plan.url("board_move"), data, follow=True)
    assert response.redirect_chain[-1][0] == plan.url()
    assert "Saved: " in response.content.decode()
    s.refresh_from_db()
    assert s.iteration_id == plan.it(4).pk


def test_the_move_menu_offers_teams_and_iterations(as_user, htmx, plan, world, cards):
    as_user("member")
    response = htmx.get(plan.url("board_move") + f"?card=story-{cards['alpha_story'].pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="move-form"' in html and "Not planned" in html and "IP: no feature load" in html
    # a member moves their stories in their own row: only their team is offered
    assert ">Alpha<" in html and ">Bravo<" not in html
    assert f'name="version" value="{cards["alpha_story"].version}"' in html
    as_user("rte")
    assert (
        ">Bravo<"
        in htmx.get(plan.url("board_move") + f"?card=story-{cards['alpha_story'].pk}").content.decode()
    )


def test_the_move_menu_without_script_opens_on_the_page(as_user, plan, cards):
    client = as_user("member")
    url = plan.url("board_move") + f"?card=story-{cards['alpha_story'].pk}"
    response = client.get(url)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'id="move-dialog" aria-labelledby="move-title" open' in page


def test_the_move_menu_refusal_shows_in_the_dialog(as_user, htmx, plan, world, cards):
    as_user("rte")
    response = move(htmx, plan, cards["alpha_feature"], team=world.team, iteration=plan.ip, source="dialog")
    assert response.status_code == 422
    html = response.content.decode()
    form = html.split('id="move-form"')[1]
    assert "T" + IP_NO_FEATURE_LOAD[1:] in form


# --- dependencies by linking cards ----------------------------------------------------------


def test_linking_two_cards_opens_a_prefilled_form(as_user, htmx, plan, world, cards):
    as_user("member")
    a, b = cards["alpha_feature"], cards["bravo_feature"]
    response = htmx.get(
        plan.url("board_dependency_create") + f"?requester=feature-{a.pk}&provider=feature-{b.pk}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{a.pk}" selected>' in html
    assert f'<option value="{b.pk}" selected>' in html
    assert f'<option value="{plan.it(2).pk}" selected>' in html  # needed by the requester's iteration


def test_a_dependency_is_created_from_the_board(as_user, htmx, plan, world, cards):
    as_user("member")
    a, b = cards["alpha_feature"], cards["bravo_feature"]
    data = {
        "title": "Risk score",
        "requester_team": world.team.pk,
        "feature": a.pk,
        "provider_team": world.other_team.pk,
        "provider_feature": b.pk,
        "needed_by": plan.it(4).pk,
    }
    response = htmx.post(plan.url("board_dependency_create"), data)
    assert response.status_code == 200
    created = Dependency.objects.get(title="Risk score")
    assert (created.feature_id, created.provider_feature_id, created.needed_by_id) == (
        a.pk,
        b.pk,
        plan.it(4).pk,
    )
    html = response.content.decode()
    assert 'id="dependency-layer"' in html and "Dependency " in html
    assert "board:dependency-created" in response["HX-Trigger-After-Settle"]


def test_an_external_dependency_from_the_form(as_user, htmx, plan, world, cards):
    as_user("rte")
    data = {
        "requester_team": world.team.pk,
        "external_provider": "Bank API vendor",
        "needed_by": plan.it(3).pk,
    }
    assert htmx.post(plan.url("board_dependency_create"), data).status_code == 200
    assert Dependency.objects.get(external_provider="Bank API vendor").provider_team_id is None


def test_a_dependency_needs_a_provider(as_user, htmx, plan, world, cards):
    as_user("rte")
    data = {"requester_team": world.team.pk, "needed_by": plan.it(3).pk}
    response = htmx.post(plan.url("board_dependency_create"), data)
    assert response.status_code == 422
    assert "provider_team or external_provider is required" in response.content.decode().lower()
    assert Dependency.objects.count() == 1


def test_a_dependency_between_other_teams_is_not_a_members(as_user, htmx, plan, world, cards):
    from tests.art.factories import TeamFactory

    charlie = TeamFactory(train=world.train, name="Charlie")
    as_user("member")
    data = {"requester_team": world.other_team.pk, "provider_team": charlie.pk, "needed_by": plan.it(3).pk}
    assert htmx.post(plan.url("board_dependency_create"), data).status_code == 403
    as_user("viewer")
    data = {"requester_team": world.team.pk, "provider_team": world.other_team.pk, "needed_by": plan.it(3).pk}
    assert htmx.post(plan.url("board_dependency_create"), data).status_code == 403
    assert Dependency.objects.count() == 1


# --- WSJF inline ----------------------------------------------------------------------------


def wsjf_url(plan, f):
    return plan.url("feature_wsjf", feature_id=f.pk)


def test_product_management_scores_a_feature_inline(as_user, htmx, plan, world, cards):
    as_user("product")
    f = cards["alpha_feature"]
    form = htmx.get(wsjf_url(plan, f)).content.decode()
    assert "<select" in form and '<option value="13">13</option>' in form and '<option value="4">' not in form
    data = {
        "version": f.version,
        "user_business_value": 3,
        "time_criticality": 5,
        "risk_reduction": 1,
        "job_size": 3,
    }
    response = htmx.post(wsjf_url(plan, f), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="backlog"' in html and "3.00" in html
    f.refresh_from_db()
    assert (f.cost_of_delay, f.wsjf, f.version) == (9, 3.0, 2)


def test_a_score_off_the_scale_is_refused_with_the_rule(as_user, htmx, plan, world, cards):
    as_user("product")
    f = cards["alpha_feature"]
    data = {
        "version": f.version,
        "user_business_value": 4,
        "time_criticality": 5,
        "risk_reduction": 1,
        "job_size": 3,
    }
    response = htmx.post(wsjf_url(plan, f), data)
    assert response.status_code == 422
    assert "4 is not allowed: WSJF scores must be one of 1, 2, 3, 5, 8, 13, 20 (modified Fibonacci)" in (
        response.content.decode()
    )
    f.refresh_from_db()
    assert (f.user_business_value, f.version) == (None, 1)


def test_a_stale_score_is_a_conflict(as_user, htmx, plan, world, cards):
    as_user("product")
    f = cards["alpha_feature"]
    Feature.objects.filter(pk=f.pk).update(version=5)
    data = {"version": 1, "user_business_value": 3, "time_criticality": 5, "risk_reduction": 1, "job_size": 3}
    response = htmx.post(wsjf_url(plan, f), data)
    assert response.status_code == 409
    assert "changed by someone else" in response.content.decode()


def test_only_product_management_and_the_rte_score(as_user, htmx, plan, world, cards):
    as_user("member")
    f = cards["alpha_feature"]
    data = {"version": 1, "user_business_value": 3, "time_criticality": 5, "risk_reduction": 1, "job_size": 3}
    assert htmx.post(wsjf_url(plan, f), data).status_code == 403
    # and a member asking for the form gets the row as it is, with no form
    assert "<select" not in htmx.get(wsjf_url(plan, f)).content.decode()


# --- baseline and exports -------------------------------------------------------------------


def test_the_rte_commits_the_plan_and_changes_show(as_user, htmx, plan, world, cards):
    as_user("member")
    assert htmx.post(plan.url("baseline_commit")).status_code == 403
    as_user("rte")
    response = htmx.post(plan.url("baseline_commit"), {"note": "Day 2"})
    assert response.status_code == 200
    assert "Plan committed: 2 features and 2 stories" in response["HX-Trigger"]
    baseline = PlanBaseline.objects.get(pi=world.pi)
    assert baseline.note == "Day 2"
    as_user("member")
    move(htmx, plan, cards["alpha_story"], team=world.team, iteration=plan.it(4))
    html = as_user("viewer").get(plan.url() + "?panel=changes").content.decode()
    assert "1 moved, 0 added, 0 removed" in html
    assert 'data-change="moved"' in html


def test_csv_export_of_the_board(as_user, plan, world, cards):
    response = as_user("viewer").get(plan.url("board_csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_key = {row["key"]: row for row in rows}
    alpha = by_key["ALP-1"]
    assert (alpha["kind"], alpha["team"], alpha["iteration"], alpha["points"]) == (
        "feature",
        "Alpha",
        "Iteration 2",
        "8",
    )
    # Bravo delivers in iteration 3 what Alpha needs by iteration 2: a conflict
    assert (alpha["dependencies"], alpha["dependency_health"]) == ("1", "Conflict")
    story_row = by_key[cards["bravo_story"].key]
    assert (story_row["kind"], story_row["team"], story_row["feature"]) == (
        "story",
        "Bravo",
        cards["bravo_feature"].key,
    )
    assert len(rows) == 4


def test_print_layout_has_a_sheet_per_ten_teams(as_user, plan, world, cards):
    from tests.art.factories import TeamFactory

    for i in range(11):
        TeamFactory(train=world.train, name=f"Team {i:02d}")
    html = as_user("viewer").get(plan.url("board_print")).content.decode()
    assert html.count('class="print-sheet"') == 3  # 13 teams on two sheets, and the dependencies
    assert "print-a3" in html
    assert "Ledger accounts" not in html or "Conflict" in html
