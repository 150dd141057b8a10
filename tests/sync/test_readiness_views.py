"""The PI-planning readiness page: the checklist with where to fix each computed item, the RTE's
ticks in place (htmx), the progress, and the improvement items targeted at the PI; the board's
backlog panel shows those items too. Everyone in the train reads; only the RTE ticks."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from art import rules
from sync import services
from sync.models import ReadinessCheck
from tests.art.factories import FeatureFactory, MilestoneFactory, PIFactory, TeamFactory, TeamMemberFactory
from tests.sync.factories import ImprovementItemFactory

pytestmark = pytest.mark.django_db


def url(world, pi=None, name="readiness"):
    return reverse(f"sync:{name}", kwargs={"slug": world.train.slug, "pi_id": (pi or world.pi).pk})


def board(world, pi, fragment=""):
    base = reverse("pi_planning:board", kwargs={"slug": world.train.slug, "pi_id": pi.pk})
    return base + (f"fragment/{fragment}/" if fragment else "")


@pytest.fixture
def next_pi(world):
    return PIFactory(train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16))


def test_the_page_shows_the_checklist_and_the_progress(client, world):
    client.force_login(world.viewer)

    page = client.get(url(world))

    html = page.content.decode()
    assert page.status_code == 200
    for _key, title in rules.readiness.MANUAL_ITEMS:
        assert title in html
    assert "Backlog ranked by WSJF" in html and "No features are planned into this PI yet" in html
    assert (
        "<strong>1</strong> of 8 done" in html and "Not ready yet" in html
    )  # business owners; improvements n/a
    assert "Train members" in html  # where to fix
    # a viewer sees no tick buttons
    assert 'name="item"' not in html


def test_the_rte_ticks_in_place_and_the_page_shows_who_and_when(htmx, client, world):
    client.force_login(world.rte)

    response = htmx.post(url(world, name="readiness_check"), {"item": "room", "done": "1", "note": "Hall B"})

    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="readiness-checklist"')
    assert "Hall B" in html and "Ticked by" in html and "<strong>2</strong> of 8 done" in html
    check = ReadinessCheck.objects.get()
    assert (check.item, check.done, check.checked_by) == ("room", True, world.rte)
    assert "toast" in response.headers["HX-Trigger"]


def test_an_unknown_item_is_refused_and_nothing_changes(htmx, client, world):
    client.force_login(world.rte)
    response = htmx.post(url(world, name="readiness_check"), {"item": "coffee", "done": "1"})
    assert response.status_code == 422
    assert not ReadinessCheck.objects.exists()


@pytest.mark.parametrize("role", ["member", "product", "viewer"])
def test_only_the_rte_ticks(client, world, role):
    client.force_login(world.user(role))
    assert client.post(url(world, name="readiness_check"), {"item": "room", "done": "1"}).status_code == 403
    assert not ReadinessCheck.objects.exists()


def test_another_trains_people_get_404(client, world):
    client.force_login(world.outsider)
    assert client.get(url(world)).status_code == 404


def test_items_targeted_at_the_next_pi_show_on_its_page_and_board_only(client, htmx, world, next_pi):
    ImprovementItemFactory(train=world.train, title="Automate the release checklist", target_pi=next_pi)
    ImprovementItemFactory(train=world.train, title="Elsewhere in time", target_pi=world.pi)
    client.force_login(world.product)

    readiness = client.get(url(world, next_pi)).content.decode()
    assert "Automate the release checklist" in readiness and "Elsewhere in time" not in readiness
    panel = client.get(board(world, next_pi, "backlog"), HTTP_HX_REQUEST="true").content.decode()
    assert "Improvements from Inspect &amp; Adapt (1)" in panel
    assert "Automate the release checklist" in panel and "Plan it" in panel
    page = client.get(board(world, next_pi) + "?panel=backlog").content.decode()
    assert "Automate the release checklist" in page
    fragment = htmx.get(board(world, next_pi) + "?panel=backlog", target="backlog").content.decode()
    assert "Automate the release checklist" in fragment
    other = client.get(board(world, world.pi, "backlog"), HTTP_HX_REQUEST="true").content.decode()
    assert "Automate the release checklist" not in other and "Elsewhere in time" in other
    # a member sees the section without the button
    client.force_login(world.member)
    section = client.get(board(world, next_pi, "backlog"), HTTP_HX_REQUEST="true").content.decode()
    assert "Plan it" not in section


def test_plan_it_from_the_board_answers_the_backlog_panel(htmx, client, world, next_pi):
    item = ImprovementItemFactory(
        train=world.train, title="Automate the release checklist", target_pi=next_pi
    )
    client.force_login(world.rte)

    response = htmx.post(
        reverse("sync:improvement_plan", kwargs={"slug": world.train.slug, "item_id": item.pk}),
        {"from": "board"},
    )

    html = response.content.decode()
    item.refresh_from_db()
    assert response.status_code == 200 and 'id="backlog"' in html
    assert f"Planned as {item.feature.key}" in html
    assert f'id="backlog-feature-{item.feature_id}"' in html  # in the ranked backlog, unscored


def _count(client, target, **headers):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(target, **headers).status_code == 200
    return len(queries)


def _grow(world, pi, n):
    for _ in range(n):
        team = TeamFactory(train=world.train)
        TeamMemberFactory(team=team)
        FeatureFactory(train=world.train, pi=pi, points=5)
        MilestoneFactory(pi=pi)
        ImprovementItemFactory(train=world.train, target_pi=pi)


@pytest.mark.parametrize("what", ["readiness", "panel", "panel-page", "board"])
def test_queries_do_not_grow_with_items(client, world, next_pi, what):
    client.force_login(world.rte)
    targets = {
        "readiness": url(world, next_pi),
        "panel": board(world, next_pi, "backlog"),
        "panel-page": board(world, next_pi) + "?panel=backlog",
        "board": board(world, next_pi),
    }
    _grow(world, next_pi, 1)
    headers = {"HTTP_HX_REQUEST": "true"} if what == "panel" else {}
    small = _count(client, targets[what], **headers)
    _grow(world, next_pi, 12)
    assert _count(client, targets[what], **headers) == small


def test_the_board_page_without_the_panel_loads_no_improvement_items(client, world, next_pi):
    client.force_login(world.rte)
    ImprovementItemFactory(train=world.train, target_pi=next_pi)
    with CaptureQueriesContext(connection) as queries:
        client.get(board(world, next_pi))
    assert not [q for q in queries.captured_queries if "sync_improvementitem" in q["sql"]]


def test_readiness_page_ready_when_every_item_applies_and_is_done(client, world):
    for key in rules.readiness.MANUAL_KEYS:
        services.readiness_check_set(actor=world.rte, pi=world.pi, item=key, done=True)
    client.force_login(world.rte)
    assert "Not ready yet" in client.get(url(world)).content.decode()  # the computed ones are not done


def test_the_pi_page_links_to_its_readiness_and_the_nav_to_the_backlog(client, world):
    client.force_login(world.member)
    html = client.get(
        reverse("art:pi", kwargs={"slug": world.train.slug, "pi_id": world.pi.pk})
    ).content.decode()
    assert "Planning readiness" in html and url(world) in html
    assert reverse("sync:improvements", kwargs={"slug": world.train.slug}) in html
