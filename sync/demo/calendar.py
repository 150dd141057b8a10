"""The demo train's calendar: the train syncs twice weekly, every PI's calendar is generated
through the services (the closed PI's events held), and the RTE has touched a few: the sync on
the regional holiday moved to the day before, the sync during PI planning cancelled, a
management review added to PI planning's first evening, rooms for the big events. The large
profile builds its closed PIs' calendars straight from the rule, cheaply."""

from __future__ import annotations

import datetime as dt

from art.demo import BATCH, SeedContext, seed_step
from art.models import ChangeRecord, ProgramIncrement
from pi_planning.models import Holiday
from sync import services
from sync.models import Event
from sync.services.calendar import event_of_slot, planned_events

CALENDAR_STEP = 310


def _midnight(ctx: SeedContext, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=ctx.tz)


def _closed_from_rule(ctx: SeedContext, pi: ProgramIncrement) -> None:
    """A closed PI of the benchmark train: its events as the rule gives them, held, in one insert
    (no history: nobody watched them being generated)."""
    Event.objects.bulk_create(
        [event_of_slot(pi, planned, state=Event.State.HELD, version=2) for planned in planned_events(pi)],
        batch_size=BATCH,
    )


def _backdate_history(ctx: SeedContext, pi: ProgramIncrement) -> None:
    """The services record their writes as made now: a closed PI's events were generated a
    fortnight before it started and held as they ended."""
    events = {e.pk: e for e in Event.objects.filter(pi=pi)}
    records = list(
        ChangeRecord.objects.filter(train=ctx.train, object_id__in=events, content_type__model="event")
    )
    generated = _midnight(ctx, pi.start_date - dt.timedelta(days=14)) + dt.timedelta(hours=9)
    for record in records:
        event = events[record.object_id]
        record.at = generated if record.action == "created" else event.ends_at + dt.timedelta(minutes=30)
    ChangeRecord.objects.bulk_update(records, ["at"], batch_size=BATCH)


def _sync_on(pi: ProgramIncrement, day: dt.date, tz: dt.tzinfo) -> Event | None:
    """The PI's ART sync on `day` (of the train's zone), if any."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return Event.objects.filter(
        pi=pi, kind=Event.Kind.ART_SYNC, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1)
    ).first()


@seed_step(CALENDAR_STEP, "calendar")
def calendar(ctx: SeedContext) -> None:
    rte = ctx.users["rte"]
    pi = ctx.current_pi
    # Twice weekly, Tuesday and Thursday at 10:00 for an hour: the current PI's calendar follows.
    services.cadence_update(actor=rte, train=ctx.train, sync_weekdays=[1, 3], sync_minutes=60)
    for closed in ctx.closed_pis:
        if ctx.profile.size == "demo":
            services.pi_events_generate(actor=rte, pi=closed)
        else:
            _closed_from_rule(ctx, closed)

    # The closed PI's bank holiday fell on a sync day: the RTE cancelled that sync.
    if ctx.closed_pis and ctx.profile.size == "demo":
        last = ctx.closed_pis[-1]
        holiday = Holiday.objects.filter(
            train=ctx.train, date__range=(last.start_date, last.end_date)
        ).first()
        cancelled = _sync_on(last, holiday.date, ctx.tz) if holiday else None
        if holiday is not None and cancelled is not None:
            services.event_update(
                actor=rte, event=cancelled, state=Event.State.CANCELLED, notes=f"{holiday.name}: no sync."
            )
    held = services.events_mark_held(now=_midnight(ctx, ctx.today), train=ctx.train)
    if ctx.profile.size == "demo":
        for closed in ctx.closed_pis:
            _backdate_history(ctx, closed)

    # The current PI: the sync on the regional holiday moves to the day before.
    holiday = (
        Holiday.objects.filter(train=ctx.train, date__range=(pi.start_date, pi.end_date))
        .order_by("date")
        .first()
    )
    moved = _sync_on(pi, holiday.date, ctx.tz) if holiday else None
    if holiday is not None and moved is not None:
        services.event_update(
            actor=rte,
            event=moved,
            starts_at=moved.starts_at - dt.timedelta(days=1),
            ends_at=moved.ends_at - dt.timedelta(days=1),
            notes=f"Moved from {holiday.date:%A} ({holiday.name}).",
        )
    # PI planning of the next PI: in the big hall, with I&A the day before; the sync on its first
    # day is cancelled, and the management review meets at the end of that day.
    planning = Event.objects.filter(pi=pi, slot="pi-planning").first()
    inspect = Event.objects.filter(pi=pi, slot="inspect-adapt").first()
    for event in (planning, inspect):
        if event is not None:
            services.event_update(
                actor=rte, event=event, location="Hall A, 3rd floor · video: meet.example.com/payments-art"
            )
    if planning is not None:
        first_day = planning.starts_at.astimezone(ctx.tz).date()
        clash = _sync_on(pi, first_day, ctx.tz)
        if clash is not None:
            services.event_cancel(actor=rte, event=clash)
            services.event_update(actor=rte, event=clash, notes="PI planning takes the whole day.")
        review_start = dt.datetime.combine(first_day, dt.time(17, 30), tzinfo=ctx.tz)
        services.event_create(
            actor=rte,
            train=ctx.train,
            kind=Event.Kind.PI_PLANNING,
            title="Management review and problem solving",
            starts_at=review_start,
            ends_at=review_start + dt.timedelta(hours=1),
            pi=pi,
            location="Room Zugspitze",
            notes="Business owners and the RTE adjust scope after the draft plans of day 1.",
        )
    # A system demo with its room, still following the cadence (a location is no edit).
    first_demo = Event.objects.filter(pi=pi, slot="demo-1").first()
    if first_demo is not None:
        services.event_update(actor=rte, event=first_demo, location="https://meet.example.com/payments-demo")
    ctx.count("calendar events", Event.objects.filter(train=ctx.train).count())
    ctx.count("events held", held)
