"""The train's calendar: its cadence, each PI's events generated from its iterations
(art.rules.events.pi_calendar), and the events a person adds, moves or cancels. The RTE manages
the calendar (`manage_train`); generating again is idempotent and keeps every event a person
edited or cancelled."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from art import rules
from art.access import Action, authorize
from art.models import ProgramIncrement, ReleaseTrain
from art.services.common import create_validated, delete_recorded, differs, record_change, update_fields
from pi_planning.models import Holiday
from sync.models import Event, SyncCadence

CADENCE_FIELDS = {
    "sync_weekdays",
    "sync_time",
    "sync_minutes",
    "separate_syncs",
    "coach_sync_minutes",
    "po_sync_minutes",
    "demo_time",
    "demo_minutes",
    "ia_time",
    "ia_minutes",
    "planning_start",
    "planning_end",
}
EVENT_FIELDS = {"title", "starts_at", "ends_at", "location", "notes", "pi", "kind"}
HOLDS_MINUTES = "this event holds minutes (decisions, action items or escalations): cancel it instead"


# --- cadence ---------------------------------------------------------------------------------


def cadence_of(train: ReleaseTrain) -> SyncCadence:
    """The train's cadence, with the defaults until the RTE changes them (not saved until then)."""
    found = SyncCadence.objects.filter(train=train).first()
    return found or SyncCadence(train=train)


def cadence_update(*, actor: Any, train: ReleaseTrain, **changes: Any) -> SyncCadence:
    """The RTE changes how the train holds its events; the calendars of the PIs not closed yet
    are generated again (events a person edited stay as they are)."""
    authorize(actor, Action.MANAGE_TRAIN, train.pk)
    unknown = set(changes) - CADENCE_FIELDS
    if unknown:
        raise ValidationError({name: f"{name} is not a setting of the cadence" for name in unknown})
    if isinstance(changes.get("sync_weekdays"), list | tuple):
        weekdays = list(changes["sync_weekdays"])
        if all(isinstance(d, int) for d in weekdays):
            weekdays.sort()
        changes["sync_weekdays"] = weekdays
    with transaction.atomic():
        cadence, _created = SyncCadence.objects.select_for_update().get_or_create(train=train)
        # The rule's words, on the whole cadence as it would be (PI planning's hours are a pair).
        merged = {name: getattr(cadence, name) for name in CADENCE_FIELDS} | changes
        refusals = rules.events.cadence_refusals(merged)
        if refusals:
            raise ValidationError({name: [message] for name, message in refusals.items()})
        cadence = update_fields(
            actor=actor, queryset=SyncCadence.objects.all(), pk=cadence.pk, changes=changes
        )
        for pi in ProgramIncrement.objects.filter(train=train).exclude(state=ProgramIncrement.State.CLOSED):
            pi_calendar_generate(actor=actor, pi=pi)
    return cadence


# --- generating a PI's events ----------------------------------------------------------------


def planned_events(pi: ProgramIncrement) -> list[rules.events.PlannedEvent]:
    """The events the rule gives `pi` today (its iterations, the train's cadence and holidays)."""
    train = pi.train
    iterations = [
        rules.events.IterationDays(i.number, i.name, i.start_date, i.end_date, i.is_ip)
        for i in pi.iterations.order_by("number")
    ]
    holidays = Holiday.objects.filter(train=train, date__gte=pi.start_date, date__lte=pi.end_date)
    return rules.events.pi_calendar(
        pi_start=pi.start_date,
        pi_end=pi.end_date,
        iterations=iterations,
        cadence=cadence_of(train).as_rule(),
        holidays=holidays.values_list("date", flat=True),
        tz=train.tz,
    )


@dataclass(frozen=True)
class CalendarGenerated:
    """What generating a PI's calendar did: the PI's events after it, and how many it added,
    moved (or renamed) and removed."""

    pi: ProgramIncrement
    events: list[Event]
    added: int
    moved: int
    removed: int

    @property
    def summary(self) -> str:
        if not (self.added or self.moved or self.removed):
            return f"{self.pi.name}'s calendar was up to date: nothing added, moved or removed."
        return (
            f"{self.pi.name}'s calendar generated: {self.added} added, {self.moved} moved, "
            f"{self.removed} removed."
        )


