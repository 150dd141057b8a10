"""What only a browser shows: signing in, htmx swaps, the confirm dialog, keyboard use."""

import re

import pytest
from playwright.sync_api import expect

from art.models import Team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_rte_signs_in_and_sees_teams_and_pis(signed_in, live_server, world):
    page = signed_in("rte")
    expect(page.get_by_role("heading", name="My trains")).to_be_visible()
    page.get_by_role("link", name="Payments ART").click()
    expect(page).to_have_url(f"{live_server.url}/trains/payments/")
    teams = page.locator("#teams")
    expect(teams.get_by_role("link", name="Alpha", exact=True)).to_be_visible()
    expect(teams.get_by_role("link", name="Bravo", exact=True)).to_be_visible()
    expect(page.locator("#pis").get_by_role("link", name="PI 26.1")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Payments ART").get_by_role("link", name="Train overview")
    ).to_have_attribute("aria-current", "page")


def test_the_rte_adds_a_team_through_the_htmx_form(signed_in, live_server, world):
    page = signed_in("rte")
    page.goto(f"{live_server.url}/trains/payments/")
    form = page.get_by_role("form", name="Add a team")
    form.get_by_label("Name").fill("Charlie")
    form.get_by_label("Kind").select_option("platform")
    form.get_by_role("button", name="Add team").click()
    expect(page.locator("#teams").get_by_role("link", name="Charlie", exact=True)).to_be_visible()
    expect(page.locator("#toasts")).to_contain_text("Team Charlie added.")
    # The section was swapped in place, and the name field is ready for the next team.
    expect(page).to_have_url(f"{live_server.url}/trains/payments/")
    expect(page.get_by_role("form", name="Add a team").get_by_label("Name")).to_be_focused()
    assert Team.objects.filter(train=world.train, name="Charlie", kind="platform").exists()


def test_a_refused_team_name_is_shown_next_to_the_field(signed_in, live_server, world):
    page = signed_in("rte")
    page.goto(f"{live_server.url}/trains/payments/")
    form = page.get_by_role("form", name="Add a team")
    form.get_by_label("Name").fill("Alpha")
    form.get_by_role("button", name="Add team").click()
    expect(page.locator("#teams")).to_contain_text(
        "Name must be unique within the train: another team has it"
    )
    expect(page.get_by_role("form", name="Add a team").get_by_label("Name")).to_be_focused()
    assert Team.objects.filter(train=world.train).count() == 2


def test_deleting_asks_in_a_dialog_and_cancel_returns_focus(signed_in, live_server, world):
    page = signed_in("rte")
    page.goto(f"{live_server.url}/trains/payments/")
    delete = page.get_by_role("button", name="Delete Bravo")
    delete.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Delete the team Bravo?")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(delete).to_be_focused()
    assert Team.objects.filter(pk=world.other_team.pk).exists()

    delete.click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    # Bravo's member goes with it: the row says so and asks once more, with the button focused
    box = page.get_by_role("alertdialog")
    expect(box).to_contain_text("Deleting Bravo also deletes 1 membership.")
    confirm = box.get_by_role("button", name="Delete Bravo and all of it")
    expect(confirm).to_be_focused()
    assert Team.objects.filter(pk=world.other_team.pk).exists()
    confirm.click()
    expect(page.locator("#teams")).not_to_contain_text("Bravo")
    assert not Team.objects.filter(pk=world.other_team.pk).exists()


def test_the_first_tab_reaches_the_skip_link(signed_in, live_server, world):
    page = signed_in("rte")
    page.goto(f"{live_server.url}/trains/payments/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


def test_the_phone_layout_collapses_the_train_navigation(signed_in, live_server, world):
    page = signed_in("rte")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/trains/payments/")
    nav_link = page.get_by_role("link", name="Train overview")
    expect(nav_link).to_be_hidden()
    toggle = page.get_by_role("button", name="Train menu")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav_link).to_be_visible()
