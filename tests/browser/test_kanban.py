"""What only a browser shows on the ART Kanban: dragging a card into a column at its WIP limit,
giving the reason it asks for, and seeing the column marked over its limit; and the same kind of
move made by keyboard through the card's "Move to…" menu."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from art.models import Feature, WipBreach
from tests.art.factories import FeatureFactory, FeatureTransitionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _feature(world, state: str, title: str, team=None) -> Feature:
    feature = FeatureFactory(train=world.train, state=state, team=team or world.team, title=title)
    FeatureTransitionFactory(
        feature=feature, from_state="", to_state=state, at=timezone.now() - dt.timedelta(days=2)
    )
    return feature


def _drag(page, card, target) -> None:
    box, goal = card.bounding_box(), target.bounding_box()
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + 15
    x1, y1 = goal["x"] + goal["width"] / 2, goal["y"] + 20
    page.mouse.move(x0, y0)
    page.mouse.down()
    for step in range(1, 16):
        page.mouse.move(x0 + (x1 - x0) * step / 15, y0 + (y1 - y0) * step / 15)
        page.wait_for_timeout(30)
    page.mouse.up()


def test_dragging_into_a_full_column_asks_for_a_reason_and_marks_it_over(signed_in, live_server, world):
    _feature(world, "in_progress", "Card vault migration")
    pulled = _feature(world, "ready", "Instant refunds")
    world.train.wip_limits = {"in_progress": 1}
    world.train.kanban_policies = {"in_progress": "A team has pulled it."}
    world.train.save()
    page = signed_in("rte")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/trains/{world.train.slug}/kanban/")
    expect(page.locator("#kanban-head-in_progress")).to_contain_text("Full: 1 of 1")
    ready = page.locator('.kanban-cell[data-state="ready"]')
    in_progress = page.locator('.kanban-cell[data-state="in_progress"]')
    # when the card is dragged from Ready into In progress
    _drag(page, page.locator(f"#feature-card-{pulled.pk}"), in_progress)
    # then it comes back to Ready with the limit's words, the column's policy and a reason field
    asking = page.locator(f"#feature-card-{pulled.pk}-asking")
    expect(asking).to_contain_text("In progress is at its WIP limit of 1")
    expect(asking).to_contain_text("A team has pulled it.")
    expect(ready.locator(f"#feature-card-{pulled.pk}")).to_be_visible()
    assert Feature.objects.get(pk=pulled.pk).state == "ready"
    reason = asking.get_by_label("Reason to go over the limit")
    expect(reason).to_be_focused()
    reason.fill("Regulator deadline")
    asking.get_by_role("button", name="Move to In progress").click()
    # and the move is made, the column marked over its limit, the breach recorded
    expect(page.locator("#kanban-head-in_progress")).to_contain_text("Over limit: 2 of 1")
    expect(page.locator(f'.kanban-cell[data-state="in_progress"] #feature-card-{pulled.pk}')).to_be_visible()
    breach = WipBreach.objects.get()
    assert breach.reason == "Regulator deadline" and breach.feature_id == pulled.pk
    assert Feature.objects.get(pk=pulled.pk).state == "in_progress"


def test_the_move_menu_is_the_keyboard_alternative(signed_in, live_server, world):
    feature = _feature(world, "in_progress", "Payout statements")
    page = signed_in("member")
    page.goto(f"{live_server.url}/trains/{world.train.slug}/kanban/")
    card = page.locator(f"#feature-card-{feature.pk}")
    menu = card.locator("summary", has_text="Move to…")
    menu.focus()
    page.keyboard.press("Enter")
    # a member is offered only the moves of the team's rule
    items = card.locator(".menu__item")
    expect(items).to_have_text(["Review", "Blocked", "Awaiting deploy"])
    items.filter(has_text="Review").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f'.kanban-cell[data-state="review"] #feature-card-{feature.pk}')).to_be_visible()
    assert Feature.objects.get(pk=feature.pk).state == "review"
