"""The calendar's REST face: `events/`, `pis/{id}/events/generate/`, `trains/{id}/cadence/`,
`trains/{id}/ical-url/`: fields, filters, statuses, the same refusals as the pages, who may.

PI 26.1 (in Berlin): Wednesday syncs 7 Jan … 11 Mar 2026, demos Fri 16 Jan, 30 Jan, 13 Feb, 27 Feb,
I&A Wed 11 Mar, PI planning Thu 12 – Fri 13 Mar: 16 events."""

import pytest
from django.urls import reverse

from art.rules.events import SYNC_WEEKDAYS_RULE
from sync.models import Decision, Event, SyncCadence
from sync.services.calendar import HOLDS_MINUTES
from tests.art.factories import PIFactory
from tests.sync.calendar_helpers import slot

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
FIELDS = {
    "id",
    "train",
    "pi",
    "kind",
    "title",
    "starts_at",
    "ends_at",
    "state",
    "location",
    "notes",
    "slot",
    "edited",
    "version",
    "created_at",
    "updated_at",
}


def generate_url(pi):
    return f"/api/v1/pis/{pi.pk}/events/generate/"


def cadence_url(train):
    return f"/api/v1/trains/{train.pk}/cadence/"


def test_the_events_list_with_its_fields(calendar_world, api_as):
    body = api_as("viewer").get(EVENTS).json()
    assert body["count"] == 16
    first = body["results"][0]
    assert set(first) == FIELDS
    # answered in UTC: Wed 7 Jan 2026 10:00 in Berlin is 09:00 UTC
    assert (first["starts_at"], first["ends_at"]) == ("2026-01-07T09:00:00Z", "2026-01-07T10:30:00Z")
    assert (first["kind"], first["state"], first["slot"], first["edited"], first["version"]) == (
        "art_sync",
        "planned",
        "sync-w1-2",
        False,
        1,
    )


@pytest.mark.parametrize(
    "query, count",
    [
        ("kind=system_demo", 4),
        ("kind=art_sync&state=planned", 10),
        ("state=cancelled", 0),
        # February in Berlin: syncs 4, 11, 18, 25 Feb and demos 13, 27 Feb
        ("start=2026-02-01&end=2026-02-28", 6),
        # PI planning (Thu 12 – Fri 13 Mar) is still running on the 13th
        ("start=2026-03-13", 1),
        ("end=2026-01-07", 1),
    ],
)
def test_filters(calendar_world, api_as, query, count):
    client = api_as("viewer")
    assert client.get(f"{EVENTS}?{query}").json()["count"] == count
    train = calendar_world.train.pk
    assert client.get(f"{EVENTS}?train={train}&pi={calendar_world.pi.pk}&{query}").json()["count"] == count


def test_day_filters_read_each_trains_zone(calendar_world, api_as):
    # an event at 00:30 in Berlin on 1 Feb is 23:30 UTC on 31 Jan: it belongs to 1 Feb
    api = api_as("rte")
    created = api.post(
        EVENTS,
        {
            "train": calendar_world.train.pk,
            "kind": "po_sync",
            "starts_at": "2026-02-01T00:30:00+01:00",
            "ends_at": "2026-02-01T00:45:00+01:00",
        },
        format="json",
    )
    assert created.status_code == 201
    on_first = api.get(f"{EVENTS}?start=2026-02-01&end=2026-02-01").json()["results"]
    assert [e["id"] for e in on_first] == [created.json()["id"]]


def test_bad_filters_answer_400(calendar_world, api_as):
    client = api_as("viewer")
    assert client.get(f"{EVENTS}?start=2026-13-01").status_code == 400
    assert client.get(f"{EVENTS}?kind=party").status_code == 400


def test_another_trains_events_are_not_listed(calendar_world, api_as):
    assert api_as("outsider").get(EVENTS).json()["count"] == 0
    event = slot(calendar_world.pi, "demo-1")
    assert api_as("outsider").get(f"{EVENTS}{event.pk}/").status_code == 404
    assert api_as(None).get(EVENTS).status_code == 401


