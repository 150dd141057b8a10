"""The role × endpoint matrix of the exports and feeds: CSV and Markdown downloads, the print
view, and the iCal feed, × eight personas (tests/role_matrix.py). Exports are reads (`view`):
every seated role downloads them, the RTE of another train gets 404, a signed-out visitor is
sent to sign in. The iCal feed is signed by its token instead of a session: the token is the
credential, so every persona gets the token owner's feed, a made-up token 404, and the feed of
the RTE of another train holds nothing of this train."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.role_matrix import PERSONAS, READ, World, attempt, build_world, client_for, expected, verdict
from tests.test_role_matrix_pages import Page, path_of

EXPORTS: dict[str, Page] = {
    "art:kanban_aging_csv": Page(READ),
    "pi_planning:board_csv": Page(READ),
    "pi_planning:board_print": Page(READ),
    "metrics:dashboard_csv": Page(READ, expand="chart"),
    "metrics:forecast_csv": Page(READ),
    "sync:sync_summary_md": Page(READ),
    "sync:release_notes_md": Page(READ),
    "sync:calendar_feed": Page(READ, expand="token"),  # checked by its own tests below
}
CONTENT_TYPES = {"csv": "text/csv", "md": "text/markdown", "print": "text/html"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def downloads(world: World) -> list[tuple[str, str]]:
    out = []
    for key, page in EXPORTS.items():
        if page.expand == "chart":
            out += [(key, chart) for chart in world.charts]
        elif page.expand != "token":
            out.append((key, ""))
    return out


@pytest.mark.django_db
def test_every_export_answers_each_persona_by_the_policy(world):
    cases = downloads(world)
    assert len(cases) >= len(EXPORTS) - 1 + 6  # every chart of the dashboard has a CSV
    wrong = []
    for key, value in cases:
        url = path_of(world, key, EXPORTS[key], value)
        kind = "csv" if key.endswith("csv") else "md" if key.endswith("_md") else "print"
        for persona in PERSONAS:
            client = client_for(world, persona)
            response, changed = attempt(client.get, url)
            want = expected(EXPORTS[key].rule, persona, api=False)
            problem = verdict(response, changed, want)
            ok = not problem and want != "login" and response.status_code == 200
            if ok and not response["Content-Type"].startswith(CONTENT_TYPES[kind]):
                problem = f"Content-Type {response['Content-Type']}"
            if problem:
                wrong.append(f"GET {url} as {persona}: {problem}")
    assert wrong == []


@pytest.mark.django_db
def test_the_ical_feed_answers_its_token_whoever_asks(world):
    from sync.services.feeds import calendar_feed_token

    own = path_of(world, "sync:calendar_feed", EXPORTS["sync:calendar_feed"], world["feed_token"])
    made_up = path_of(world, "sync:calendar_feed", EXPORTS["sync:calendar_feed"], "5.not-a-signature")
    outsiders = path_of(
        world,
        "sync:calendar_feed",
        EXPORTS["sync:calendar_feed"],
        calendar_feed_token(user=world.users["outsider"]),
    )
    event_uid = f"{world['event'].pk}@"
    for persona in PERSONAS:
        client = client_for(world, persona)
        response, changed = attempt(client.get, own)
        assert response.status_code == 200, persona
        assert response["Content-Type"].startswith("text/calendar")
        assert not changed
        assert world.train.name.encode() in response.content or b"BEGIN:VEVENT" in response.content
        response, changed = attempt(client.get, made_up)
        assert response.status_code == 404, persona
        assert not changed
    # the RTE of another train: a feed, with nothing of this train in it
    response, _ = attempt(client_for(world, "anonymous").get, outsiders)
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" not in response.content
    assert world.train.name.encode() not in response.content
    assert event_uid.encode() not in response.content or b"BEGIN:VEVENT" not in response.content
