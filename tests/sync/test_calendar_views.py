"""The calendar's pages: the calendar (month grids and agenda), an event's page, the cadence; full
pages and their htmx fragments; the RTE's writes with and without JavaScript; who sees what.

PI 26.1 (the world's, in Berlin) runs Mon 5 Jan – Sun 15 Mar 2026; its calendar: Wednesday syncs
7 Jan … 11 Mar at 10:00, demos Fri 16 Jan … 27 Feb at 14:00, I&A Wed 11 Mar, PI planning Thu 12 –
Fri 13 Mar."""

import datetime as dt
import json

import pytest
from django.http import HttpResponse
from django.urls import reverse

from art.rules.events import SYNC_WEEKDAYS_RULE
from sync import services
from sync.models import Decision, Event, SyncCadence
from sync.services.calendar import HOLDS_MINUTES
from tests.sync.calendar_helpers import at, calendar_url, event_url, slot

pytestmark = pytest.mark.django_db

JANUARY = "2026-01-01"  # January to March 2026: the whole of PI 26.1


def text(response) -> str:
    """The page with its whitespace runs made single spaces."""
    return " ".join(response.content.decode().split())


def toast(response) -> str:
    return json.loads(response["HX-Trigger"])["toast"]["message"]


# --- the calendar page --------------------------------------------------------------------------


def test_the_rte_sees_three_months_of_grids_the_agenda_and_the_tools(calendar_world, page_as):
    response = page_as("rte").get(calendar_url(calendar_world.train, JANUARY))
    assert response.status_code == 200
    html = response.content.decode()
    # three whole months from the first of January, Monday first
    for month in ("January 2026", "February 2026", "March 2026"):
        assert month in html
    assert 'id="month-2026-04"' not in html
    assert '<abbr title="Monday">Mon</abbr>' in html.split("<tbody>")[0].split("January 2026")[1]
    # each event a link to its page, with its time in the train's zone and its kind in words
    demo = slot(calendar_world.pi, "demo-1")
    assert event_url(demo) in html
    assert "14:00–15:00" in html and "System demo" in html
    # PI planning covers two days: "from 09:00" then "until 17:00"
    assert "from 09:00" in html and "until 17:00" in html
    # the RTE's tools: generate per open PI, add an event, the cadence; everyone's feed
    assert (
        "Generate again" in html
        and reverse("sync:calendar_generate", kwargs={"slug": "payments", "pi_id": calendar_world.pi.pk})
        in html
    )
    assert "Add an event" in html and "Cadence settings" in html
    assert "Your calendar feed" in html and "/calendar/" in html and ".ics" in html


def test_a_viewer_reads_the_calendar_without_the_rtes_tools(calendar_world, page_as):
    html = page_as("viewer").get(calendar_url(calendar_world.train, JANUARY)).content.decode()
    assert "ART sync · Iteration 1" in html
    assert "Add an event" not in html and "Generate" not in html
    assert "Your calendar feed" in html and ">Cadence<" in html.replace("</svg>", ">")


def test_cancelled_events_are_struck_through_and_say_so(calendar_world, page_as):
    services.event_cancel(actor=calendar_world.rte, event=slot(calendar_world.pi, "sync-w2-2"))
    html = page_as("viewer").get(calendar_url(calendar_world.train, JANUARY)).content.decode()
    assert "<s>ART sync · Iteration 1</s>" in html  # the agenda
    assert "Cancelled" in html and "is-cancelled" in html


def test_today_is_marked_in_words_and_colour(calendar_world, page_as):
    html = page_as("viewer").get(calendar_url(calendar_world.train)).content.decode()
    assert 'aria-current="date"' in html and "month__day--today" in html
    assert '<span class="today-tag">Today</span>' in html


def test_holidays_show_on_their_day(calendar_world, page_as):
    from pi_planning.models import Holiday

    Holiday.objects.create(train=calendar_world.train, date=dt.date(2026, 2, 27), name="Company day")
    html = page_as("viewer").get(calendar_url(calendar_world.train, JANUARY)).content.decode()
    assert "Company day" in html


