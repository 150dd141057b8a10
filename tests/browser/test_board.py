"""The planning board in Chromium: dragging cards (SortableJS → htmx), the keyboard move menu,
the dependency strings redrawn with their health, and the IP iteration's refusal."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from art.models import IP_NO_FEATURE_LOAD, Feature, Story
from pi_planning.models import Dependency

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def board(world):
    its = list(world.pi.iterations.order_by("number"))
    alpha_feature = Feature.objects.create(
        train=world.train,
        pi=world.pi,
        team=world.team,
        iteration=its[2],
        iteration_is_explicit=True,
        title="Instant payouts",
        points=13,
        state="ready",
    )
    bravo_feature = Feature.objects.create(
        train=world.train,
        pi=world.pi,
        team=world.other_team,
        iteration=its[1],
        iteration_is_explicit=True,
        title="Ledger accounts",
        points=8,
        state="ready",
    )
    alpha_story = Story.objects.create(
        train=world.train,
        team=world.team,
        feature=alpha_feature,
        iteration=its[0],
        title="Payout API",
        points=5,
    )
    dependency = Dependency.objects.create(
        pi=world.pi,
        requester_team=world.team,
        provider_team=world.other_team,
        feature=alpha_feature,
        provider_feature=bravo_feature,
        needed_by=its[2],
        title="Ledger accounts for payouts",
    )
    return {
        "its": its,
        "alpha_feature": alpha_feature,
        "bravo_feature": bravo_feature,
        "alpha_story": alpha_story,
        "dependency": dependency,
        "url": f"/trains/{world.train.slug}/pis/{world.pi.pk}/board/",
    }


def open_board(page: Page, live_server, board) -> None:
    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(live_server.url + board["url"])
    expect(page.locator("#board-grid")).to_be_visible()
    page.wait_for_function("() => window.railyardBoard !== undefined && typeof Sortable !== 'undefined'")


def drag(page: Page, card, target) -> None:
    """A real pointer drag: press on the card, move in steps onto the target, release."""
    card.scroll_into_view_if_needed()
    box = card.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + 30, box["y"] + box["height"] / 2 + 5, steps=3)
    target_box = target.bounding_box()
    x, y = target_box["x"] + target_box["width"] / 2, target_box["y"] + target_box["height"] - 8
    page.mouse.move(x, y, steps=15)
    page.wait_for_timeout(100)
    target_box = target.bounding_box()  # the rows may have grown with the card passing over them
    page.mouse.move(
        target_box["x"] + target_box["width"] / 2, target_box["y"] + target_box["height"] - 6, steps=3
    )
    page.mouse.up()


def cell(page: Page, team, iteration, kind="stories"):
    part = "bcell__stories" if kind == "stories" else "bcell__cards"
    return page.locator(f"#cell-{team.pk}-{iteration.pk} .{part}")


def test_drag_a_story_to_another_iteration_and_it_stays_after_reload(signed_in, live_server, world, board):
    page = signed_in("member")
    open_board(page, live_server, board)
    its, s = board["its"], board["alpha_story"]
    # the team row shows its stories when expanded
    page.locator(f"#team-row-{world.team.pk} [data-expand]").click()
    card = page.locator(f"#card-story-{s.pk}")
    expect(card).to_be_visible()
    drag(page, card, cell(page, world.team, its[1]))
    expect(page.locator("#board-status")).to_contain_text("Saved")
    expect(cell(page, world.team, its[1]).locator(f"#card-story-{s.pk}")).to_be_visible()
    page.reload()
    page.locator(f"#team-row-{world.team.pk}.is-expanded").wait_for()
    expect(cell(page, world.team, its[1]).locator(f"#card-story-{s.pk}")).to_be_visible()
    s.refresh_from_db()
    assert (s.iteration_id, s.version) == (its[1].pk, 2)


def test_a_string_turns_red_when_its_provider_is_dragged_past_the_needed_by_iteration(
    signed_in, live_server, world, board
):
    page = signed_in("rte")
    open_board(page, live_server, board)
    its, dep = board["its"], board["dependency"]
    line = page.locator(f'g.dep-line[data-dep="{dep.pk}"]')
    # Bravo delivers in iteration 2 what Alpha needs by iteration 3: a healthy string
    expect(line).to_have_class(re.compile(r"dep-line--healthy"))
    provider = page.locator(f"#card-feature-{board['bravo_feature'].pk}")
    drag(page, provider, cell(page, world.other_team, its[3], kind="features"))
    expect(page.locator("#board-status")).to_contain_text("Saved")
    # the string is redrawn from the card's new place, red: a conflict, with the icon as well
    expect(line).to_have_class(re.compile(r"dep-line--conflict"))
    expect(line.locator("text")).to_have_text("✕")
    assert "after it is needed" in line.locator("path title").text_content()
    expect(page.locator("#dependency-summary")).to_contain_text("1 conflict")
    x = page.evaluate(
        f"""() => {{
            const d = document.querySelector('g.dep-line[data-dep="{dep.pk}"] path').getAttribute('d');
            return parseFloat(d.slice(1).split(' ')[0]);
        }}"""
    )
    card_box = page.locator(f"#card-feature-{board['bravo_feature'].pk}").bounding_box()
    grid_box = page.locator("#board-grid").bounding_box()
    assert (
        abs((card_box["x"] - grid_box["x"]) - x) < 4
        or abs((card_box["x"] + card_box["width"] - grid_box["x"]) - x) < 4
    )


def test_the_keyboard_move_menu(signed_in, live_server, world, board):
    page = signed_in("member")
    open_board(page, live_server, board)
    its, s = board["its"], board["alpha_story"]
    page.locator(f"#team-row-{world.team.pk} [data-expand]").press("Enter")
    menu = page.get_by_role("link", name=f"Move {s.key}")
    menu.focus()
    menu.press("Enter")
    dialog = page.get_by_role("dialog", name=f"Move {s.key}")
    expect(dialog).to_be_visible()
    # focus is in the dialog, on the team
    expect(dialog.get_by_label("Team")).to_be_focused()
    dialog.get_by_label("Team").press("Tab")
    expect(dialog.get_by_label("Iteration")).to_be_focused()
    dialog.get_by_label("Iteration").select_option(value=str(its[3].pk))
    dialog.get_by_label("Iteration").press("Tab")
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Move")).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#board-status")).to_contain_text(f"Saved: {s.key} is now in Alpha · Iteration 4")
    # focus comes back to the moved card's menu, in its new place
    expect(cell(page, world.team, its[3]).get_by_role("link", name=f"Move {s.key}")).to_be_focused()
    s.refresh_from_db()
    assert s.iteration_id == its[3].pk


def test_the_ip_iteration_refuses_a_feature_with_a_visible_message(signed_in, live_server, world, board):
    page = signed_in("product")
    open_board(page, live_server, board)
    its, f = board["its"], board["alpha_feature"]
    ip = its[-1]
    expect(page.locator(f"#col-{ip.pk}")).to_contain_text("IP · no feature load")
    drag(page, page.locator(f"#card-feature-{f.pk}"), cell(page, world.team, ip, kind="features"))
    message = IP_NO_FEATURE_LOAD
    expect(page.locator("#board-status")).to_contain_text(message)
    expect(page.locator(f"#cell-{world.team.pk}-{ip.pk} .bcell__refusal")).to_be_visible()
    # the card is back where it was, and nothing changed
    expect(cell(page, world.team, its[2], kind="features").locator(f"#card-feature-{f.pk}")).to_be_visible()
    f.refresh_from_db()
    assert (f.iteration_id, f.version) == (its[2].pk, 1)


def test_a_viewer_cannot_drag(signed_in, live_server, world, board):
    page = signed_in("viewer")
    open_board(page, live_server, board)
    its, f = board["its"], board["alpha_feature"]
    drag(page, page.locator(f"#card-feature-{f.pk}"), cell(page, world.team, its[0], kind="features"))
    page.wait_for_timeout(300)
    expect(cell(page, world.team, its[2], kind="features").locator(f"#card-feature-{f.pk}")).to_be_visible()
    f.refresh_from_db()
    assert f.version == 1


def test_link_two_cards_into_a_dependency(signed_in, live_server, world, board):
    page = signed_in("member")
    open_board(page, live_server, board)
    requester, provider = board["alpha_feature"], board["bravo_feature"]
    page.get_by_role("button", name="Link cards").click()
    expect(page.locator("#board-status")).to_contain_text("pick the feature that needs something")
    page.locator(f"#card-feature-{requester.pk} .bcard__title").click()
    expect(page.locator("#board-status")).to_contain_text("Now pick the feature that provides it")
    page.locator(f"#card-feature-{provider.pk} .bcard__title").click()
    dialog = page.get_by_role("dialog", name="New dependency")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Requesting feature")).to_have_value(str(requester.pk))
    expect(dialog.get_by_label("Providing feature")).to_have_value(str(provider.pk))
    dialog.get_by_label("Title").fill("Payout ledger events")
    dialog.get_by_role("button", name="Add dependency").click()
    expect(dialog).to_be_hidden()
    created = Dependency.objects.get(title="Payout ledger events")
    expect(page.locator(f'g.dep-line[data-dep="{created.pk}"]')).to_have_count(1)
    expect(page.locator("#board-status")).to_contain_text(f"Dependency {created.key} added")


def test_focus_on_a_team_and_search(signed_in, live_server, world, board):
    page = signed_in("viewer")
    open_board(page, live_server, board)
    requester, provider = board["alpha_feature"], board["bravo_feature"]
    page.get_by_label("Focus").select_option(str(world.other_team.pk))
    expect(page.locator(f"#card-feature-{provider.pk}")).to_have_class(re.compile("is-focus"))
    # Alpha's feature depends on Bravo's: it is highlighted as related, not dimmed
    expect(page.locator(f"#card-feature-{requester.pk}")).to_have_class(re.compile("is-related"))
    page.get_by_label("Focus").select_option("")
    page.get_by_label("Find a card by key or title").fill("instant")
    expect(page.locator(f"#card-feature-{requester.pk}")).to_have_class(re.compile("is-match"))
    expect(page.locator("#board-matches")).to_have_text("1 card matches")


def test_drag_a_feature_from_the_ranked_backlog_onto_the_board(signed_in, live_server, world, board):
    waiting = Feature.objects.create(
        train=world.train,
        title="Refund reconciliation",
        user_business_value=8,
        time_criticality=5,
        risk_reduction=3,
        job_size=2,
        state="analyzing",
    )
    page = signed_in("product")
    open_board(page, live_server, board)
    page.get_by_role("button", name="Lists").click()
    row = page.locator(f"#backlog-feature-{waiting.pk}")
    expect(row).to_contain_text("8.00")  # WSJF (8 + 5 + 3) / 2, two decimals
    expect(row).to_contain_text("Train backlog")
    target = cell(page, world.other_team, board["its"][0], kind="features")
    drag(page, row, target)
    expect(page.locator("#board-status")).to_contain_text(
        f"Saved: {waiting.key} is now in Bravo · Iteration 1"
    )
    expect(target.locator(f"#card-feature-{waiting.pk}")).to_be_visible()
    expect(page.locator(f"#backlog-feature-{waiting.pk}")).to_contain_text("Iteration 1")
    waiting.refresh_from_db()
    assert (waiting.pi_id, waiting.team_id, waiting.iteration_id) == (
        world.pi.pk,
        world.other_team.pk,
        board["its"][0].pk,
    )


def test_members_get_no_move_menu_on_cards_they_cannot_move_and_link_by_keyboard(
    signed_in, live_server, world, board
):
    page = signed_in("member")
    open_board(page, live_server, board)
    requester, provider = board["alpha_feature"], board["bravo_feature"]
    # features are product management's to move: no menu, not draggable
    for f in (requester, provider):
        expect(page.locator(f"#card-feature-{f.pk} [data-card-menu]")).to_have_count(0)
        expect(page.locator(f"#card-feature-{f.pk}[data-movable]")).to_have_count(0)
    # the pick buttons appear in link mode only, and link from the keyboard
    pick = page.get_by_role("button", name=f"Pick {requester.key} for a dependency")
    expect(pick).to_be_hidden()
    page.get_by_role("button", name="Link cards").click()
    pick.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#board-status")).to_contain_text("Now pick the feature that provides it")
    page.get_by_role("button", name=f"Pick {provider.key} for a dependency").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="New dependency")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_label("Requesting feature")).to_have_value(str(requester.pk))
    expect(dialog.get_by_label("Providing feature")).to_have_value(str(provider.pk))


HEAD_PARTS = ".brow__name, .bcard__team, .brow__toggle, .brow__capacity"


def test_the_board_and_the_capacity_page_fit_a_phone(signed_in, live_server, world, board, password):
    from decimal import Decimal

    from art.models import TeamMember
    from art.services.tokens import api_token_create

    world.team.name = "Card Acquiring Platform"
    world.team.save()
    for n in range(12):
        Story.objects.create(train=world.train, team=world.team, iteration=board["its"][0], title=f"S{n}")
    for name in ("Amara Hartmann", "Ben Santos", "Dana Larsen"):
        TeamMember.objects.create(team=world.team, name=name, fte=Decimal(1))
    api_token_create(user=world.rte, name="CI pipeline that syncs the tracker every night")
    page = signed_in("rte")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + board["url"])
    expect(page.locator("#board-grid")).to_be_visible()
    # the page itself never scrolls sideways: the board scrolls in its own box
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # the team column's name, initials, stories toggle and people link stay inside it
    for head in page.locator(".brow__head[data-team-head]").all():
        box = head.bounding_box()
        for part in head.locator(HEAD_PARTS).all():
            inner = part.bounding_box()
            assert inner["x"] + inner["width"] <= box["x"] + box["width"] + 0.5, part.text_content()
    capacity = f"/trains/{world.train.slug}/teams/{world.team.pk}/capacity/?pi={world.pi.pk}"
    for url in (capacity, f"/trains/{world.train.slug}/pis/{world.pi.pk}/", "/account/tokens/"):
        page.goto(live_server.url + url)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
