"""The ART sync's agenda, filled from constructed data (sync.selectors.syncs.sync_agenda): the
right five blockers in the right order, the risks to review, the overloaded team-iterations,
the action items carried over from earlier syncs, in a number of queries that does not grow
with the rows; and the API's `events/{id}/agenda/`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from art.models import Story, TeamMember
from pi_planning import services as planning
from pi_planning.models import Dependency, Risk
from sync import services
from sync.models import Impediment
from sync.selectors.syncs import sync_agenda
from tests.pi_planning.helpers import iterations
from tests.sync.helpers import now_rounded, sync_at

pytestmark = pytest.mark.django_db


def back(model, obj, **fields):
    model.objects.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


def dependency(world, title: str, age: int, *, state: str = "requested", provider=None) -> Dependency:
    its = iterations(world.pi)
    dep = planning.dependency_create(
        actor=world.rte,
        pi=world.pi,
        requester_team=world.team,
        provider_team=provider or world.other_team,
        needed_by=its[2],
        title=title,
        created_at=now_rounded() - dt.timedelta(days=age, hours=1),
    )
    if state == "blocked":
        dep = planning.dependency_set_state(actor=world.rte, dependency=dep, state="blocked")
    elif state == "committed_early":  # committed for iteration 1, needed by 3: green
        dep = planning.dependency_set_state(
            actor=world.rte, dependency=dep, state="committed", committed_iteration=its[0]
        )
    elif state == "delivered":
        dep = planning.dependency_set_state(
            actor=world.rte, dependency=dep, state="committed", committed_iteration=its[0]
        )
        dep = planning.dependency_set_state(actor=world.rte, dependency=dep, state="delivered")
    return dep


def impediment(world, title: str, age: int, *, status: str = "open") -> Impediment:
    created = now_rounded() - dt.timedelta(days=age, hours=1)
    return Impediment.objects.create(
        train=world.train,
        team=world.team,
        title=title,
        category=Impediment.Category.ENVIRONMENT,
        created_at=created,
        status=status,
        resolved_at=created + dt.timedelta(days=1) if status == "resolved" else None,
    )


def risk(world, title: str, age: int, roam: str, *, unchanged: int | None = None) -> Risk:
    created = now_rounded() - dt.timedelta(days=age, hours=1)
    found = Risk.objects.create(
        train=world.train, pi=world.pi, title=title, roam=roam, owner="Olga", created_at=created,
        mitigation_plan="Pair up" if roam == "mitigated" else "",
    )  # fmt: skip
    return back(
        Risk, found, updated_at=now_rounded() - dt.timedelta(days=unchanged if unchanged is not None else age)
    )


@pytest.fixture
def agenda_world(world):
    """Blockers aged 30 (dependency, red), 21 (dependency, blocked), 21 (impediment), 9, 5 and 3
    (impediments), with a green dependency, a delivered one and a resolved impediment that do
    not count; risks; loads; and action items of three syncs."""
    made = {
        "red": dependency(world, "Fraud score API", 30),
        "blocked": dependency(world, "Sandbox accounts", 21, state="blocked"),
        "green": dependency(world, "Ledger export", 40, state="committed_early"),
        "delivered": dependency(world, "Old feed", 50, state="delivered"),
        "i21": impediment(world, "Staging is down", 21),
        "i9": impediment(world, "Waiting on legal", 9),
        "i5": impediment(world, "Two people on the incident", 5),
        "i3": impediment(world, "Unclear API contract", 3),
        "i50": impediment(world, "Solved long ago", 50, status="resolved"),
        "r_unroamed_old": risk(world, "Vendor may be late", 10, "unroamed"),
        "r_unroamed_new": risk(world, "Key person on leave", 2, "unroamed"),
        "r_owned_stale": risk(world, "Card scheme change", 40, "owned", unchanged=20),
        "r_accepted_fresh": risk(world, "Slow CI", 30, "accepted", unchanged=5),
        "r_resolved": risk(world, "Gone", 60, "resolved", unchanged=30),
    }
    its = iterations(world.pi)
    # Alpha: two full-time developers → 16 points a 2-week iteration.
    for name in ("Ana", "Ben"):
        TeamMember.objects.create(team=world.team, name=name, fte=Decimal("1.00"), delivering=True)
    for iteration, points in ((its[0], 20), (its[1], 17), (its[2], 16)):
        Story.objects.create(
            train=world.train, team=world.team, iteration=iteration, points=points, title="Work"
        )
    # Bravo has nobody delivering: any load is over its (zero) capacity.
    Story.objects.create(train=world.train, team=world.other_team, iteration=its[2], points=5, title="Work")
    start = now_rounded() - dt.timedelta(days=14)
    made["sync1"] = sync_at(world, start)
    made["sync2"] = sync_at(world, start + dt.timedelta(days=7))
    made["sync3"] = sync_at(world, start + dt.timedelta(days=14))
    for title, owner, event, done, due in (
        ("Book the lab", "Ana", made["sync1"], False, dt.date(2026, 2, 20)),
        ("Ask legal", "Ben", made["sync1"], True, dt.date(2026, 2, 10)),
        ("Call the vendor", "Cleo", made["sync2"], False, dt.date(2026, 2, 12)),
        ("Later thing", "Dan", made["sync3"], False, None),
    ):
        item = services.action_item_create(
            actor=world.member, train=world.train, event=event, title=title, owner=owner, due_date=due
        )
        if done:
            services.action_item_update(actor=world.member, item=item, status="done")
        made[title] = item
    return made


def items(agenda, key):
    return [(i["kind"], i["id"]) for i in agenda.section(key).items]


def test_the_agenda_of_a_sync_is_filled_by_its_rules(world, agenda_world):
    made = agenda_world
    agenda = sync_agenda(event=made["sync2"])
    # the sections of the 90-minute agenda
    assert [(s.key, s.starts_min, s.ends_min) for s in agenda.sections] == [
        ("trend", 0, 10),
        ("blockers", 10, 40),
        ("risks", 40, 70),
        ("scope", 70, 85),
        ("summary", 85, 90),
    ]
    # blockers: the five oldest of 30, 21, 21, 9, 5, 3 — the two of 21 days by id
    twenty_one = sorted(
        [("dependency", made["blocked"].pk), ("impediment", made["i21"].pk)], key=lambda kind_id: kind_id[1]
    )
    assert items(agenda, "blockers") == [
        ("dependency", made["red"].pk),
        *twenty_one,
        ("impediment", made["i9"].pk),
        ("impediment", made["i5"].pk),
    ]
    ages = [i["age_days"] for i in agenda.section("blockers").items]
    assert ages == [30, 21, 21, 9, 5]
    red = agenda.section("blockers").items[0]
    assert red["health"] == "red" and red["requester"] == "Alpha" and red["provider"] == "Bravo"
    # risks: un-ROAMed oldest first, then owned/accepted/mitigated untouched for 14 days or more
    assert items(agenda, "risks") == [
        ("risk", made["r_unroamed_old"].pk),
        ("risk", made["r_unroamed_new"].pk),
        ("risk", made["r_owned_stale"].pk),
    ]
    # scope: Bravo · Iteration 3 (load, no capacity), Alpha · Iteration 1 (20 / 16 = 125 %),
    # Alpha · Iteration 2 (17 / 16 = 106.25 %); Alpha · Iteration 3 (16 / 16 = 100 %) is not above
    scope = agenda.section("scope").items
    assert [(i["team_name"], i["iteration_name"], i["load_pct"]) for i in scope] == [
        ("Bravo", "Iteration 3", None),
        ("Alpha", "Iteration 1", 125.0),
        ("Alpha", "Iteration 2", 106.25),
    ]
    # summary: open items of this sync and earlier ones, earliest due first
    summary = agenda.section("summary").items
    assert [(i["title"], i["carried_over"]) for i in summary] == [
        ("Call the vendor", False),
        ("Book the lab", True),
    ]
    # trend: the three figures of the trend snapshot
    assert [i["id"] for i in agenda.section("trend").items] == ["predictability", "throughput", "wip"]


def test_an_action_item_stays_on_every_later_sync_until_done(world, agenda_world):
    made = agenda_world
    later = sync_at(world, made["sync3"].starts_at + dt.timedelta(days=7))
    titles = [i["title"] for i in sync_agenda(event=later).section("summary").items]
    assert titles == ["Call the vendor", "Book the lab", "Later thing"]
    services.action_item_update(actor=world.member, item=made["Book the lab"], status="done")
    titles = [i["title"] for i in sync_agenda(event=later).section("summary").items]
    assert titles == ["Call the vendor", "Later thing"]


def test_the_agenda_costs_the_same_queries_with_more_rows(world, agenda_world):
    event = agenda_world["sync2"]
    with CaptureQueriesContext(connection) as few:
        sync_agenda(event=event)
    for n in range(6):
        dependency(world, f"More {n}", 20 + n)
        impediment(world, f"More {n}", 15 + n)
        risk(world, f"More {n}", 12 + n, "unroamed")
        services.action_item_create(
            actor=world.rte, train=world.train, event=event, title=f"More {n}", owner="Eve"
        )
    with CaptureQueriesContext(connection) as many:
        sync_agenda(event=event)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_agenda_api(world, agenda_world, api):
    event = agenda_world["sync2"]
    api.force_login(world.viewer)
    response = api.get(f"/api/v1/events/{event.pk}/agenda/")
    assert response.status_code == 200
    body = response.json()
    assert body["event"] == event.pk and body["frozen_at"] is None
    assert [s["key"] for s in body["sections"]] == ["trend", "blockers", "risks", "scope", "summary"]
    assert {"key", "title", "starts_min", "ends_min", "items"} <= set(body["sections"][1])
    kinds = {item["kind"] for s in body["sections"] for item in s["items"]}
    assert kinds == {"metric", "dependency", "impediment", "risk", "load", "action_item"}
    for section in body["sections"]:
        for item in section["items"]:
            assert {"kind", "id", "title"} <= set(item)
            if item["kind"] in ("dependency", "impediment", "risk"):
                assert isinstance(item["age_days"], int)
    # nobody outside the train sees it; a non-sync event has no agenda
    api.force_login(world.outsider)
    assert api.get(f"/api/v1/events/{event.pk}/agenda/").status_code == 404
    demo = services.event_create(
        actor=world.rte,
        train=world.train,
        kind="system_demo",
        title="Demo",
        starts_at=event.starts_at,
        ends_at=event.ends_at,
    )
    api.force_login(world.rte)
    refused = api.get(f"/api/v1/events/{demo.pk}/agenda/")
    assert refused.status_code == 400 and "event" in refused.json()