def test_paging_by_month_and_a_bad_start_is_today(calendar_world, page_as):
    client = page_as("viewer")
    html = client.get(calendar_url(calendar_world.train, "2026-02")).content.decode()
    assert 'id="month-2026-02"' in html and 'id="month-2026-04"' in html and 'id="month-2026-01"' not in html
    assert "?start=2026-01-01" in html and "?start=2026-03-01" in html  # earlier, later
    assert client.get(calendar_url(calendar_world.train, "1026-13-45")).status_code == 200


def test_an_empty_calendar_leads_the_rte_to_generating_it(berlin, page_as):
    html = text(page_as("rte").get(calendar_url(berlin.train, JANUARY)))
    assert "No events yet — generate PI 26.1's calendar" in html
    assert "Generate PI 26.1's calendar</button>" in html
    viewer = page_as("viewer").get(calendar_url(berlin.train, JANUARY)).content.decode()
    assert "No events yet" in viewer and "The RTE generates each PI" in viewer
    assert "<button" not in viewer.split('id="calendar-body"')[1].split('id="calendar-feed"')[0]


def test_the_calendar_fragment_for_htmx(calendar_world, page_as, htmx):
    page_as("viewer")
    response = htmx.get(
        calendar_url(calendar_world.train, "2026-02-01") + "&focus=calendar-later", target="calendar-body"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'data-focus-after-swap="calendar-later"' in html
    assert html.lstrip().startswith('<div id="calendar-body"') and "February 2026" in html


@pytest.mark.parametrize("role, status", [("outsider", 404), (None, 302)])
def test_outsiders_get_404_and_anonymous_sign_in(calendar_world, page_as, role, status):
    response = page_as(role).get(calendar_url(calendar_world.train))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("login"))


# --- generating ---------------------------------------------------------------------------------


def generate_url(world):
    return reverse("sync:calendar_generate", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk})


def test_generating_without_javascript_says_what_it_did(berlin, page_as):
    response = page_as("rte").post(generate_url(berlin), {"start": JANUARY}, follow=True)
    assert response.redirect_chain[-1][0] == calendar_url(berlin.train, JANUARY)
    assert "PI 26.1&#x27;s calendar generated: 16 added, 0 moved, 0 removed." in response.content.decode()
    assert Event.objects.filter(pi=berlin.pi).count() == 16


def test_generating_with_htmx_answers_the_calendar_and_a_toast(calendar_world, page_as, htmx):
    page_as("rte")
    response = htmx.post(generate_url(calendar_world), {"start": JANUARY}, target="calendar-body")
    assert response.status_code == 200
    assert toast(response) == "PI 26.1's calendar was up to date: nothing added, moved or removed."
    html = response.content.decode()
    assert f'data-focus-after-swap="generate-{calendar_world.pi.pk}"' in html  # the keyboard stays there
    assert html.lstrip().startswith('<div id="calendar-body"') and 'hx-swap-oob="true"' in html


@pytest.mark.parametrize("role, status", [("viewer", 403), ("member", 403), ("outsider", 404)])
def test_only_the_rte_generates(berlin, page_as, role, status):
    assert page_as(role).post(generate_url(berlin)).status_code == status
    assert not Event.objects.filter(pi=berlin.pi).exists()


# --- adding an event ----------------------------------------------------------------------------


def add(client, world, **fields):
    data = {
        "kind": "system_demo",
        "title": "Demo rehearsal",
        "starts_at": "2026-01-15T15:00",
        "ends_at": "2026-01-15T16:00",
        "pi": world.pi.pk,
        "location": "Room 2",
        "notes": "",
        "start": JANUARY,
        **fields,
    }
    return client.post(reverse("sync:event_create", kwargs={"slug": world.train.slug}), data)


def test_adding_an_event_reads_times_in_the_trains_zone(berlin, page_as):
    response = add(page_as("rte"), berlin)
    event = Event.objects.get(title="Demo rehearsal")
    assert response.status_code == 302 and response["Location"] == event_url(event)
    # 15:00 in Berlin in January is 14:00 UTC
    assert event.starts_at == dt.datetime(2026, 1, 15, 14, 0, tzinfo=dt.UTC)
    assert (event.pi, event.slot, event.edited, event.location) == (berlin.pi, "", True, "Room 2")


