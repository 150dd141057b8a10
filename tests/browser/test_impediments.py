"""What only a browser shows on the impediment log: raising one from a phone (one column, big
targets, nothing wider than the screen, a refusal next to its field) and resolving it with the
keyboard alone."""

import pytest
from playwright.sync_api import expect

from sync.models import Impediment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True}


@pytest.fixture
def phone(browser, live_server, world, password):
    """A phone's page, signed in as the world's team member."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("member")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/trains/")
    yield page
    context.close()


def test_raising_an_impediment_from_a_phone_and_resolving_it_by_keyboard(phone, live_server, world):
    page = phone
    page.goto(f"{live_server.url}/trains/{world.train.slug}/impediments/")
    # The empty log leads to the form, which is open.
    expect(page.get_by_text("No impediments logged yet")).to_be_visible()
    page.get_by_role("link", name="Raise the first impediment").click()
    form = page.get_by_role("form", name="Raise an impediment")
    title = form.get_by_label("What is in the way?")
    expect(title).to_be_focused()
    # One column of big targets, nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    boxes = [form.locator(f"#id_impediment-{name}").bounding_box() for name in ("category", "team", "owner")]
    assert len({round(box["x"]) for box in boxes}) == 1 and all(box["width"] > 300 for box in boxes)
    assert all(box["height"] >= 44 for box in boxes)
    submit = form.get_by_role("button", name="Raise impediment")
    assert submit.bounding_box()["width"] > 300 and submit.bounding_box()["height"] >= 44
    expect(form.locator("#id_impediment-team")).to_have_value(str(world.team.pk))  # the member's team
    # A date in the future is refused next to its field, keeping what was typed.
    title.fill("Staging down since Monday")
    form.get_by_label("Category", exact=True).select_option("environment")
    form.get_by_text("Needs the RTE or other teams").tap()
    form.locator("#id_impediment-created_at").fill("2199-01-01")
    submit.tap()
    form = page.get_by_role("form", name="Raise an impediment")
    expect(form).to_contain_text(
        "An impediment cannot date from the future: created_at must be now or earlier"
    )
    expect(form.locator("#id_impediment-created_at")).to_be_focused()
    expect(form.get_by_label("What is in the way?")).to_have_value("Staging down since Monday")
    assert not Impediment.objects.exists()
    # Without the date, it is raised: the log shows it, its Resolve button focused.
    form.locator("#id_impediment-created_at").fill("")
    form.get_by_role("button", name="Raise impediment").tap()
    impediment = page.locator(".impediment").first
    expect(impediment).to_contain_text("Staging down since Monday")
    expect(impediment).to_contain_text("Open · 0 days")
    expect(impediment).to_contain_text("Escalated to the ART")
    expect(page.locator("#toasts")).to_contain_text("Impediment “Staging down since Monday” raised.")
    resolve = impediment.get_by_role("button", name="Resolve Staging down since Monday")
    expect(resolve).to_be_focused()
    assert Impediment.objects.get().escalation == "art"
    # Resolved with the keyboard alone: Enter on the focused button; focus stays on the card.
    page.keyboard.press("Enter")
    expect(impediment).to_contain_text("Resolved after 0 days")
    reopen = impediment.get_by_role("button", name="Reopen Staging down since Monday")
    expect(reopen).to_be_focused()
    expect(page.locator("#impediment-counts dd")).to_have_text(["0", "0", "1"])  # open, aging, resolved
    assert Impediment.objects.get().status == "resolved"