def test_one_event_with_its_etag_and_history(calendar_world, api_as):
    event = slot(calendar_world.pi, "demo-1")
    response = api_as("viewer").get(f"{EVENTS}{event.pk}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    history = api_as("viewer").get(f"{EVENTS}{event.pk}/history/").json()
    assert [entry["action"] for entry in history] == ["created"]


def test_the_rte_adds_an_event(berlin, api_as):
    response = api_as("rte").post(
        EVENTS,
        {
            "train": berlin.train.pk,
            "pi": berlin.pi.pk,
            "kind": "system_demo",
            "starts_at": "2026-01-15T15:00:00+01:00",
            "ends_at": "2026-01-15T16:00:00+01:00",
            "location": "Room 2",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["title"], body["slot"], body["edited"], body["starts_at"]) == (
        "System demo",
        "",
        True,
        "2026-01-15T14:00:00Z",
    )
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize(
    "times, field, message",
    [
        (
            ("2026-01-15T15:00:00+01:00", "2026-01-15T14:00:00+01:00"),
            "ends_at",
            "ends_at must be after starts_at",
        ),
        (
            ("1926-01-15T15:00:00+01:00", "1926-01-15T16:00:00+01:00"),
            "starts_at",
            "starts_at is out of range: dates must lie between 1990-01-01 and 2199-12-31",
        ),
    ],
)
def test_bad_events_are_refused_in_the_pages_words(berlin, api_as, times, field, message):
    response = api_as("rte").post(
        EVENTS,
        {"train": berlin.train.pk, "kind": "art_sync", "starts_at": times[0], "ends_at": times[1]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()[field] == [message]
    assert not Event.objects.exists()


def test_moving_an_event_and_stale_versions(calendar_world, api_as):
    event = slot(calendar_world.pi, "demo-1")
    api = api_as("rte")
    url = f"{EVENTS}{event.pk}/"
    moved = api.patch(
        url,
        {"starts_at": "2026-01-15T13:00:00Z", "ends_at": "2026-01-15T14:00:00Z", "version": 1},
        format="json",
    )
    assert moved.status_code == 200
    assert (moved.json()["version"], moved.json()["edited"], moved["ETag"]) == (2, True, '"2"')
    # a stale body version: 409 with the current card; a stale If-Match: 412; nothing changes
    stale = api.patch(url, {"title": "Late", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["version"] == 2
    assert api.patch(url, {"title": "Late"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    # ending before it starts, on a move: 400 naming ends_at
    refused = api.patch(url, {"ends_at": "2026-01-15T12:00:00Z", "version": 2}, format="json")
    assert refused.status_code == 400 and refused.json() == {"ends_at": ["ends_at must be after starts_at"]}
    assert Event.objects.get(pk=event.pk).title == "System demo · Iteration 1"
    # cancelling is a state
    cancelled = api.patch(url, {"state": "cancelled", "version": 2}, format="json")
    assert cancelled.json()["state"] == "cancelled"
    # the train is fixed once created
    api.patch(url, {"train": 999, "version": 3}, format="json")
    assert Event.objects.get(pk=event.pk).train_id == calendar_world.train.pk


def test_deleting_and_the_minutes_rule(calendar_world, api_as):
    api = api_as("rte")
    demo, sync = slot(calendar_world.pi, "demo-1"), slot(calendar_world.pi, "sync-w1-2")
    assert api.delete(f"{EVENTS}{demo.pk}/").status_code == 204
    Decision.objects.create(event=sync, text="Ship it")
    refused = api.delete(f"{EVENTS}{sync.pk}/")
    assert refused.status_code == 400 and refused.json() == {"event": [HOLDS_MINUTES]}
    assert Event.objects.filter(pk=sync.pk).exists()


@pytest.mark.parametrize(
    "role, status", [("viewer", 403), ("product", 403), ("member", 403), ("outsider", 404), (None, 401)]
)
def test_writes_are_the_rtes(calendar_world, api_as, role, status):
    api = api_as(role)
    event = slot(calendar_world.pi, "demo-1")
    assert api.patch(f"{EVENTS}{event.pk}/", {"title": "Mine"}, format="json").status_code == status
    assert api.delete(f"{EVENTS}{event.pk}/").status_code == status
    create = api.post(
        EVENTS,
        {
            "train": calendar_world.train.pk,
            "kind": "art_sync",
            "starts_at": "2026-01-15T15:00:00Z",
            "ends_at": "2026-01-15T16:00:00Z",
        },
        format="json",
    )
    # an outsider names a train they cannot see: exactly like a missing one
    assert create.status_code == (400 if role == "outsider" else status)
    assert api.post(generate_url(calendar_world.pi)).status_code == status
    assert Event.objects.filter(pi=calendar_world.pi).count() == 16
    assert Event.objects.get(pk=event.pk).version == 1


def test_generating_through_the_api_is_idempotent(berlin, api_as):
    api = api_as("rte")
    first = api.post(generate_url(berlin.pi))
    assert first.status_code == 200 and len(first.json()) == 16
    assert set(first.json()[0]) == FIELDS
    again = api.post(generate_url(berlin.pi))
    assert [e["id"] for e in again.json()] == [e["id"] for e in first.json()]
    assert api.post("/api/v1/pis/999999/events/generate/").status_code == 404


def test_generating_another_trains_pi_is_not_found(berlin, api_as):
    other = PIFactory(name="PI elsewhere")
    assert api_as("rte").post(generate_url(other)).status_code == 404


# --- the cadence --------------------------------------------------------------------------------


def test_members_read_the_cadence(calendar_world, api_as):
    body = api_as("viewer").get(cadence_url(calendar_world.train)).json()
    assert body == {
        "train": calendar_world.train.pk,
        "sync_weekdays": [2],
        "sync_time": "10:00:00",
        "sync_minutes": 90,
        "separate_syncs": False,
        "coach_sync_minutes": 45,
        "po_sync_minutes": 45,
        "demo_time": "14:00:00",
        "demo_minutes": 60,
        "ia_time": "09:00:00",
        "ia_minutes": 240,
        "planning_start": "09:00:00",
        "planning_end": "17:00:00",
        "updated_at": None,
    }
    assert api_as("outsider").get(cadence_url(calendar_world.train)).status_code == 404
    assert api_as(None).get(cadence_url(calendar_world.train)).status_code == 401


def test_the_rte_changes_the_cadence_and_the_open_pi_follows(calendar_world, api_as):
    api = api_as("rte")
    response = api.patch(
        cadence_url(calendar_world.train), {"sync_weekdays": [3, 1], "sync_minutes": 60}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["sync_weekdays"], response.json()["sync_minutes"]) == ([1, 3], 60)
    assert response.json()["updated_at"] is not None
    assert Event.objects.filter(pi=calendar_world.pi, kind="art_sync").count() == 20
    current = api.get(cadence_url(calendar_world.train)).json()
    full = {k: v for k, v in current.items() if k not in {"train", "updated_at"}} | {"sync_time": "09:30"}
    assert api.put(cadence_url(calendar_world.train), full, format="json").json()["sync_time"] == "09:30:00"
    # a read-only field is refused, naming it, not silently ignored
    response = api.put(cadence_url(calendar_world.train), {**full, "train": 99}, format="json")
    assert (response.status_code, response.json()) == (
        400,
        {"train": ["train is read-only: it cannot be set here"]},
    )


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"sync_weekdays": [5]}, "sync_weekdays", SYNC_WEEKDAYS_RULE),
        ({"sync_weekdays": [0, 2, 4]}, "sync_weekdays", SYNC_WEEKDAYS_RULE),
        (
            {"sync_minutes": 120},
            "sync_minutes",
            "sync_minutes must be between 30 and 90: an ART sync lasts 30 to 90 minutes",
        ),
        (
            {"ia_minutes": 300},
            "ia_minutes",
            "ia_minutes must be between 180 and 240: Inspect & Adapt lasts 180 to 240 minutes",
        ),
    ],
)
def test_a_bad_cadence_answers_400_in_the_pages_words(calendar_world, api_as, change, field, message):
    response = api_as("rte").patch(cadence_url(calendar_world.train), change, format="json")
    assert response.status_code == 400 and response.json() == {field: [message]}
    assert not SyncCadence.objects.exists()


def test_only_the_rte_changes_the_cadence(calendar_world, api_as):
    assert (
        api_as("viewer")
        .patch(cadence_url(calendar_world.train), {"sync_minutes": 60}, format="json")
        .status_code
        == 403
    )
    assert (
        api_as("outsider")
        .patch(cadence_url(calendar_world.train), {"sync_minutes": 60}, format="json")
        .status_code
        == 404
    )
    assert not SyncCadence.objects.exists()


# --- the feed URL -------------------------------------------------------------------------------


def test_the_ical_url_is_the_callers_own(calendar_world, api_as):
    url = api_as("viewer").get(f"/api/v1/trains/{calendar_world.train.pk}/ical-url/").json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    assert url.split("/")[-1].split(".")[0] == str(calendar_world.viewer.pk)
    other = api_as("rte").get(f"/api/v1/trains/{calendar_world.train.pk}/ical-url/").json()["url"]
    assert other != url
    # it serves the feed, without credentials
    assert api_as(None).get(url).status_code == 200
    assert api_as("outsider").get(f"/api/v1/trains/{calendar_world.train.pk}/ical-url/").status_code == 404
    assert api_as(None).get(f"/api/v1/trains/{calendar_world.train.pk}/ical-url/").status_code == 401
    assert reverse("sync:calendar_feed", kwargs={"token": "1.x"}) == "/calendar/1.x.ics"
