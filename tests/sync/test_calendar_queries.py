"""The calendar page, an event's page, the events list endpoint and the feed answer in a number of
queries that does not grow with the number of events (nor PIs, holidays or history)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from art.models import ProgramIncrement
from pi_planning.models import Holiday
from sync import services
from tests.sync.calendar_helpers import at, calendar_url, event_url, slot

pytestmark = pytest.mark.django_db


def count(client, url, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries)


def more_events(world, n: int, serial: list[int]) -> None:
    """n more PIs of the train, each with its generated calendar, a hand-made event, a holiday, a
    cancellation: two-week PIs one after the other from Monday 16 March 2026, after the world's
    PI (PIs of a train never overlap), all inside March – May 2026."""
    for _ in range(n):
        serial[0] += 1
        i = serial[0]
        start = dt.date(2026, 3, 16) + dt.timedelta(weeks=2 * (i - 1))
        pi = ProgramIncrement.objects.create(
            train=world.train, name=f"PI x{i}", start_date=start, end_date=start + dt.timedelta(days=13)
        )
        pi.iterations.create(
            number=1, name="Iteration 1", start_date=start, end_date=start + dt.timedelta(days=13)
        )
        services.pi_events_generate(actor=world.rte, pi=pi)
        services.event_cancel(actor=world.rte, event=slot(pi, "demo-1"))
        services.event_create(
            actor=world.rte,
            train=world.train,
            kind="po_sync",
            starts_at=at(start, 16),
            ends_at=at(start, 17),
            pi=pi,
            location=f"Room {i}",
        )
        Holiday.objects.create(train=world.train, date=start + dt.timedelta(days=2), name=f"Day off {i}")


@pytest.mark.parametrize("role", ["rte", "viewer"])
def test_the_calendar_page(calendar_world, page_as, role):
    client = page_as(role)
    url = calendar_url(calendar_world.train, "2026-03-01")
    client.get(url)  # the person's feed is made on first use
    serial = [0]
    more_events(calendar_world, 1, serial)
    few = count(client, url)
    more_events(calendar_world, 4, serial)
    assert count(client, url) == few
    assert few <= 12


def test_the_calendar_fragment(calendar_world, page_as):
    client = page_as("viewer")
    url = calendar_url(calendar_world.train, "2026-03-01")
    client.get(url)  # the person's feed is made on first use
    serial = [0]
    more_events(calendar_world, 1, serial)
    few = count(client, url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar-body")
    more_events(calendar_world, 3, serial)
    assert count(client, url, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="calendar-body") == few


def test_an_events_page(calendar_world, page_as):
    client = page_as("rte")
    event = slot(calendar_world.pi, "demo-1")
    few = count(client, event_url(event))
    for n in range(5):
        services.event_update(actor=calendar_world.rte, event=event, notes=f"Note {n}")
    assert count(client, event_url(event)) == few
    assert count(client, event_url(event) + "?edit=1") <= few + 1


def test_the_events_list(calendar_world, api_as):
    api = api_as("viewer")
    serial = [0]
    more_events(calendar_world, 1, serial)
    few = count(api, "/api/v1/events/?start=2026-03-01&end=2026-05-31")
    more_events(calendar_world, 4, serial)
    assert count(api, "/api/v1/events/?start=2026-03-01&end=2026-05-31") == few
    assert count(api, "/api/v1/events/") <= few


def test_the_feed(calendar_world, client, monkeypatch):
    token = services.calendar_feed_token(user=calendar_world.viewer)
    url = reverse("sync:calendar_feed", kwargs={"token": token})
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC))
    serial = [0]
    few = count(client, url)
    more_events(calendar_world, 4, serial)
    assert count(client, url) == few == 3  # the feed and its person, their trains, the events


def test_the_cadence_page(calendar_world, page_as):
    client = page_as("rte")
    url = reverse("sync:cadence", kwargs={"slug": calendar_world.train.slug})
    few = count(client, url)
    more_events(calendar_world, 3, [0])
    assert count(client, url) == few