def test_adding_with_htmx_answers_the_calendar_and_a_fresh_form(berlin, page_as, htmx):
    page_as("rte")
    response = htmx.post(
        reverse("sync:event_create", kwargs={"slug": berlin.train.slug}),
        {
            "kind": "art_sync",
            "title": "",
            "starts_at": "2026-01-15T10:00",
            "ends_at": "2026-01-15T11:00",
            "start": JANUARY,
        },
    )
    assert response.status_code == 200
    assert toast(response) == "“ART sync” added on Thu 15 Jan 2026 at 10:00."
    html = response.content.decode()
    assert 'id="add-event"' in html and 'hx-swap-oob="true"' in html and "Thu 15 Jan" in html


@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"ends_at": "2026-01-15T14:00"}, "ends_at", "Ends_at must be after starts_at"),
        (
            {"starts_at": "1926-01-15T15:00", "ends_at": "1926-01-15T16:00"},
            "starts_at",
            "Starts_at is out of range: dates must lie between 1990-01-01 and 2199-12-31",
        ),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_added(
    berlin, page_as, htmx, fields, field, message
):
    response = add(page_as("rte"), berlin, **fields)
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_event-{field}_errors"' in html and message in html
    assert not Event.objects.exists()
    # with htmx: the form alone, where it was
    response = htmx.post(
        reverse("sync:event_create", kwargs={"slug": berlin.train.slug}),
        {"kind": "system_demo", "starts_at": "2026-01-15T15:00", "ends_at": "2026-01-15T16:00", **fields},
    )
    assert response.status_code == 422 and response["HX-Retarget"] == "#add-event"
    assert message in response.content.decode() and not Event.objects.exists()


def test_a_viewer_may_not_add(berlin, page_as):
    assert add(page_as("viewer"), berlin).status_code == 403
    assert not Event.objects.exists()


# --- an event's page ----------------------------------------------------------------------------


def test_an_events_page_says_when_in_the_trains_zone(calendar_world, page_as):
    event = slot(calendar_world.pi, "demo-1")
    html = page_as("viewer").get(event_url(event)).content.decode()
    assert "System demo · Iteration 1" in html
    assert "Friday 16 January 2026, 14:00" in html and "15:00" in html and "Europe/Berlin, CET" in html
    assert "1 hour" in html and "PI 26.1" in html and "Generated from the train" in html
    assert "Edit or move" not in html and "Cancel event" not in html


def test_sync_kinds_are_handed_to_the_sync_page_when_it_answers(calendar_world, page_as, monkeypatch):
    from sync.views import syncs

    seen = []

    def sync_page(request, train, event):
        seen.append(event.kind)
        return HttpResponse("the ART sync page")

    monkeypatch.setattr(syncs, "sync_page", sync_page)
    client = page_as("viewer")
    assert client.get(event_url(slot(calendar_world.pi, "sync-w1-2"))).content == b"the ART sync page"
    assert b"System demo" in client.get(event_url(slot(calendar_world.pi, "demo-1"))).content
    assert seen == ["art_sync"]


def test_without_a_sync_page_a_sync_gets_the_event_page(calendar_world, page_as):
    response = page_as("viewer").get(event_url(slot(calendar_world.pi, "sync-w1-2")))
    assert response.status_code == 200 and b"ART sync \xc2\xb7 Iteration 1" in response.content


def test_the_rte_edits_and_moves_an_event(calendar_world, page_as, htmx):
    event = slot(calendar_world.pi, "demo-1")
    client = page_as("rte")
    form = client.get(event_url(event) + "?edit=1").content.decode()
    assert 'value="2026-01-16T14:00"' in form and 'value="2026-01-16T15:00"' in form
    response = client.post(
        event_url(event, "event_update"),
        {
            "kind": "system_demo",
            "title": "System demo · Iteration 1",
            "starts_at": "2026-01-15T14:00",
            "ends_at": "2026-01-15T15:30",
            "pi": calendar_world.pi.pk,
            "location": "Room 1",
            "notes": "Moved: the Friday is a team day.",
            "version": event.version,
        },
    )
    assert response.status_code == 302
    moved = Event.objects.get(pk=event.pk)
    assert (moved.starts_at, moved.edited, moved.version) == (at(dt.date(2026, 1, 15), 14), True, 2)
    # the same form, stale, with htmx: 409, nothing saved, the current event shown
    response = htmx.post(
        event_url(event, "event_update"),
        {
            "kind": "system_demo",
            "title": "Late",
            "starts_at": "2026-01-15T14:00",
            "ends_at": "2026-01-15T15:30",
            "version": 1,
        },
    )
    assert response.status_code == 409 and "Someone else changed this event" in response.content.decode()
    assert Event.objects.get(pk=event.pk).title == "System demo · Iteration 1"


