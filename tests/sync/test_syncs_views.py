"""The ART sync page: its agenda and minutes, recorded live with htmx (full page and fragments),
who may record, bad input refused with the field named and nothing changed (page and API alike),
the one-page summary and its Markdown, the action items API, and the hourly job (run twice)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from sync import services
from sync.models import ActionItem, AgendaSnapshot, Decision, Escalation, Event
from sync.services import agendas_freeze_due, events_mark_held
from sync.tasks import events_hourly
from tests.sync.helpers import event_url, now_rounded, sync_at

pytestmark = pytest.mark.django_db


@pytest.fixture
def sync(world):
    return sync_at(world, now_rounded() + dt.timedelta(days=1))


def text(response) -> str:
    return response.content.decode()


def test_the_page_shows_the_agenda_and_the_minutes(world, client, sync):
    client.force_login(world.member)
    page = text(client.get(event_url(world, sync)))
    for title in (
        "Trend snapshot",
        "Cross-team blockers and dependencies",
        "Risks and ROAM updates, decisions",
    ):
        assert title in page
    assert "0–10 min" in page and "85–90 min" in page
    assert f'data-sync-clock data-event="{sync.pk}" data-minutes="90"' in page
    assert 'name="text"' in page and 'name="owner"' in page and 'name="why"' in page
    # a viewer reads, records nothing
    client.force_login(world.viewer)
    page = text(client.get(event_url(world, sync)))
    assert "Trend snapshot" in page and 'name="text"' not in page and "You read the minutes" in page
    # outside the train: not found
    client.force_login(world.outsider)
    assert client.get(event_url(world, sync)).status_code == 404


def test_minutes_are_recorded_live(world, client, htmx, sync):
    client.force_login(world.member)
    response = htmx.post(event_url(world, sync, "sync_decision_add"), {"text": "Move the demo to Thursday"})
    assert response.status_code == 200
    assert 'id="sync-minutes"' in text(response) and "Move the demo to Thursday" in text(response)
    assert "HX-Trigger" in response.headers and "Decision recorded" in response.headers["HX-Trigger"]
    response = htmx.post(
        event_url(world, sync, "sync_action_item_add"),
        {"title": "Book the lab", "owner": "Ana", "due_date": "2026-06-01"},
    )
    assert response.status_code == 200
    body = text(response)
    assert "Book the lab" in body and 'id="section-summary"' in body and 'hx-swap-oob="true"' in body
    response = htmx.post(
        event_url(world, sync, "sync_escalation_add"), {"to": "Business owners", "why": "Scope cut"}
    )
    assert response.status_code == 200 and "To Business owners:" in text(response)
    item = ActionItem.objects.get()
    assert (item.event, item.owner, item.due_date, item.created_by) == (
        sync,
        "Ana",
        dt.date(2026, 6, 1),
        world.member,
    )
    # mark it done from the agenda's summary: it leaves the summary
    response = htmx.post(
        f"{event_url(world, sync)}action-items/{item.pk}/status/", {"status": "done", "version": item.version}
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == "done" and item.done_at is not None
    # the fragment of one section, on its own
    response = htmx.get(event_url(world, sync, "sync_agenda") + "?section=summary")
    assert response.status_code == 200 and text(response).lstrip().startswith('<li class="agenda-section')
    assert "No open action item" in text(response)


def test_a_viewer_records_nothing(world, client, htmx, sync):
    client.force_login(world.viewer)
    assert htmx.post(event_url(world, sync, "sync_decision_add"), {"text": "Mine"}).status_code == 403
    assert (
        htmx.post(event_url(world, sync, "sync_action_item_add"), {"title": "A", "owner": "B"}).status_code
        == 403
    )
    assert (
        htmx.post(event_url(world, sync, "sync_escalation_add"), {"to": "A", "why": "B"}).status_code == 403
    )
    assert (
        not Decision.objects.exists() and not ActionItem.objects.exists() and not Escalation.objects.exists()
    )


def test_a_due_date_in_another_century_is_refused_naming_the_field_on_page_and_api(
    world, client, htmx, api, sync
):
    client.force_login(world.member)
    response = htmx.post(
        event_url(world, sync, "sync_action_item_add"),
        {"title": "Far away", "owner": "Ana", "due_date": "2999-01-01"},
    )
    assert response.status_code == 422
    page_words = re.search(r"2999-01-01 is out of range[^<]*", text(response)).group(0)
    assert "between 1990-01-01 and 2199-12-31" in page_words
    api.force_login(world.member)
    response = api.post(
        "/api/v1/action-items/",
        {
            "train": world.train.pk,
            "event": sync.pk,
            "title": "Far away",
            "owner": "Ana",
            "due_date": "2999-01-01",
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["due_date"] == [page_words.strip()]
    assert not ActionItem.objects.exists()
    # no owner, no text: refused with the field
    response = htmx.post(event_url(world, sync, "sync_action_item_add"), {"title": "Nobody's", "owner": ""})
    assert response.status_code == 422 and "owner is required" in text(response).lower()
    response = htmx.post(event_url(world, sync, "sync_decision_add"), {"text": "   "})
    assert response.status_code == 422 and "decision is required" in text(response).lower()
    assert not ActionItem.objects.exists() and not Decision.objects.exists()


def test_the_summary_reads_as_markdown(world, client, sync):
    services.decision_add(actor=world.rte, event=sync, text="Ship *fraud* v2 | behind a flag")
    services.action_item_create(
        actor=world.rte,
        train=world.train,
        event=sync,
        title="Tell support",
        owner="Ana",
        due_date=dt.date(2026, 6, 2),
    )
    earlier = sync_at(world, sync.starts_at - dt.timedelta(days=7))
    services.action_item_create(
        actor=world.rte, train=world.train, event=earlier, title="Old promise", owner="Ben"
    )
    services.escalation_add(actor=world.rte, event=sync, to="Portfolio", why="Budget for the lab")
    client.force_login(world.viewer)
    page = text(client.get(event_url(world, sync, "sync_summary")))
    assert "Copy as Markdown" in page and "Tell support" in page and "Carried over" in page
    response = client.get(event_url(world, sync, "sync_summary_md"))
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="payments-art_sync-')
    markdown = response.content.decode()
    assert "## Decisions\n\n- Ship \\*fraud\\* v2 \\| behind a flag\n" in markdown
    assert "- [ ] Tell support (owner: Ana, due 2026-06-02)" in markdown
    assert "Still open from earlier syncs:\n\n- [ ] Old promise (owner: Ben)" in markdown
    assert "- To Portfolio: Budget for the lab" in markdown


def test_action_items_api(world, api, sync):
    api.force_login(world.member)
    created = api.post(
        "/api/v1/action-items/",
        {
            "train": world.train.pk,
            "event": sync.pk,
            "title": "Fix the pipeline",
            "owner": "Ana",
            "due_date": "2026-06-05",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert {"id", "train", "event", "title", "owner", "due_date", "status", "created_at", "version"} <= set(
        body
    )
    assert body["status"] == "open" and created["ETag"] == '"1"'
    done = api.patch(f"/api/v1/action-items/{body['id']}/", {"status": "done", "version": 1}, format="json")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    stale = api.patch(f"/api/v1/action-items/{body['id']}/", {"title": "Again", "version": 1}, format="json")
    assert stale.status_code == 409
    assert api.get("/api/v1/action-items/?status=done").json()["count"] == 1
    assert api.get(f"/api/v1/action-items/?event={sync.pk}&status=open").json()["count"] == 0
    api.force_login(world.viewer)
    assert (
        api.post(
            "/api/v1/action-items/", {"train": world.train.pk, "title": "A", "owner": "B"}, format="json"
        ).status_code
        == 403
    )
    api.force_login(world.outsider)
    assert api.get(f"/api/v1/action-items/{body['id']}/").status_code == 404
    assert api.get("/api/v1/action-items/").json()["count"] == 0


def test_decisions_and_escalations_api(world, api, sync):
    api.force_login(world.product)
    made = api.post(f"/api/v1/events/{sync.pk}/decisions/", {"text": "Freeze scope"}, format="json")
    assert made.status_code == 201 and made.json()["created_by"] == "product"
    assert [d["text"] for d in api.get(f"/api/v1/events/{sync.pk}/decisions/").json()] == ["Freeze scope"]
    refused = api.post(f"/api/v1/events/{sync.pk}/escalations/", {"to": "", "why": "x"}, format="json")
    assert refused.status_code == 400 and "to" in refused.json()
    api.force_login(world.viewer)
    assert api.post(f"/api/v1/events/{sync.pk}/decisions/", {"text": "No"}, format="json").status_code == 403


def test_the_hourly_job_marks_held_and_freezes_each_agenda_once(world, sync):
    # given a sync starting in 30 minutes, one that ended yesterday, and one next week
    soon = sync_at(world, now_rounded() + dt.timedelta(minutes=30))
    past = sync_at(world, now_rounded() - dt.timedelta(days=1))
    services.action_item_create(
        actor=world.rte, train=world.train, event=soon, title="Seen at the sync", owner="Ana"
    )
    # when the hourly job runs twice
    first = events_hourly()
    second = events_hourly()
    # then the past one is held, the coming one's agenda frozen, exactly once
    assert first == {"held": 1, "frozen": 1} and second == {"held": 0, "frozen": 0}
    assert Event.objects.get(pk=past.pk).state == "held" and Event.objects.get(pk=sync.pk).state == "planned"
    assert AgendaSnapshot.objects.count() == 1
    snapshot = AgendaSnapshot.objects.get()
    assert snapshot.event == soon
    summary = next(s for s in snapshot.sections if s["key"] == "summary")
    assert [i["title"] for i in summary["items"]] == ["Seen at the sync"]
    # and the record keeps what the sync saw after the data moves on
    services.action_item_create(
        actor=world.rte, train=world.train, event=soon, title="Added later", owner="Ben"
    )
    agendas_freeze_due()
    snapshot.refresh_from_db()
    assert [i["title"] for i in next(s for s in snapshot.sections if s["key"] == "summary")["items"]] == [
        "Seen at the sync"
    ]
    assert events_mark_held(now=timezone.now()) == 0


def test_the_page_shows_the_frozen_agenda_once_frozen(world, client, sync):
    services.action_item_create(actor=world.rte, train=world.train, event=sync, title="Seen", owner="Ana")
    services.agenda_freeze(event=sync)
    services.action_item_create(
        actor=world.rte, train=world.train, event=sync, title="Added after", owner="Ben"
    )
    client.force_login(world.rte)
    page = text(client.get(event_url(world, sync)))

    def summary(html):
        return html[html.index('id="section-summary"') : html.index('<aside class="sync-minutes"')]

    assert "as the sync saw it" in page and "Seen" in summary(page) and "Added after" not in summary(page)
    live = text(client.get(event_url(world, sync) + "?live=1"))
    assert "Added after" in summary(live)


def test_the_page_costs_the_same_queries_with_more_minutes(
    world, client, sync, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.member)
    with CaptureQueriesContext(connection) as few:
        assert client.get(event_url(world, sync)).status_code == 200
    for n in range(8):
        services.decision_add(actor=world.member, event=sync, text=f"Decision {n}")
        services.action_item_create(
            actor=world.member, train=world.train, event=sync, title=f"A{n}", owner="Ana"
        )
        services.escalation_add(actor=world.member, event=sync, to="Portfolio", why=f"Why {n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(event_url(world, sync)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
