"""A person's iCal feed (RFC 5545), parsed back with icalendar: what it holds, whose it is, and
that calendar apps keep recognising its events (UIDs) across regenerations and moves.

The feed is read as on Tuesday 20 January 2026, 12:00 UTC: it holds the events from 21 December
2025 (30 days back) to 21 April 2026 (a quarter ahead), so the whole of PI 26.1 (7 Jan – 13 Mar)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from art import services as art_services
from art.models import Membership
from sync import services
from sync.models import CalendarFeed, Event
from sync.services.feeds import feed_user
from tests.art.factories import MembershipFactory, PIFactory, TrainFactory, UserFactory
from tests.sync.calendar_helpers import at, slot

pytestmark = pytest.mark.django_db

READ_AT = dt.datetime(2026, 1, 20, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def read(client, monkeypatch):
    """read(user) -> (response, parsed calendar) of the user's feed, fetched without signing in."""

    def fetch(user, token=None):
        token = token or services.calendar_feed_token(user=user)
        monkeypatch.setattr(timezone, "now", lambda: READ_AT)
        try:
            response = client.get(reverse("sync:calendar_feed", kwargs={"token": token}))
        finally:
            monkeypatch.undo()
        parsed = Calendar.from_ical(response.content) if response.status_code == 200 else None
        return response, parsed

    return fetch


def vevents(cal):
    return cal.walk("VEVENT")


def by_uid(cal):
    return {str(e["UID"]): e for e in vevents(cal)}