def test_moving_an_event_to_end_before_it_starts_is_refused_in_the_same_words(calendar_world, page_as):
    event = slot(calendar_world.pi, "demo-1")
    response = page_as("rte").post(
        event_url(event, "event_update"),
        {"kind": "system_demo", "title": "x", "starts_at": "2026-01-16T14:00", "ends_at": "2026-01-16T13:00"},
    )
    assert response.status_code == 422 and "Ends_at must be after starts_at" in response.content.decode()
    assert Event.objects.get(pk=event.pk).version == 1


def test_cancel_and_plan_again(calendar_world, page_as, htmx):
    event = slot(calendar_world.pi, "demo-2")
    page_as("rte")
    response = htmx.post(
        event_url(event, "event_state"), {"state": "cancelled", "version": 1}, target="event-details"
    )
    assert response.status_code == 200 and toast(response) == "“System demo · Iteration 2” is cancelled."
    assert (
        "<s>System demo · Iteration 2</s>" in response.content.decode()
        and "Plan it again" in response.content.decode()
    )
    assert Event.objects.get(pk=event.pk).state == "cancelled"
    htmx.post(event_url(event, "event_state"), {"state": "planned"})
    assert Event.objects.get(pk=event.pk).state == "planned"


def test_deleting_an_event_and_the_refusal_when_it_holds_minutes(calendar_world, page_as, htmx):
    client = page_as("rte")
    gone = slot(calendar_world.pi, "demo-3")
    response = client.post(event_url(gone, "event_delete"), follow=True)
    assert response.redirect_chain[-1][0] == calendar_url(calendar_world.train)
    assert "deleted" in response.content.decode() and not Event.objects.filter(pk=gone.pk).exists()
    # an event with minutes: no delete button; a delete anyway is refused with the rule's words
    kept = slot(calendar_world.pi, "sync-w1-2")
    Decision.objects.create(event=kept, text="Ship it")
    page = client.get(event_url(kept) + "?details=1").content.decode()  # a sync's details page
    assert event_url(kept, "event_delete") not in page and "cancel it instead" in page
    response = htmx.post(event_url(kept, "event_delete"))
    assert response.status_code == 422 and HOLDS_MINUTES[1:] in response.content.decode()
    assert Event.objects.filter(pk=kept.pk).exists()


@pytest.mark.parametrize("name", ["event_update", "event_state", "event_delete"])
@pytest.mark.parametrize("role, status", [("viewer", 403), ("product", 403), ("outsider", 404)])
def test_only_the_rte_changes_an_event(calendar_world, page_as, name, role, status):
    event = slot(calendar_world.pi, "demo-1")
    assert page_as(role).post(event_url(event, name), {"state": "cancelled"}).status_code == status
    assert Event.objects.get(pk=event.pk).version == 1


def test_an_event_page_for_outsiders_and_anonymous(calendar_world, page_as):
    event = slot(calendar_world.pi, "demo-1")
    assert page_as("outsider").get(event_url(event)).status_code == 404
    assert page_as(None).get(event_url(event)).status_code == 302


def test_the_event_details_fragment(calendar_world, page_as, htmx):
    event = slot(calendar_world.pi, "demo-1")
    page_as("rte")
    html = htmx.get(event_url(event) + "?edit=1", target="event-details").content.decode()
    assert html.lstrip().startswith('<div id="event-details"') and "<html" not in html
    assert 'name="starts_at"' in html


# --- the cadence --------------------------------------------------------------------------------


def cadence_url(world):
    return reverse("sync:cadence", kwargs={"slug": world.train.slug})