def pi_calendar_generate(*, actor: Any, pi: ProgramIncrement) -> CalendarGenerated:
    """Make the PI's calendar what the rule says, idempotently: add the events it lacks, move
    the generated ones nobody edited to their slot's new time, and remove generated ones whose
    slot no longer exists (nobody edited them and they hold no minutes; the history keeps them).
    Events a person edited, cancelled or added by hand, and events already held, stay as they
    are."""
    authorize(actor, Action.MANAGE_TRAIN, pi.train_id)
    added = moved = removed = 0
    with transaction.atomic():
        pi = ProgramIncrement.objects.select_for_update().select_related("train").get(pk=pi.pk)
        existing = {e.slot: e for e in _with_minutes(Event.objects.filter(pi=pi).exclude(slot=""))}
        wanted = planned_events(pi)
        for planned in wanted:
            event = existing.pop(planned.slot, None)
            if event is None:
                create_validated(actor=actor, obj=event_of_slot(pi, planned))
                added += 1
            elif not event.edited and event.state == Event.State.PLANNED:
                changes = {
                    "title": planned.title,
                    "starts_at": planned.starts_at,
                    "ends_at": planned.ends_at,
                    "kind": planned.kind,
                }
                if any(differs(event, k, v) for k, v in changes.items()):
                    # With its PI, which its validation reads.
                    with_pi = Event.objects.select_related("pi")
                    update_fields(actor=actor, queryset=with_pi, pk=event.pk, changes=changes)
                    moved += 1
        for event in existing.values():  # slots the rule no longer has
            if _generated_and_untouched(event):
                delete_recorded(actor=actor, obj=event)
                removed += 1
        events = list(Event.objects.filter(pi=pi).order_by("starts_at", "id"))
    return CalendarGenerated(pi=pi, events=events, added=added, moved=moved, removed=removed)


def event_of_slot(pi: ProgramIncrement, planned: rules.events.PlannedEvent, **fields: Any) -> Event:
    """The (unsaved) event the rule plans for one slot of `pi`."""
    return Event(
        train_id=pi.train_id,
        pi=pi,
        kind=planned.kind,
        title=planned.title,
        starts_at=planned.starts_at,
        ends_at=planned.ends_at,
        slot=planned.slot,
        **fields,
    )


def pi_events_generate(*, actor: Any, pi: ProgramIncrement) -> list[Event]:
    """pi_calendar_generate, answering the PI's events in time order (the task, the API)."""
    return pi_calendar_generate(actor=actor, pi=pi).events


def pi_events_remove(*, actor: Any, pi: ProgramIncrement) -> int:
    """A PI is going: its generated events that nobody edited and that hold no minutes go with
    it (the history keeps them); the others stay on the train's calendar without a PI. Returns
    how many went."""
    removed = 0
    with transaction.atomic():
        for event in _with_minutes(Event.objects.filter(pi=pi).exclude(slot="")):
            if _generated_and_untouched(event):
                delete_recorded(actor=actor, obj=event)
                removed += 1
    return removed


def _generated_and_untouched(event: Event) -> bool:
    return not event.edited and event.state == Event.State.PLANNED and not _has_minutes(event)


#: What an event's minutes are (its related managers).
MINUTES = ("decisions", "action_items", "escalations")


def _with_minutes(events: QuerySet[Event]) -> QuerySet[Event]:
    """The events with whether they hold minutes, in the same query (for _has_minutes)."""
    return events.annotate(
        **{
            f"holds_{name}": Exists(
                Event._meta.get_field(name).related_model._default_manager.filter(  # type: ignore[union-attr]
                    **{Event._meta.get_field(name).field.name: OuterRef("pk")}  # type: ignore[union-attr]
                )
            )
            for name in MINUTES
        }
    )


def _has_minutes(event: Event) -> bool:
    """Whether the event holds decisions, action items or escalations (annotated by _with_minutes,
    or one query per kind)."""
    return any(
        getattr(event, f"holds_{name}") if hasattr(event, f"holds_{name}") else getattr(event, name).exists()
        for name in MINUTES
    )


# --- events a person adds, moves, cancels ----------------------------------------------------


def _check_times(starts_at: Any, ends_at: Any) -> None:
    if starts_at is not None and ends_at is not None and ends_at <= starts_at:
        raise ValidationError({"ends_at": "ends_at must be after starts_at"})


