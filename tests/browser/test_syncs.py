"""What only a browser shows of the ART sync: the facilitator starts the sync, each section counts
down, "Next section" moves on and the clock survives a reload; the minutes are recorded live;
the action item raised here is on the next sync's agenda."""

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from sync.models import ActionItem, Decision
from tests.sync.helpers import now_rounded, sync_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_running_an_art_sync(signed_in, live_server, world):
    # given this week's sync and next week's
    this_week = sync_at(world, now_rounded() + dt.timedelta(hours=1))
    next_week = sync_at(world, this_week.starts_at + dt.timedelta(days=7))
    page = signed_in("member")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server.url}/trains/{world.train.slug}/events/{this_week.pk}/")

    # when the facilitator starts the sync, the first section counts down
    expect(page.get_by_text("Not started · 90 min")).to_be_visible()
    page.get_by_role("button", name="Start the sync").click()
    trend = page.locator("#section-trend")
    expect(trend).to_have_attribute("aria-current", "step")
    expect(trend.locator("[data-countdown]")).to_have_text(re.compile(r"^(10:00|9:5\d) left$"))
    # and "Next section" moves on, by keyboard too
    page.get_by_role("button", name="Next section").click()
    blockers = page.locator("#section-blockers")
    expect(blockers).to_have_attribute("aria-current", "step")
    expect(trend).to_have_class(re.compile("is-done"))
    page.get_by_role("button", name="Next section").press("Enter")
    expect(page.locator("#section-risks")).to_have_attribute("aria-current", "step")
    # and a reload keeps the clock where it was
    page.reload()
    expect(page.locator("#section-risks")).to_have_attribute("aria-current", "step")
    expect(page.locator("#section-risks [data-countdown]")).to_have_text(re.compile(r"left$"))

    # when the sync records a decision and an action item
    page.get_by_role("textbox", name="Decision").fill("Freeze the wallet scope for this PI")
    page.get_by_role("button", name="Record decision").click()
    expect(page.locator("#sync-minutes")).to_contain_text("Freeze the wallet scope for this PI")
    page.get_by_role("textbox", name="Action").fill("Book the integration lab")
    page.get_by_role("textbox", name="Owner").fill("Priya")
    page.get_by_role("button", name="Add action item").click()
    expect(page.locator("#sync-minutes")).to_contain_text("Book the integration lab")
    # then the agenda's summary lists it at once, and the clock still runs
    expect(page.locator("#section-summary")).to_contain_text("Book the integration lab")
    expect(page.locator("#section-risks")).to_have_attribute("aria-current", "step")
    assert Decision.objects.filter(event=this_week).count() == 1
    assert ActionItem.objects.get().event_id == this_week.pk

    # and next week's sync carries it over until it is done
    page.goto(f"{live_server.url}/trains/{world.train.slug}/events/{next_week.pk}/")
    summary = page.locator("#section-summary")
    expect(summary).to_contain_text("Book the integration lab")
    expect(summary).to_contain_text("Carried over")
    summary.get_by_role("button", name=re.compile("Done")).click()
    expect(summary).to_contain_text("No open action item")
    assert ActionItem.objects.get().status == "done"