def cadence_data(**changes):
    data = {
        "sync_weekdays": ["1", "3"],
        "sync_time": "09:30",
        "sync_minutes": "60",
        "coach_sync_minutes": "45",
        "po_sync_minutes": "45",
        "demo_time": "14:00",
        "demo_minutes": "60",
        "ia_time": "09:00",
        "ia_minutes": "240",
        "planning_start": "09:00",
        "planning_end": "17:00",
    }
    data.update(changes)
    return data


def test_everyone_reads_the_cadence_and_only_the_rte_gets_the_form(calendar_world, page_as):
    viewer = text(page_as("viewer").get(cadence_url(calendar_world)))
    assert "Weekly, Wednesday at 10:00: 90 minutes" in viewer and "Save cadence" not in viewer
    assert "Save cadence" in page_as("rte").get(cadence_url(calendar_world)).content.decode()
    assert page_as("viewer").post(cadence_url(calendar_world), cadence_data()).status_code == 403
    assert page_as("outsider").get(cadence_url(calendar_world)).status_code == 404


def test_saving_the_cadence_regenerates_the_open_pis(calendar_world, page_as):
    response = page_as("rte").post(cadence_url(calendar_world), cadence_data(), follow=True)
    assert "Cadence saved. The calendar of PI 26.1 follows it" in text(response)
    assert "Twice weekly, Tuesday and Thursday at 09:30: 60 minutes" in text(response)
    # Tuesday 6 January 09:30, for an hour
    tuesday = slot(calendar_world.pi, "sync-w1-1")
    assert (tuesday.starts_at, tuesday.ends_at) == (
        at(dt.date(2026, 1, 6), 9, 30),
        at(dt.date(2026, 1, 6), 10, 30),
    )
    assert not Event.objects.filter(pi=calendar_world.pi, slot="sync-w1-2").exists()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"sync_weekdays": ["5"]}, "sync_weekdays", SYNC_WEEKDAYS_RULE),
        (
            {"sync_minutes": "120"},
            "sync_minutes",
            "sync_minutes must be between 30 and 90: an ART sync lasts 30 to 90 minutes",
        ),
        ({"ia_minutes": "60"}, "ia_minutes", "ia_minutes must be between 180 and 240"),
        ({"planning_end": "08:00"}, "planning_end", "planning_end must be after planning_start"),
    ],
)
def test_a_bad_cadence_is_refused_in_the_rules_words_and_nothing_changes(
    calendar_world, page_as, htmx, changes, field, message
):
    response = page_as("rte").post(cadence_url(calendar_world), cadence_data(**changes))
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_cadence-{field}_errors"' in html and message[1:] in html
    assert not SyncCadence.objects.exists()
    assert slot(calendar_world.pi, "sync-w1-2").version == 1
    # the fragment, with htmx
    response = htmx.post(cadence_url(calendar_world), cadence_data(**changes), target="cadence")
    assert response.status_code == 422 and response.content.decode().lstrip().startswith('<div id="cadence"')


def test_the_cadence_fragment(calendar_world, page_as, htmx):
    page_as("viewer")
    html = htmx.get(cadence_url(calendar_world), target="cadence").content.decode()
    assert html.lstrip().startswith('<div id="cadence"') and "<html" not in html


# --- the feed URL -------------------------------------------------------------------------------


def test_regenerating_the_feed_url(calendar_world, page_as, htmx, client):
    viewer = calendar_world.viewer
    old = services.calendar_feed_token(user=viewer)
    page_as("viewer")
    response = htmx.post(
        reverse("sync:calendar_feed_regenerate", kwargs={"slug": "payments"}), target="calendar-feed"
    )
    assert response.status_code == 200 and "the old one no longer works" in toast(response)
    new = services.calendar_feed_token(user=viewer)
    assert new != old and new in response.content.decode()
    assert response.content.decode().lstrip().startswith('<section class="card section calendar-feed"')
    client.logout()
    assert client.get(reverse("sync:calendar_feed", kwargs={"token": old})).status_code == 404
    assert client.get(reverse("sync:calendar_feed", kwargs={"token": new})).status_code == 200


def test_regenerating_without_javascript_goes_back_to_the_feed(calendar_world, page_as):
    response = page_as("viewer").post(reverse("sync:calendar_feed_regenerate", kwargs={"slug": "payments"}))
    assert response.status_code == 302 and response["Location"].endswith("#calendar-feed")