def _check_choices(*, kind: Any = None, state: Any = None) -> None:
    errors = {}
    if kind is not None and kind not in Event.Kind.values:
        errors["kind"] = f"kind must be one of {', '.join(Event.Kind.values)}"
    if state is not None and state not in Event.State.values:
        errors["state"] = f"state must be one of {', '.join(Event.State.values)}"
    if errors:
        raise ValidationError(errors)


def event_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    title: str = "",
    pi: ProgramIncrement | None = None,
    location: str = "",
    notes: str = "",
    state: str = Event.State.PLANNED,
) -> Event:
    """An event the RTE adds by hand (it has no slot: generating never touches it)."""
    authorize(actor, Action.MANAGE_TRAIN, train.pk)
    _check_times(starts_at, ends_at)
    _check_choices(kind=kind, state=state)
    return create_validated(
        actor=actor,
        obj=Event(
            train=train,
            pi=pi,
            kind=kind,
            title=(title or "").strip() or rules.events.KIND_LABELS[kind],
            starts_at=starts_at,
            ends_at=ends_at,
            state=state,
            location=(location or "").strip(),
            notes=notes or "",
            edited=True,
        ),
    )


#: Changes that make a generated event a person's: generating again leaves it as it is.
EDITS = {"title", "starts_at", "ends_at", "state", "kind", "pi"}


def event_update(*, actor: Any, event: Event, version: int | None = None, **changes: Any) -> Event:
    """Move, rename or annotate an event. A generated event a person changed is theirs from then
    on: generating again keeps it. One moved to another PI is no longer that PI's generated event
    (it leaves its slot, which its former PI's calendar fills again when generated)."""
    authorize(actor, Action.MANAGE_TRAIN, event.train_id)
    unknown = set(changes) - EVENT_FIELDS - {"state"}
    if unknown:
        raise ValidationError({name: f"{name} cannot be changed here" for name in unknown})
    if "location" in changes:
        changes["location"] = (changes["location"] or "").strip()
    _check_choices(kind=changes.get("kind"), state=changes.get("state"))
    with transaction.atomic():
        current = Event.objects.select_for_update().get(pk=event.pk)
        if "title" in changes:  # an empty title is the kind's name, as when adding
            kind = changes.get("kind", current.kind)
            changes["title"] = (changes["title"] or "").strip() or rules.events.KIND_LABELS[kind]
        _check_times(changes.get("starts_at", current.starts_at), changes.get("ends_at", current.ends_at))
        changed = {k: v for k, v in changes.items() if differs(current, k, v)}
        if changed and not current.edited and set(changed) & EDITS:
            changed["edited"] = True
        if "pi" in changed and current.slot:
            changed["slot"] = ""
        return update_fields(
            actor=actor, queryset=Event.objects.all(), pk=event.pk, changes=changed, version=version
        )


def event_cancel(*, actor: Any, event: Event, version: int | None = None) -> Event:
    return event_update(actor=actor, event=event, version=version, state=Event.State.CANCELLED)


def event_delete(*, actor: Any, event: Event) -> None:
    """Only an event that recorded nothing may go (cancel it otherwise); the history keeps it."""
    authorize(actor, Action.MANAGE_TRAIN, event.train_id)
    if _has_minutes(event):
        raise ValidationError({"event": HOLDS_MINUTES})
    delete_recorded(actor=actor, obj=event)


def events_mark_held(*, now: dt.datetime | None = None, train: ReleaseTrain | None = None) -> int:
    """Planned events that have ended are held (the hourly job; running it twice changes
    nothing the second time). Returns how many were marked."""
    now = now or timezone.now()
    marked = 0
    events = Event.objects.select_for_update().filter(state=Event.State.PLANNED, ends_at__lte=now)
    if train is not None:
        events = events.filter(train=train)
    with transaction.atomic():
        for event in events:
            # A feed's LAST-MODIFIED and SEQUENCE follow updated_at and version.
            Event.objects.filter(pk=event.pk).update(
                state=Event.State.HELD, version=event.version + 1, updated_at=timezone.now()
            )
            record_change(actor=None, obj=event, action="updated", changes={"state": ["planned", "held"]})
            marked += 1
    return marked
