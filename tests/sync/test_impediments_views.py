"""The impediment log's page: the full page and its htmx fragments, who sees which controls, the
empty states, raising (with and without JavaScript), editing, resolving and reopening, stale
versions, refusals next to their field in the API's words, and a query budget."""

import datetime as dt
import html as html_module
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from art.models import ChangeRecord
from sync.models import Impediment
from tests.art.factories import TeamFactory, TrainFactory
from tests.sync.factories import ImpedimentFactory

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
CATEGORIES = "dependency, requirements, feedback, environment, priorities, other"


def url(world, name="impediments", **kwargs):
    return reverse(f"sync:{name}", kwargs={"slug": world.train.slug, **kwargs})


def form(**fields):
    return {"title": "Staging down", "category": "environment", "team": "", "escalation": "team"} | fields


def text(response) -> str:
    """The response's visible words, tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


@pytest.fixture
def aging(world):
    return ImpedimentFactory(
        train=world.train,
        team=world.team,
        title="Card scheme has not answered",
        category="feedback",
        owner="Olga",
        escalation="portfolio",
        created_at=timezone.now() - 16 * DAY - dt.timedelta(hours=1),
    )


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rte", "product", "business_owner", "member", "viewer"])
def test_everyone_in_the_train_sees_the_log_with_aging_in_words(world, page_as, aging, role):
    ImpedimentFactory(train=world.train, title="CI queue", created_at=timezone.now() - 3 * DAY)
    response = page_as(role).get(url(world))
    assert response.status_code == 200
    words = text(response)
    # 16 days 1 hour → 16 whole days, ≥ 14: aging, said in words (and an icon and colour)
    assert "Aging · 16 days" in words
    assert "Open · 3 days" in words
    assert "Escalated to the portfolio" in words
    assert "Waiting on feedback" in words
    assert words.index("Card scheme has not answered") < words.index("CI queue")  # oldest first
    html = response.content.decode()
    assert 'class="badge badge--aging impediment__state"' in html
    may_change = role != "viewer"
    assert ("Raise an impediment" in words) is may_change
    assert ('action="' + url(world, "impediment_create") + '"' in html) is may_change
    assert ("Resolve Card scheme has not answered" in words) is may_change
    log = re.search(r'<ol class="impediment-list".*?</ol>', html, re.S).group(0)
    assert ("<form" in log) is may_change
    assert ('name="status" value="resolved"' in html) is may_change
    assert ("Delete Card scheme has not answered" in words) is (role == "rte")


def test_signed_out_signs_in_and_an_outsider_finds_nothing(world, page_as):
    response = page_as(None).get(url(world))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert page_as("outsider").get(url(world)).status_code == 404


def test_the_train_navigation_leads_to_the_log(world, page_as):
    response = page_as("member").get(reverse("art:train", kwargs={"slug": world.train.slug}))
    assert f'href="{url(world)}"' in response.content.decode()


def test_the_header_counts_the_open_the_aging_and_the_resolved(world, page_as, aging):
    ImpedimentFactory(train=world.train, created_at=timezone.now() - 2 * DAY)
    ImpedimentFactory(train=world.train, status="resolved", resolved_at=timezone.now())
    html = page_as("viewer").get(url(world)).content.decode()
    counts = re.search(r'id="impediment-counts".*?</dl>', html, re.S).group(0)
    figures = re.findall(r"<dt>(?:<svg.*?</svg>)?(\w+)</dt><dd>(\d+)</dd>", counts, re.S)
    assert figures == [("Open", "2"), ("Aging", "1"), ("Resolved", "1")]


def test_filters_answer_the_log_alone_to_htmx(world, htmx, page_as, aging):
    ImpedimentFactory(train=world.train, title="CI queue", category="environment")
    page_as("member")
    response = htmx.get(url(world) + "?category=feedback&aging=1", target="impediment-log")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="impediment-log"')
    assert "<html" not in html and "Card scheme has not answered" in html and "CI queue" not in html
    # and without htmx, the same filters give the whole page with them chosen
    full = page_as("member").get(url(world) + "?category=feedback&aging=1").content.decode()
    assert '<option value="feedback" selected>' in full and 'name="aging" value="1" checked' in full


def test_the_empty_log_leads_to_raising_the_first_impediment(world, page_as):
    html = page_as("member").get(url(world)).content.decode()
    assert "No impediments logged yet" in html
    assert "Raise the first impediment" in html
    # the form is open: the button leads straight to it, with or without JavaScript
    assert re.search(
        r'<details class="card disclosure impediment-create" id="impediment-create-details" open', html
    )
    # a viewer learns what the log is for, with no button
    viewer = page_as("viewer").get(url(world)).content.decode()
    assert "No impediments logged yet" in viewer and "Raise the first impediment" not in viewer


def test_a_log_with_nothing_open_says_so_and_leads_to_the_resolved(world, page_as):
    ImpedimentFactory(train=world.train, status="resolved", resolved_at=timezone.now())
    words = text(page_as("member").get(url(world)))
    assert "Nothing in the way: every impediment is resolved" in words
    assert "See the 1 resolved impediment" in words
    filtered = text(page_as("member").get(url(world) + "?status=all&category=other"))
    assert "No impediment matches these filters" in filtered


# --- raising ----------------------------------------------------------------------------------


def test_raising_without_javascript_redirects_to_the_new_impediment(world, page_as):
    client = page_as("member")
    response = client.post(
        url(world, "impediment_create"),
        form(team=world.team.pk, owner="Ana", escalation="art", description="Since Monday"),
    )
    impediment = Impediment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(world) + f"#impediment-{impediment.pk}"
    assert (impediment.team, impediment.owner, impediment.escalation, impediment.created_by) == (
        world.team,
        "Ana",
        "art",
        world.member,
    )
    follow = client.get(url(world))
    assert "Impediment “Staging down” raised." in follow.content.decode()


def test_raising_with_htmx_answers_the_log_the_counts_and_a_fresh_form(world, htmx, page_as):
    page_as("product")
    response = htmx.post(url(world, "impediment_create"), form(title="Legal review pending"))
    impediment = Impediment.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="impediment-log"')
    assert f'id="impediment-{impediment.pk}"' in html and "Open · 0 days" in text(response)
    assert f'data-focus-after-swap="impediment-{impediment.pk}-status"' in html
    for part in ("impediment-counts", "impediment-filters", "impediment-create-details"):
        assert re.search(rf'id="{part}"[^>]*hx-swap-oob="true"', html), part
    assert (
        json.loads(response["HX-Trigger"])["toast"]["message"] == "Impediment “Legal review pending” raised."
    )
    assert response["HX-Push-Url"] == url(world)


def test_in_the_way_since_a_day_dates_it_from_midnight_in_the_trains_time_zone(world, page_as):
    day = timezone.localdate() - 20 * DAY
    page_as("member").post(url(world, "impediment_create"), form(created_at=day.isoformat()))
    impediment = Impediment.objects.get()
    assert impediment.created_at.astimezone(dt.UTC).date() <= day
    words = text(page_as("member").get(url(world)))
    assert re.search(r"Aging · 2[01] days", words)


def test_a_viewer_may_not_raise_one(world, page_as):
    response = page_as("viewer").post(url(world, "impediment_create"), form())
    assert response.status_code == 403
    assert not Impediment.objects.exists()


#: (field, what the form sends, the words): the same table as the API's (test_impediments_api.py).
BAD = [
    ("category", "weather", f"category must be one of {CATEGORIES}"),
    ("created_at", "future", "an impediment cannot date from the future: created_at must be now or earlier"),
    (
        "created_at",
        "1899-12-31",
        "dates must lie between 1990-01-01 and 2199-12-31: created_at is out of range",
    ),
    ("team", "other train", "team must be one of this train's teams"),
]


@pytest.mark.parametrize("field, value, words", BAD, ids=["category", "future", "other-century", "team"])
def test_bad_input_shows_next_to_its_field_and_changes_nothing(world, page_as, htmx, field, value, words):
    if value == "future":
        value = (timezone.localdate() + 2 * DAY).isoformat()
    elif value == "other train":
        value = TeamFactory(train=TrainFactory(slug="other"), name="Zulu").pk
    records = ChangeRecord.objects.count()
    # without JavaScript: the whole page, 422, the message in the field's error block
    response = page_as("member").post(url(world, "impediment_create"), form(**{field: value}))
    assert response.status_code == 422
    html = response.content.decode()
    errors = re.search(rf'id="id_impediment-{field}_errors">(.*?)</div>', html, re.S)
    assert errors and words[:1].upper() + words[1:] in html_module.unescape(errors.group(1))
    assert re.search(
        rf'id="id_impediment-{field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="id_impediment-{field}"',
        html,
    )
    assert "Staging down" in html  # what was typed stays
    # with htmx: the form alone, swapped in place of itself
    response = htmx.post(url(world, "impediment_create"), form(**{field: value}))
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#impediment-create-details" and response["HX-Reswap"] == "outerHTML"
    assert words[:1].upper() + words[1:] in html_module.unescape(response.content.decode())
    assert not Impediment.objects.exists() and ChangeRecord.objects.count() == records


# --- resolving, reopening, editing -------------------------------------------------------------


def test_resolving_with_htmx_answers_the_card_and_the_counts(world, htmx, page_as, aging):
    page_as("business_owner")
    response = htmx.post(
        url(world, "impediment_status", impediment_id=aging.pk),
        {"status": "resolved", "initial-status": "open", "version": 1},
        target=f"impediment-{aging.pk}",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="impediment impediment--resolved" id="impediment-{aging.pk}"')
    assert "Resolved after 16 days" in text(response) and "Reopen" in text(response)
    assert 'id="impediment-counts" hx-swap-oob="true"' in html
    assert f'data-focus-after-swap="impediment-{aging.pk}-status"' in html
    assert (
        json.loads(response["HX-Trigger"])["toast"]["message"] == "“Card scheme has not answered” resolved."
    )
    aging.refresh_from_db()
    assert aging.status == "resolved" and aging.resolved_at is not None and aging.version == 2


def test_reopening_without_javascript_redirects_back(world, page_as):
    done = ImpedimentFactory(train=world.train, status="resolved", resolved_at=timezone.now(), version=2)
    response = page_as("member").post(
        url(world, "impediment_status", impediment_id=done.pk),
        {"status": "open", "initial-status": "resolved", "version": 2},
    )
    assert response.status_code == 302
    done.refresh_from_db()
    assert done.status == "open" and done.resolved_at is None


def test_a_stale_resolve_shows_the_conflict_on_the_card_and_changes_nothing(world, htmx, page_as, aging):
    Impediment.objects.filter(pk=aging.pk).update(owner="Ben", version=2)  # someone else saved
    page_as("member")
    response = htmx.post(
        url(world, "impediment_status", impediment_id=aging.pk),
        {"status": "resolved", "initial-status": "open", "version": 1},
        target=f"impediment-{aging.pk}",
    )
    assert response.status_code == 409
    words = text(response)
    assert "Someone else changed this card while you were editing it. Nothing of yours was saved." in words
    assert "You started from version 1; it is now version 2." in words
    assert "Resolve it anyway" in words and "Keep it as it is now" in words
    assert 'name="version" value="2"' in response.content.decode()
    aging.refresh_from_db()
    assert aging.status == "open"
    # and without JavaScript: the page, 409, with the conflict on the card
    page = page_as("member").post(
        url(world, "impediment_status", impediment_id=aging.pk),
        {"status": "resolved", "initial-status": "open", "version": 1},
    )
    assert page.status_code == 409 and "Resolve it anyway" in text(page)


def test_editing_opens_in_place_and_saves(world, htmx, page_as, aging):
    page_as("member")
    opened = htmx.get(
        url(world, "impediment", impediment_id=aging.pk) + "?edit=1", target=f"impediment-{aging.pk}"
    )
    assert f'id="id_impediment-{aging.pk}-title"' in opened.content.decode()
    data = {
        "title": "Card scheme still silent",
        "initial-title": aging.title,
        "category": "feedback",
        "initial-category": "feedback",
        "team": world.team.pk,
        "initial-team": world.team.pk,
        "escalation": "art",
        "initial-escalation": "portfolio",
        "owner": "Olga",
        "initial-owner": "Olga",
        "description": "",
        "initial-description": "",
        "version": 1,
    }
    saved = htmx.post(url(world, "impediment_update", impediment_id=aging.pk), data)
    assert saved.status_code == 200
    assert "Card scheme still silent" in text(saved) and "Escalated to the ART" in text(saved)
    aging.refresh_from_db()
    assert (aging.title, aging.escalation, aging.version) == ("Card scheme still silent", "art", 2)
    # a stale edit shows what changed meanwhile, with the person's edit kept for a retry
    stale = htmx.post(url(world, "impediment_update", impediment_id=aging.pk), data | {"title": "Mine"})
    assert stale.status_code == 409
    assert "Save my changes again" in text(stale) and 'value="Mine"' in stale.content.decode()
    # and a blank title is refused next to the field
    blank = htmx.post(
        url(world, "impediment_update", impediment_id=aging.pk), data | {"title": "", "version": 2}
    )
    assert blank.status_code == 422 and "Title is required" in text(blank)
    assert Impediment.objects.get(pk=aging.pk).title == "Card scheme still silent"


def test_editing_without_javascript_shows_the_page_with_the_card_open(world, page_as, aging):
    response = page_as("member").get(url(world, "impediment", impediment_id=aging.pk) + "?edit=1")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and f'id="id_impediment-{aging.pk}-title"' in html
    # a viewer gets the card, never the form
    viewer = (
        page_as("viewer").get(url(world, "impediment", impediment_id=aging.pk) + "?edit=1").content.decode()
    )
    assert f'id="id_impediment-{aging.pk}-title"' not in viewer


def test_only_the_rte_deletes_from_the_page(world, htmx, page_as, aging):
    page_as("member")
    assert htmx.post(url(world, "impediment_delete", impediment_id=aging.pk)).status_code == 403
    page_as("rte")
    response = htmx.post(url(world, "impediment_delete", impediment_id=aging.pk))
    assert response.status_code == 200
    assert 'id="impediment-counts" hx-swap-oob="true"' in response.content.decode()
    assert not Impediment.objects.exists()


def test_a_viewer_changes_nothing(world, page_as, aging):
    client = page_as("viewer")
    for name, data in (
        ("impediment_status", {"status": "resolved", "version": 1}),
        ("impediment_update", {"title": "x", "category": "other", "escalation": "team", "version": 1}),
        ("impediment_delete", {}),
    ):
        assert client.post(url(world, name, impediment_id=aging.pk), data).status_code == 403, name
    assert Impediment.objects.get(pk=aging.pk).version == 1


# --- query budget ----------------------------------------------------------------------------


def count(client, path, **headers) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **headers)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", ["rte", "member", "viewer"])
@pytest.mark.parametrize(
    "query, headers",
    [("?status=all", {}), ("?aging=1", {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "impediment-log"})],
)
def test_the_page_and_its_fragment_do_not_grow_with_the_rows(world, page_as, role, query, headers):
    client = page_as(role)
    old = timezone.now() - 20 * DAY
    ImpedimentFactory.create_batch(2, train=world.train, team=world.team, created_at=old)
    few = count(client, url(world) + query, **headers)
    ImpedimentFactory.create_batch(12, train=world.train, team=world.other_team, created_at=old)
    ImpedimentFactory.create_batch(4, train=world.train, status="resolved", resolved_at=timezone.now())
    assert count(client, url(world) + query, **headers) == few
    assert few <= 12, few
