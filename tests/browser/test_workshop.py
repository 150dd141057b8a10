"""What only a browser shows of Inspect & Adapt's workshop: the RTE opens it and writes the
problem, causes go onto the fishbone with their whys, two people vote dots from their own
browsers (one by keyboard) and the Pareto chart reorders as they do, and the top cause becomes
an improvement item targeted at the next PI."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sync.models import Cause, CauseVote, ImprovementItem, Workshop
from tests.art.factories import PIFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/trains/")


def pareto_order(page):
    return page.locator("#pareto .pareto__row th").all_inner_texts()


def test_a_workshop_from_problem_to_improvement_item(signed_in, live_server, world, browser, password):
    next_pi = PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))
    url = f"{live_server.url}/trains/{world.train.slug}/pis/{world.pi.pk}/inspect-adapt/"
    rte = signed_in("rte")
    rte.set_viewport_size({"width": 1440, "height": 900})
    rte.goto(url + "#workshop-part")

    # the RTE opens the workshop and writes the problem
    rte.get_by_role("button", name="Open the workshop").click()
    problem = rte.get_by_role("textbox", name="Problem statement")
    expect(problem).to_be_focused()
    problem.fill("Features slip out of their iteration")
    rte.get_by_role("button", name="Save the problem").click()
    expect(rte.locator(".fishbone__head")).to_contain_text("Features slip out of their iteration")

    # causes go onto the fishbone with their whys, one more why inline
    add = rte.get_by_role("form", name="Add a cause")
    add.get_by_label("Bone").select_option("environment")
    add.get_by_role("textbox", name="Cause", exact=True).fill("Shared staging is down")
    add.get_by_role("textbox", name="Whys, one per line").fill("One staging for the train\nNo budget")
    add.get_by_role("button", name="Add the cause").click()
    expect(rte.locator("#bone-environment")).to_contain_text("Shared staging is down")
    add.get_by_label("Bone").select_option("process")
    add.get_by_role("textbox", name="Cause", exact=True).fill("Integration tests run only at night")
    add.get_by_role("button", name="Add the cause").click()
    expect(rte.locator("#bone-process")).to_contain_text("Integration tests run only at night")
    staging, nightly = Cause.objects.order_by("id")
    why = rte.locator(f"#id_why-{staging.pk}-why")
    why.fill("Nobody owns the environments")
    why.press("Enter")
    expect(rte.locator(f"#cause-{staging.pk} .whys")).to_contain_text("Why 3")
    assert Cause.objects.get(pk=staging.pk).whys[-1] == "Nobody owns the environments"

    # the RTE puts 2 dots on the staging cause: it leads the Pareto chart
    rte.get_by_role("button", name="One more dot on “Shared staging is down”").click()
    expect(rte.locator("[data-dots-left]")).to_have_text("4 dots left")
    rte.get_by_role("button", name="One more dot on “Shared staging is down”").click()
    expect(rte.locator("[data-dots-left]")).to_have_text("3 dots left")
    assert pareto_order(rte) == ["Shared staging is down", "Integration tests run only at night"]

    # a member, in their own browser, puts 3 dots on the nightly tests by keyboard
    member_context = browser.new_context(viewport={"width": 390, "height": 844})
    member = member_context.new_page()
    sign_in(member, live_server, "member", password)
    member.goto(url + "#dot-vote")
    plus = member.get_by_role("button", name="One more dot on “Integration tests run only at night”")
    for left in ("4", "3", "2"):
        plus.focus()
        member.keyboard.press("Enter")
        expect(member.locator("[data-dots-left]")).to_have_text(f"{left} dots left")
        plus = member.get_by_role("button", name="One more dot on “Integration tests run only at night”")
        expect(plus).to_be_focused()
    # then the Pareto chart reorders: 3 dots against 2
    expect(member.locator("#pareto .pareto__row th").first).to_have_text(
        "Integration tests run only at night"
    )
    expect(member.locator(f'#pareto g[data-cause="{nightly.pk}"]')).to_have_attribute("data-rank", "1")
    member_context.close()
    assert sorted(CauseVote.objects.values_list("dots", flat=True)) == [2, 3]

    # the RTE sees the new order and turns the top cause into an improvement item for the next PI
    rte.reload()
    assert pareto_order(rte) == ["Integration tests run only at night", "Shared staging is down"]
    with rte.expect_response(lambda r: f"cause={nightly.pk}" in r.url):
        rte.get_by_role("link", name="Turn the top cause into an improvement item").click()
    form = rte.locator("#item-form")
    expect(form.get_by_role("textbox", name="Title")).to_be_focused()  # the form was swapped in
    expect(form.get_by_role("textbox", name="Title")).to_have_value("Integration tests run only at night")
    expect(form.get_by_label("Target PI")).to_have_value(str(next_pi.pk))
    form.get_by_role("textbox", name="Title").fill("Contract tests for the partner APIs")
    form.get_by_role("textbox", name="Owner").fill("Mateo Silva")
    form.get_by_role("button", name="Write the item").click()
    expect(rte.locator("#items .ws-items")).to_contain_text("Contract tests for the partner APIs")
    expect(rte.locator("#items .ws-items")).to_contain_text(re.compile("PI 26.2"))

    item = ImprovementItem.objects.get()
    workshop = Workshop.objects.get()
    assert (item.target_pi_id, item.workshop_id, item.cause_id, item.owner) == (
        next_pi.pk,
        workshop.pk,
        nightly.pk,
        "Mateo Silva",
    )
