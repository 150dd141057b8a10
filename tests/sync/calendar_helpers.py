"""What the calendar's tests share: the world's train in Berlin with its PI's calendar generated,
a factory for events added by hand, and clients signed in per role. Import the fixtures you use:
`from tests.sync.calendar_fixtures import berlin, calendar_world, page_as, api_as`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from sync import services
from sync.models import Event

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in Berlin."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


class EventFactory(factory.django.DjangoModelFactory):
    """An event added by hand (no slot), on Monday 12 January 2026 at 15:00 in Berlin."""

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Event {n}")
    kind = Event.Kind.ART_SYNC
    starts_at = factory.LazyFunction(lambda: at(dt.date(2026, 1, 12), 15))
    ends_at = factory.LazyAttribute(lambda e: e.starts_at + dt.timedelta(hours=1))
    edited = True


@pytest.fixture
def berlin(world):
    """The world's train in Europe/Berlin; its PI (PI 26.1) runs Mon 5 Jan – Sun 15 Mar 2026:
    iterations 1–4 of two weeks from 5 Jan, 19 Jan, 2 Feb and 16 Feb, the IP iteration from 2 Mar."""
    world.train.time_zone = "Europe/Berlin"
    world.train.save(update_fields=["time_zone"])
    return world


@pytest.fixture
def calendar_world(berlin):
    """The world in Berlin with PI 26.1's calendar generated: 10 Wednesday syncs, 4 demos, I&A
    (Wed 11 Mar) and PI planning (Thu 12 – Fri 13 Mar)."""
    services.pi_events_generate(actor=berlin.rte, pi=berlin.pi)
    return berlin


def slot(pi, name: str) -> Event:
    return Event.objects.get(pi=pi, slot=name)


@pytest.fixture
def page_as(client, world):
    """page_as("rte") -> the test client signed in as that role (None: signed out)."""

    def sign_in(role):
        client.logout()
        if role is not None:
            client.force_login(world.user(role) if isinstance(role, str) else role)
        return client

    return sign_in


@pytest.fixture
def api_as(world):
    """api_as("viewer") -> an API client signed in as that role (None: anonymous)."""

    def sign_in(role):
        api = APIClient()
        if role is not None:
            api.force_login(world.user(role) if isinstance(role, str) else role)
        return api

    return sign_in


def calendar_url(train, start: str = "") -> str:
    url = reverse("sync:calendar", kwargs={"slug": train.slug})
    return f"{url}?start={start}" if start else url


def event_url(event, name: str = "event") -> str:
    return reverse(f"sync:{name}", kwargs={"slug": event.train.slug, "event_id": event.pk})
