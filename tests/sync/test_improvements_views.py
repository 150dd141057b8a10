"""The improvement backlog page: every item of the train across PIs, filtered and sorted, with
counts per status; written, edited, moved along, planned and deleted in place (htmx fragments)
or by plain forms; refusals name the field and change nothing."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art.models import Feature, ProgramIncrement
from sync import services
from sync.models import ImprovementItem, Workshop
from sync.services.improvements import TARGET_CLOSED
from tests.art.factories import PIFactory
from tests.sync.factories import ImprovementItemFactory

pytestmark = pytest.mark.django_db


def url(world, name="improvements", **kwargs):
    return reverse(f"sync:{name}", kwargs={"slug": world.train.slug, **kwargs})


def item_url(world, item, name):
    return url(world, name, item_id=item.pk)


@pytest.fixture
def backlog(world):
    """Four items, one per status: two targeted at the world's PI, one from the I&A of an earlier
    PI, one overdue."""
    earlier = PIFactory(
        train=world.train, name="PI 25.4", start_date=dt.date(2025, 10, 6), state="closed", iterations=0
    )
    workshop = Workshop.objects.create(train=world.train, pi=earlier)
    rte = world.rte
    items = {
        "open": services.improvement_item_create(
            actor=rte,
            train=world.train,
            title="Book staging ahead",
            target_pi=world.pi,
            due_date=dt.date(2020, 1, 1),
            owner="Platform",
        ),
        "in_progress": services.improvement_item_create(
            actor=rte,
            train=world.train,
            title="Automate the release checklist",
            target_pi=world.pi,
            workshop=workshop,
            status="in_progress",
        ),
        "done": services.improvement_item_create(
            actor=rte, train=world.train, title="Review etiquette", status="done"
        ),
        "dropped": services.improvement_item_create(
            actor=rte, train=world.train, title="Monthly architecture sync", status="dropped"
        ),
    }
    return items


def test_the_page_shows_every_item_with_counts_source_and_overdue(client, world, backlog):
    client.force_login(world.viewer)

    page = client.get(url(world))

    html = page.content.decode()
    assert page.status_code == 200
    for title in ("Book staging ahead", "Automate the release checklist", "Review etiquette"):
        assert title in html
    assert "Inspect &amp; Adapt of PI 25.4" in html and "Written directly" in html
    assert "Overdue" in html and "1 open item past its due date" in html
    assert 'id="improvement-counts"' in html
    # a viewer reads, and gets no buttons
    assert "Add an improvement item" not in html and "Mark done" not in html


def test_filters_by_status_target_and_source(client, world, backlog):
    client.force_login(world.member)
    shown = lambda query: client.get(url(world) + query).content.decode()  # noqa: E731

    assert "Review etiquette" in shown("?status=done") and "Book staging" not in shown("?status=done")
    targeted = shown(f"?target={world.pi.pk}")
    assert "Book staging ahead" in targeted and "Review etiquette" not in targeted
    untargeted = shown("?target=none")
    assert "Review etiquette" in untargeted and "Book staging ahead" not in untargeted
    workshop_pi = Workshop.objects.get().pi_id
    from_workshop = shown(f"?source={workshop_pi}")
    assert "Automate the release checklist" in from_workshop and "Book staging ahead" not in from_workshop
    assert "Automate the release checklist" not in shown("?source=direct")


def test_the_log_fragment_answers_htmx(htmx, client, world, backlog):
    client.force_login(world.rte)
    response = htmx.get(url(world) + "?sort=title", target="improvement-log")
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="improvement-log"')
    assert html.index("Automate") < html.index("Book staging") < html.index("Review etiquette")


def test_the_empty_state_says_what_items_are_and_where_they_come_from(client, world):
    client.force_login(world.rte)
    html = client.get(url(world)).content.decode()
    assert "No improvement items yet" in html and "problem-solving workshop" in html
    assert "Add the first item" in html


def test_adding_an_item_answers_the_log_with_it(htmx, client, world):
    client.force_login(world.member)
    response = htmx.post(
        url(world, "improvement_create"),
        {
            "title": "Pair on the payout tests",
            "owner": "Alpha",
            "target_pi": world.pi.pk,
            "due_date": "2026-02-01",
        },
    )
    assert response.status_code == 200
    item = ImprovementItem.objects.get()
    assert (item.title, item.target_pi, item.created_by) == (
        "Pair on the payout tests",
        world.pi,
        world.member,
    )
    assert f'id="improvement-{item.pk}"' in response.content.decode()


def test_a_closed_target_pi_and_an_empty_title_are_refused_with_the_field_named(htmx, client, world):
    closed = PIFactory(
        train=world.train,
        name="PI 25.4",
        state=ProgramIncrement.State.CLOSED,
        iterations=0,
        start_date=dt.date(2025, 10, 6),
    )
    client.force_login(world.rte)

    response = htmx.post(url(world, "improvement_create"), {"title": "Retro", "target_pi": closed.pk})
    assert response.status_code == 422
    assert TARGET_CLOSED.format(name="PI 25.4")[1:] in response.content.decode()
    response = client.post(url(world, "improvement_create"), {"title": "  "})
    assert response.status_code == 422 and "title is required" in response.content.decode().lower()
    assert not ImprovementItem.objects.exists()


def test_the_create_form_offers_only_pis_not_closed(client, world):
    PIFactory(
        train=world.train,
        name="PI 25.4",
        state=ProgramIncrement.State.CLOSED,
        iterations=0,
        start_date=dt.date(2025, 10, 6),
    )
    client.force_login(world.rte)
    html = client.get(url(world)).content.decode()
    assert "PI 26.1</option>" in html and "PI 25.4</option>" not in html.split('id="improvement-filters"')[0]


def test_one_click_moves_the_status(htmx, client, world, backlog):
    item = backlog["open"]
    client.force_login(world.member)
    response = htmx.post(
        item_url(world, item, "improvement_status"),
        {"status": "in_progress", "initial-status": "open", "version": item.version},
    )
    assert response.status_code == 200
    assert "hx-swap-oob" in response.content.decode()  # the counts
    item.refresh_from_db()
    assert item.status == "in_progress"


def test_an_unknown_status_is_refused_and_a_stale_one_conflicts(htmx, client, world, backlog):
    item = backlog["open"]
    client.force_login(world.rte)
    bad = htmx.post(item_url(world, item, "improvement_status"), {"status": "later", "version": item.version})
    assert bad.status_code == 422 and "status must be one of" in bad.content.decode().lower()
    stale = htmx.post(item_url(world, item, "improvement_status"), {"status": "done", "version": 99})
    assert stale.status_code == 409
    item.refresh_from_db()
    assert item.status == "open"


def test_inline_edit_and_a_member_may_not_change_the_title(htmx, client, world, backlog):
    item = backlog["open"]
    client.force_login(world.rte)
    form = htmx.get(item_url(world, item, "improvement") + "?edit=1")
    assert form.status_code == 200 and "Edit improvement item" in form.content.decode()
    seen = {"initial-title": item.title, "initial-owner": item.owner, "initial-target_pi": world.pi.pk}
    saved = htmx.post(
        item_url(world, item, "improvement_update"),
        {
            **seen,
            "title": "Book staging a week ahead",
            "owner": "Platform",
            "target_pi": world.pi.pk,
            "due_date": "2020-01-01",
            "version": item.version,
        },
    )
    assert saved.status_code == 200
    item.refresh_from_db()
    assert item.title == "Book staging a week ahead" and item.version == 2

    client.force_login(world.member)
    form = htmx.get(item_url(world, item, "improvement") + "?edit=1").content.decode()
    assert "Only the RTE changes the title" in form
    htmx.post(
        item_url(world, item, "improvement_update"),
        {
            "initial-title": item.title,
            "title": "Mine",
            "owner": "Alpha",
            "initial-owner": "Platform",
            "version": 2,
        },
    )
    item.refresh_from_db()
    assert (item.title, item.owner) == ("Book staging a week ahead", "Alpha")  # the title field is disabled


def test_the_rte_deletes_and_the_history_shows(htmx, client, world, backlog):
    item = backlog["done"]
    client.force_login(world.member)
    assert htmx.post(item_url(world, item, "improvement_delete")).status_code == 403
    history = client.get(item_url(world, item, "improvement") + "?part=history").content.decode()
    assert "created it" in history
    client.force_login(world.rte)
    assert htmx.post(item_url(world, item, "improvement_delete")).status_code == 200
    assert not ImprovementItem.objects.filter(pk=item.pk).exists()


def test_plan_it_makes_the_feature_and_links_it(htmx, client, world, backlog):
    item = backlog["open"]
    client.force_login(world.product)
    response = htmx.post(item_url(world, item, "improvement_plan"))
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.feature.kind == Feature.Kind.ENABLER
    assert f"Planned as {item.feature.key}" in response.content.decode()
    client.force_login(world.member)
    assert htmx.post(item_url(world, backlog["in_progress"], "improvement_plan")).status_code == 403


@pytest.mark.parametrize("role", ["viewer"])
def test_a_viewer_writes_nothing(client, world, backlog, role):
    client.force_login(world.user(role))
    item = backlog["open"]
    assert client.post(url(world, "improvement_create"), {"title": "X"}).status_code == 403
    assert client.post(item_url(world, item, "improvement_status"), {"status": "done"}).status_code == 403
    assert ImprovementItem.objects.count() == 4


def test_another_trains_people_get_404(client, world, backlog):
    client.force_login(world.outsider)
    assert client.get(url(world)).status_code == 404
    assert (
        client.post(item_url(world, backlog["open"], "improvement_status"), {"status": "done"}).status_code
        == 404
    )


def _count(client, target):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_with_more_items(client, world, backlog):
    client.force_login(world.rte)
    small = _count(client, url(world))
    workshop = Workshop.objects.get()
    for n in range(15):
        ImprovementItemFactory(train=world.train, target_pi=world.pi, workshop=workshop if n % 2 else None)
    assert _count(client, url(world)) == small
