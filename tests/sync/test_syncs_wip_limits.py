"""The ART sync's trend section, the WIP limits item (sync.selectors.syncs._wip_limits_item): the
ART Kanban's columns over their limit now, train-wide, named; the moves recorded over a limit
since the previous ART sync (or in the last 7 days); hand-worked figures, JSON kept as frozen,
the page, and queries that do not grow with features."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from art.models import ReleaseTrain, WipBreach
from sync import services
from sync.models import Event
from sync.selectors.syncs import frozen_agenda, sync_agenda
from tests.art.factories import FeatureFactory
from tests.sync.helpers import event_url, now_rounded, sync_at

pytestmark = pytest.mark.django_db


def wip_item(event):
    items = [i for i in sync_agenda(event=event).section("trend").items if i["id"] == "wip_limits"]
    return items[0] if items else None


def breach(world, days_ago: float, state: str = "review") -> WipBreach:
    return WipBreach.objects.create(
        train=world.train,
        feature_key="F-1",
        scope="column",
        state=state,
        count=5,
        limit=4,
        reason="Hotfix",
        at=timezone.now() - dt.timedelta(days=days_ago),
    )


def features(world, state: str, n: int, team=None) -> None:
    for _ in range(n):
        FeatureFactory(train=world.train, state=state, team=team)


def kanban_url(world):
    try:
        return reverse("art:kanban", kwargs={"slug": world.train.slug})
    except NoReverseMatch:
        return None


@pytest.fixture
def limited(world):
    """Limits: in progress 8, review 4, blocked 3. Held: in progress 10 (Alpha 6, Bravo 4),
    review 5, blocked 3 (full, not over), ready 2 (no limit). Breaches 8, 5 and 1 days ago (and
    one of another train)."""
    ReleaseTrain.objects.filter(pk=world.train.pk).update(
        wip_limits={"in_progress": 8, "review": 4, "blocked": 3}
    )
    world.train.refresh_from_db()
    features(world, "in_progress", 6, world.team)
    features(world, "in_progress", 4, world.other_team)
    features(world, "review", 5)
    features(world, "blocked", 3)
    features(world, "ready", 2)
    for days in (8, 5, 1):
        breach(world, days)
    other = ReleaseTrain.objects.create(name="Other", slug="other")
    WipBreach.objects.create(
        train=other, feature_key="F-9", scope="column", state="review", count=2, limit=1, reason="x"
    )
    return world


def test_the_columns_over_their_limit_are_named_and_the_breaches_counted(limited):
    # given no earlier ART sync: the breaches of the last 7 days (5 and 1 days ago) count
    event = sync_at(limited, now_rounded() + dt.timedelta(days=1))
    item = wip_item(event)
    assert item["kind"] == "wip_limits" and item["title"] == "WIP limits"
    # in progress 10 > 8 and review 5 > 4 are over; blocked 3 of 3 is full, not over
    assert item["value"] == 2 and item["unit"] == "columns over their limit"
    assert item["detail"] == "In progress 10 of 8, Review 5 of 4"
    assert item["over"] == [
        {"state": "in_progress", "label": "In progress", "count": 10, "limit": 8},
        {"state": "review", "label": "Review", "count": 5, "limit": 4},
    ]
    assert item["breaches"] == 2 and item["breaches_window"] == "in the last 7 days"
    assert item["breaches_text"] == "2 moves over a limit in the last 7 days"
    assert item["url"] == kanban_url(limited)
    # the other figures of the trend keep their place, this one comes last
    assert [i["id"] for i in sync_agenda(event=event).section("trend").items][-1] == "wip_limits"


def test_breaches_count_since_the_previous_art_sync(limited):
    # given an ART sync 3 days ago (and a cancelled one 2 days ago, which is no sync)
    sync_at(limited, now_rounded() - dt.timedelta(days=3))
    cancelled = sync_at(limited, now_rounded() - dt.timedelta(days=2))
    Event.objects.filter(pk=cancelled.pk).update(state=Event.State.CANCELLED)
    event = sync_at(limited, now_rounded() + dt.timedelta(days=1))
    item = wip_item(event)
    # then only the breach of 1 day ago counts
    assert item["breaches"] == 1 and item["breaches_window"] == "since the previous ART sync"
    assert item["breaches_text"] == "1 move over a limit since the previous ART sync"


def test_within_the_limits_the_item_says_so(world):
    ReleaseTrain.objects.filter(pk=world.train.pk).update(wip_limits={"review": 4})
    world.train.refresh_from_db()
    features(world, "review", 4)
    item = wip_item(sync_at(world, now_rounded() + dt.timedelta(days=1)))
    assert (item["value"], item["unit"], item["detail"]) == (
        0,
        "columns over their limit",
        "Every column within its limit",
    )
    assert item["breaches"] == 0


def test_one_column_over_reads_in_the_singular(world):
    ReleaseTrain.objects.filter(pk=world.train.pk).update(wip_limits={"review": 1})
    world.train.refresh_from_db()
    features(world, "review", 2)
    item = wip_item(sync_at(world, now_rounded() + dt.timedelta(days=1)))
    assert (item["value"], item["unit"], item["detail"]) == (1, "column over its limit", "Review 2 of 1")


def test_a_train_without_limits_or_breaches_has_no_such_item(world):
    features(world, "in_progress", 3)
    assert wip_item(sync_at(world, now_rounded() + dt.timedelta(days=1))) is None


def test_a_breach_without_limits_still_shows(world):
    breach(world, 1)
    item = wip_item(sync_at(world, now_rounded() + dt.timedelta(days=1)))
    assert item["value"] == 0 and item["breaches"] == 1


def test_the_item_is_json_and_frozen_as_it_was(limited):
    event = sync_at(limited, now_rounded() + dt.timedelta(days=1))
    now = timezone.now()
    item = next(
        i for i in sync_agenda(event=event, now=now).section("trend").items if i["id"] == "wip_limits"
    )
    assert json.loads(json.dumps(item)) == item
    services.agenda_freeze(event=event, now=now)
    frozen = [i for i in frozen_agenda(event=event).section("trend").items if i["id"] == "wip_limits"]
    assert frozen == [item]


def test_the_sync_page_shows_it(limited, client):
    event = sync_at(limited, now_rounded() + dt.timedelta(days=1))
    client.force_login(limited.viewer)
    page = client.get(event_url(limited, event)).content.decode()
    assert "WIP limits" in page
    assert "In progress 10 of 8, Review 5 of 4" in page
    assert "2 moves over a limit in the last 7 days" in page
    url = kanban_url(limited)
    if url:
        assert f'href="{url}"' in page


def test_the_agenda_costs_the_same_queries_with_more_features_and_breaches(limited):
    event = sync_at(limited, now_rounded() + dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as few:
        sync_agenda(event=event)
    features(limited, "review", 7)
    features(limited, "awaiting_deploy", 5)
    for days in (0.5, 2, 3):
        breach(limited, days)
    with CaptureQueriesContext(connection) as many:
        item = next(i for i in sync_agenda(event=event).section("trend").items if i["id"] == "wip_limits")
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert item["detail"] == "In progress 10 of 8, Review 12 of 4" and item["breaches"] == 5
