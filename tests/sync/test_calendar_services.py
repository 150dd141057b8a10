"""Generating a PI's calendar (sync.services.calendar): idempotent, following the PI's dates and
the train's cadence, keeping what a person edited, cancelled or held; through the signal and the
task; the RTE's own writes.

PI 26.1 (the world's, in Berlin): iterations from Mon 5 Jan, 19 Jan, 2 Feb, 16 Feb 2026 and the IP
iteration Mon 2 – Sun 15 Mar. Wednesday syncs w1…w10: 7, 14, 21, 28 Jan, 4, 11, 18, 25 Feb,
4, 11 Mar; demos Fri 16 Jan, 30 Jan, 13 Feb, 27 Feb; I&A Wed 11 Mar; PI planning Thu 12 – Fri 13 Mar.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from art import services as art_services
from art.models import ChangeRecord, ProgramIncrement
from art.services.common import differs
from sync import services, tasks
from sync.models import Decision, Event, SyncCadence
from tests.sync.calendar_helpers import at, slot

pytestmark = pytest.mark.django_db


def kinds(pi):
    return sorted(Event.objects.filter(pi=pi).values_list("kind", flat=True))


def test_generating_makes_the_pi_calendar_and_again_changes_nothing(berlin):
    # when the RTE generates PI 26.1's calendar
    first = services.pi_calendar_generate(actor=berlin.rte, pi=berlin.pi)
    # then 10 syncs, 4 demos, I&A and PI planning: 16 events, all added
    assert (first.added, first.moved, first.removed) == (16, 0, 0)
    assert kinds(berlin.pi).count("art_sync") == 10 and len(first.events) == 16
    assert "16 added, 0 moved, 0 removed" in first.summary
    # each created in the history, by the RTE
    assert ChangeRecord.objects.filter(action="created", actor=berlin.rte, train=berlin.train).count() >= 16
    # when generated again: nothing added, moved or removed, the same rows
    ids = sorted(e.pk for e in first.events)
    again = services.pi_calendar_generate(actor=berlin.rte, pi=berlin.pi)
    assert (again.added, again.moved, again.removed) == (0, 0, 0)
    assert sorted(e.pk for e in again.events) == ids
    assert again.summary == "PI 26.1's calendar was up to date: nothing added, moved or removed."


def test_regenerating_after_the_dates_change_moves_what_nobody_touched(calendar_world):
    world, pi = calendar_world, calendar_world.pi
    # given the RTE moved the week 3 sync to Thursday and cancelled the week 5 one,
    w3 = services.event_update(
        actor=world.rte,
        event=slot(pi, "sync-w3-2"),
        starts_at=at(dt.date(2026, 1, 22), 10),
        ends_at=at(dt.date(2026, 1, 22), 11, 30),
    )
    w5 = services.event_cancel(actor=world.rte, event=slot(pi, "sync-w5-2"))
    # and the first sync was held
    assert services.events_mark_held(now=at(dt.date(2026, 1, 8), 0)) == 1
    demo4, ia, planning, w10 = (slot(pi, s) for s in ("demo-4", "inspect-adapt", "pi-planning", "sync-w10-2"))
    before = Event.objects.filter(pi=pi).count()
    # when iteration 4 ends on Wednesday 25 Feb and the PI (and its IP iteration) a week earlier
    its = list(pi.iterations.order_by("number"))
    art_services.iteration_update(actor=world.rte, iteration=its[3], end_date=dt.date(2026, 2, 25))
    art_services.iteration_update(actor=world.rte, iteration=its[4], end_date=dt.date(2026, 3, 8))
    art_services.pi_update(actor=world.rte, pi=pi, end_date=dt.date(2026, 3, 8))
    result = services.pi_calendar_generate(actor=world.rte, pi=pi)
    # then the demo of iteration 4 moves to Wed 25 Feb 14:00; I&A to Wed 4 Mar; PI planning to
    # Thu 5 – Fri 6 Mar; the week 10 sync (Wed 11 Mar) is no longer in the PI and goes
    assert slot(pi, "demo-4").starts_at == at(dt.date(2026, 2, 25), 14)
    assert slot(pi, "inspect-adapt").starts_at == at(dt.date(2026, 3, 4), 9)
    moved_planning = slot(pi, "pi-planning")
    assert (moved_planning.starts_at, moved_planning.ends_at) == (
        at(dt.date(2026, 3, 5), 9),
        at(dt.date(2026, 3, 6), 17),
    )
    assert not Event.objects.filter(pk=w10.pk).exists()
    assert (result.added, result.moved, result.removed) == (0, 3, 1)
    # what a person touched stays as it is
    assert Event.objects.get(pk=w3.pk).starts_at == at(dt.date(2026, 1, 22), 10)
    assert Event.objects.get(pk=w5.pk).state == "cancelled"
    assert slot(pi, "sync-w1-2").state == "held"
    assert Event.objects.filter(pi=pi).count() == before - 1
    # moving bumps the version (a feed's SEQUENCE) and keeps the id (its UID)
    assert slot(pi, "demo-4").pk == demo4.pk and slot(pi, "demo-4").version == demo4.version + 1
    assert (ia.pk, planning.pk) == (slot(pi, "inspect-adapt").pk, moved_planning.pk)
    # and the history says who moved and removed what
    moved = ChangeRecord.objects.filter(object_id=demo4.pk, action="updated").latest("at")
    assert moved.actor == world.rte and "starts_at" in moved.changes
    assert ChangeRecord.objects.filter(object_id=w10.pk, action="deleted", actor=world.rte).exists()
    # and once more: nothing
    again = services.pi_calendar_generate(actor=world.rte, pi=pi)
    assert (again.added, again.moved, again.removed) == (0, 0, 0)


def test_slots_that_vanish_stay_when_edited_held_or_holding_minutes(calendar_world):
    world, pi = calendar_world, calendar_world.pi
    # given w1 held, w2 with a decision, w3 moved by the RTE
    services.events_mark_held(now=at(dt.date(2026, 1, 8), 0))
    Decision.objects.create(event=slot(pi, "sync-w2-2"), text="Ship the ledger first")
    services.event_update(actor=world.rte, event=slot(pi, "sync-w3-2"), title="ART sync (moved)")
    # when the train switches to a coach sync and a PO sync (every sync-w* slot vanishes)
    services.cadence_update(actor=world.rte, train=world.train, separate_syncs=True)
    # then 10 coach and 10 PO syncs appear; of the 10 ART syncs only those three stay
    remaining = Event.objects.filter(pi=pi, kind="art_sync")
    assert sorted(remaining.values_list("slot", flat=True)) == ["sync-w1-2", "sync-w2-2", "sync-w3-2"]
    assert kinds(pi).count("coach_sync") == 10 and kinds(pi).count("po_sync") == 10
    # the coach sync and the PO sync of Wed 7 Jan follow each other from 10:00
    coach, po = slot(pi, "coach-w1-2"), slot(pi, "po-w1-2")
    assert (coach.starts_at, coach.ends_at, po.ends_at) == (
        at(dt.date(2026, 1, 7), 10),
        at(dt.date(2026, 1, 7), 10, 45),
        at(dt.date(2026, 1, 7), 11, 30),
    )


def test_a_closed_pi_is_not_generated_again_by_a_cadence_change(calendar_world):
    world, pi = calendar_world, calendar_world.pi
    ProgramIncrement.objects.filter(pk=pi.pk).update(state="closed")
    services.cadence_update(actor=world.rte, train=world.train, sync_weekdays=[1, 3])
    # the Wednesday syncs stay: the closed PI keeps its calendar
    assert slot(pi, "sync-w1-2").starts_at == at(dt.date(2026, 1, 7), 10)
    assert not Event.objects.filter(pi=pi, slot="sync-w1-1").exists()


def test_a_new_pi_gets_its_calendar_on_commit_and_the_task_twice_gives_the_same_rows(
    berlin, django_capture_on_commit_callbacks
):
    # when the RTE creates a PI (the signal queues the task on commit)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        pi = art_services.pi_create(
            actor=berlin.rte, train=berlin.train, name="PI 26.2", start_date=dt.date(2026, 3, 16)
        )
    # then its calendar is there, generated by Railyard itself
    assert len(callbacks) >= 1
    events = list(
        Event.objects.filter(pi=pi).order_by("pk").values_list("pk", "slot", "starts_at", "version")
    )
    assert len(events) == 16
    assert slot(pi, "sync-w1-2").starts_at == at(dt.date(2026, 3, 18), 10)
    assert ChangeRecord.objects.filter(object_id=events[0][0], action="created", actor=None).exists()
    # when the task runs twice more: the same rows
    assert tasks.pi_events_generate(pi.pk) == 16
    assert tasks.pi_events_generate(pi.pk) == 16
    assert (
        list(Event.objects.filter(pi=pi).order_by("pk").values_list("pk", "slot", "starts_at", "version"))
        == events
    )
    # a PI deleted meanwhile is nothing to do
    assert tasks.pi_events_generate(10**9) == 0


def test_changing_an_iteration_regenerates_on_commit(calendar_world, django_capture_on_commit_callbacks):
    world, pi = calendar_world, calendar_world.pi
    iteration = pi.iterations.get(number=2)
    with django_capture_on_commit_callbacks(execute=True):
        art_services.iteration_update(actor=world.rte, iteration=iteration, end_date=dt.date(2026, 1, 29))
    # the demo of iteration 2 moves from Fri 30 Jan to Thu 29 Jan
    assert slot(pi, "demo-2").starts_at == at(dt.date(2026, 1, 29), 14)


def test_deleting_a_pi_takes_its_untouched_events_and_leaves_the_edited_ones(calendar_world):
    world, pi = calendar_world, calendar_world.pi
    kept = services.event_update(
        actor=world.rte, event=slot(pi, "demo-1"), location="Room Zugspitze", title="Demo"
    )
    art_services.pi_delete(actor=world.rte, pi=pi)
    assert list(Event.objects.filter(train=world.train).values_list("pk", flat=True)) == [kept.pk]
    assert Event.objects.get(pk=kept.pk).pi is None


def test_the_rte_adds_moves_cancels_and_deletes_events(berlin):
    world = berlin
    # adding by hand: no slot, already the RTE's, named after its kind when untitled
    event = services.event_create(
        actor=world.rte,
        train=world.train,
        kind="system_demo",
        title="  ",
        starts_at=at(dt.date(2026, 1, 16), 15),
        ends_at=at(dt.date(2026, 1, 16), 16),
        pi=world.pi,
        location=" Room 1 ",
    )
    assert (event.title, event.slot, event.edited, event.location, event.version) == (
        "System demo",
        "",
        True,
        "Room 1",
        1,
    )
    # moving bumps the version; a stale version is a conflict
    moved = services.event_update(
        actor=world.rte, event=event, version=1, starts_at=at(dt.date(2026, 1, 16), 14)
    )
    assert moved.version == 2
    from art.errors import ConflictError

    with pytest.raises(ConflictError):
        services.event_update(actor=world.rte, event=event, version=1, title="Late")
    # cancelling, and deleting (the history keeps a before-image)
    assert services.event_cancel(actor=world.rte, event=moved).state == "cancelled"
    services.event_delete(actor=world.rte, event=moved)
    gone = ChangeRecord.objects.get(object_id=event.pk, action="deleted")
    assert gone.changes["title"] == ["System demo", None]


def test_an_event_with_minutes_is_cancelled_not_deleted(calendar_world):
    event = slot(calendar_world.pi, "sync-w1-2")
    Decision.objects.create(event=event, text="Escalate the card scheme slot")
    with pytest.raises(ValidationError) as refused:
        services.event_delete(actor=calendar_world.rte, event=event)
    assert refused.value.message_dict == {"event": [services.calendar.HOLDS_MINUTES]}
    assert Event.objects.filter(pk=event.pk).exists()


def test_writes_are_the_rtes(calendar_world):
    event = slot(calendar_world.pi, "sync-w1-2")
    for role in ("product", "member", "viewer"):
        with pytest.raises(PermissionDenied):
            services.event_update(actor=calendar_world.user(role), event=event, title="Mine")
        with pytest.raises(PermissionDenied):
            services.pi_calendar_generate(actor=calendar_world.user(role), pi=calendar_world.pi)
    assert Event.objects.get(pk=event.pk).title == "ART sync · Iteration 1"


def test_moving_a_generated_event_to_another_pi_frees_its_slot(calendar_world):
    world = calendar_world
    other = ProgramIncrement.objects.create(
        train=world.train, name="PI 26.2", start_date=dt.date(2026, 3, 16), end_date=dt.date(2026, 5, 24)
    )
    event = services.event_update(actor=world.rte, event=slot(world.pi, "sync-w1-2"), pi=other)
    assert (event.pi_id, event.slot, event.edited) == (other.pk, "", True)
    # generating PI 26.1 again fills its week 1 sync anew
    assert services.pi_calendar_generate(actor=world.rte, pi=world.pi).added == 1


def test_marking_held_is_idempotent_and_visible_to_feeds(calendar_world):
    event = slot(calendar_world.pi, "sync-w1-2")
    assert services.events_mark_held(now=at(dt.date(2026, 1, 8), 0), train=calendar_world.train) == 1
    held = Event.objects.get(pk=event.pk)
    assert (held.state, held.version) == ("held", event.version + 1)
    assert held.updated_at > event.updated_at
    assert services.events_mark_held(now=at(dt.date(2026, 1, 8), 0)) == 0


def test_a_nothing_change_is_no_write(calendar_world):
    event = slot(calendar_world.pi, "sync-w1-2")
    same = services.event_update(actor=calendar_world.rte, event=event, title=event.title, location="")
    assert same.version == event.version and not same.edited
    assert not differs(same, "title", event.title)


def test_the_cadence_change_is_recorded_with_its_times(calendar_world):
    cadence = services.cadence_update(
        actor=calendar_world.rte, train=calendar_world.train, sync_time=dt.time(9, 30), sync_weekdays=[3, 1]
    )
    assert cadence.sync_weekdays == [1, 3]
    record = ChangeRecord.objects.get(content_type__model="synccadence", action="updated")
    assert record.changes == {"sync_time": ["10:00:00", "09:30:00"], "sync_weekdays": [[2], [1, 3]]}


def test_a_refused_cadence_changes_nothing(calendar_world):
    with pytest.raises(ValidationError) as refused:
        services.cadence_update(
            actor=calendar_world.rte, train=calendar_world.train, sync_weekdays=[5], sync_minutes=120
        )
    assert set(refused.value.message_dict) == {"sync_weekdays", "sync_minutes"}
    assert not SyncCadence.objects.exists()
    assert slot(calendar_world.pi, "sync-w1-2").version == 1
    with pytest.raises(ValidationError) as unknown:
        services.cadence_update(actor=calendar_world.rte, train=calendar_world.train, colour="red")
    assert unknown.value.message_dict == {"colour": ["colour is not a setting of the cadence"]}