def test_the_feed_parses_back_with_every_event_in_its_zone(calendar_world, read):
    # given a viewer of the train
    response, cal = read(calendar_world.viewer)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert (str(cal["VERSION"]), str(cal["PRODID"])) == ("2.0", "-//Railyard//Train calendar//EN")
    assert str(cal["X-WR-CALNAME"]) == "Railyard: Payments ART"
    # then the 16 events of PI 26.1, each in Berlin with Berlin's VTIMEZONE
    events = vevents(cal)
    assert len(events) == 16
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    first = events[0]
    sync = slot(calendar_world.pi, "sync-w1-2")
    assert str(first["SUMMARY"]) == "Payments ART: ART sync · Iteration 1"
    assert first["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert first.decoded("DTSTART") == at(dt.date(2026, 1, 7), 10)
    assert first.decoded("DTSTART").utcoffset() == dt.timedelta(hours=1)  # CET
    assert first.decoded("DTEND") == at(dt.date(2026, 1, 7), 11, 30)
    assert str(first["UID"]) == f"event-{sync.pk}@railyard"
    assert (str(first["STATUS"]), int(first["SEQUENCE"])) == ("CONFIRMED", 1)
    assert f"http://testserver/trains/payments/events/{sync.pk}/" in str(first["DESCRIPTION"])
    assert first.decoded("LAST-MODIFIED") == sync.updated_at.replace(microsecond=0)
    # PI planning spans two days
    planning = by_uid(cal)[f"event-{slot(calendar_world.pi, 'pi-planning').pk}@railyard"]
    assert (planning.decoded("DTSTART"), planning.decoded("DTEND")) == (
        at(dt.date(2026, 3, 12), 9),
        at(dt.date(2026, 3, 13), 17),
    )


def test_uids_stay_and_sequence_rises_across_regeneration_and_moves(calendar_world, read):
    world, pi = calendar_world, calendar_world.pi
    _, before = read(world.viewer)
    uids = set(by_uid(before))
    # when iteration 2 ends on Thursday 29 Jan and the calendar is generated again,
    iteration = pi.iterations.get(number=2)
    art_services.iteration_update(actor=world.rte, iteration=iteration, end_date=dt.date(2026, 1, 29))
    services.pi_calendar_generate(actor=world.rte, pi=pi)
    # and the RTE moves the first sync and cancels the second
    moved = services.event_update(
        actor=world.rte,
        event=slot(pi, "sync-w1-2"),
        starts_at=at(dt.date(2026, 1, 8), 10),
        ends_at=at(dt.date(2026, 1, 8), 11),
    )
    cancelled = services.event_cancel(actor=world.rte, event=slot(pi, "sync-w2-2"))
    _, after = read(world.viewer)
    events = by_uid(after)
    # then the same UIDs: calendar apps update the events they have
    assert set(events) == uids
    demo = events[f"event-{slot(pi, 'demo-2').pk}@railyard"]
    assert demo.decoded("DTSTART") == at(dt.date(2026, 1, 29), 14) and int(demo["SEQUENCE"]) == 2
    first = events[f"event-{moved.pk}@railyard"]
    assert first.decoded("DTSTART") == at(dt.date(2026, 1, 8), 10) and int(first["SEQUENCE"]) == 2
    assert str(events[f"event-{cancelled.pk}@railyard"]["STATUS"]) == "CANCELLED"


def test_a_regenerated_url_refuses_the_old_token_and_serves_the_new(calendar_world, read):
    old = services.calendar_feed_token(user=calendar_world.viewer)
    new = services.calendar_feed_regenerate(actor=calendar_world.viewer)
    assert new != old and CalendarFeed.objects.filter(user=calendar_world.viewer).count() == 1
    assert read(calendar_world.viewer, old)[0].status_code == 404
    response, cal = read(calendar_world.viewer, new)
    assert response.status_code == 200 and len(vevents(cal)) == 16


def test_another_trains_events_never_appear(calendar_world, read):
    # given the outsider's own train, with a PI and its calendar
    elsewhere = Membership.objects.get(user=calendar_world.outsider).train
    elsewhere.time_zone = "America/New_York"
    elsewhere.save()
    pi = PIFactory(train=elsewhere, name="PI X")
    services.pi_events_generate(actor=calendar_world.outsider, pi=pi)
    # then each feed holds its own train's events only
    _, viewers = read(calendar_world.viewer)
    _, outsiders = read(calendar_world.outsider)
    assert {str(e["SUMMARY"]).split(":")[0] for e in vevents(viewers)} == {"Payments ART"}
    assert {str(e["SUMMARY"]).split(":")[0] for e in vevents(outsiders)} == {"Elsewhere ART"}
    assert not set(by_uid(viewers)) & set(by_uid(outsiders))
    assert [tz["TZID"] for tz in outsiders.walk("VTIMEZONE")] == ["America/New_York"]


def test_a_member_of_two_trains_gets_both_and_a_leaver_none(calendar_world, read):
    second = TrainFactory(name="Freight ART")
    PIFactory(train=second)
    services.pi_events_generate(actor=None, pi=second.pis.get())
    MembershipFactory(user=calendar_world.viewer, train=second, role="viewer")
    _, cal = read(calendar_world.viewer)
    assert str(cal["X-WR-CALNAME"]) == "Railyard: 2 trains" and len(vevents(cal)) == 32
    Membership.objects.filter(user=calendar_world.viewer).delete()
    _, cal = read(calendar_world.viewer)
    assert vevents(cal) == []


@pytest.mark.parametrize("role", ["rte", "viewer", "member", "business_owner"])
def test_every_role_gets_a_feed(calendar_world, read, role):
    response, cal = read(calendar_world.user(role))
    assert response.status_code == 200 and len(vevents(cal)) == 16


def test_unknown_malformed_and_borrowed_tokens_answer_404(calendar_world, read):
    viewer, rte = calendar_world.viewer, calendar_world.rte
    signature = services.calendar_feed_token(user=viewer).split(".")[1]
    services.calendar_feed_token(user=rte)
    for token in (
        "nothing",
        f"{viewer.pk}",
        f"{viewer.pk}.{'0' * 64}",
        f"{rte.pk}.{signature}",
        f"0{viewer.pk}.{signature}",
    ):
        assert read(viewer, token)[0].status_code == 404, token
        assert feed_user(token) is None
    # an account switched off: its feed goes with it
    viewer.is_active = False
    viewer.save()
    assert read(viewer)[0].status_code == 404


def test_a_user_without_a_feed_yet_has_none_to_guess(db):
    user = UserFactory()
    assert feed_user(f"{user.pk}.{'a' * 64}") is None
    assert not CalendarFeed.objects.filter(user=user).exists()


def test_events_outside_the_window_are_left_out(calendar_world, read):
    # an event in 2025, long before the 30 days back, and one in May 2026, beyond the quarter
    services.event_create(
        actor=calendar_world.rte,
        train=calendar_world.train,
        kind="art_sync",
        starts_at=at(dt.date(2025, 11, 5), 10),
        ends_at=at(dt.date(2025, 11, 5), 11),
    )
    services.event_create(
        actor=calendar_world.rte,
        train=calendar_world.train,
        kind="art_sync",
        starts_at=at(dt.date(2026, 5, 5), 10),
        ends_at=at(dt.date(2026, 5, 5), 11),
    )
    assert Event.objects.count() == 18
    assert len(vevents(read(calendar_world.viewer)[1])) == 16
