"""Reads of the train's calendar: the calendar page (month grids and the agenda list of the same
events, in the train's time zone), one event's page, and a person's feed. Each in a fixed number
of queries, whatever the number of events."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, QuerySet
from django.utils import timezone

from art import rules
from art.models import ChangeRecord, Membership, ProgramIncrement, ReleaseTrain
from art.selectors import change_history
from pi_planning.models import Holiday
from sync.models import Event

#: A person's feed holds the events from this many days back to a quarter ahead.
FEED_DAYS_BACK = 30


@dataclass(frozen=True)
class EventOnDay:
    """An event as one day of the calendar shows it: a PI planning of two days appears on each."""

    event: Event
    day: dt.date
    starts: dt.datetime  # in the train's zone
    ends: dt.datetime
    part: int  # 1 for the day it starts on
    parts: int  # how many days it covers

    @property
    def time_label(self) -> str:
        if self.parts == 1:
            return f"{self.starts:%H:%M}–{self.ends:%H:%M}"
        if self.part == 1:
            return f"from {self.starts:%H:%M}"
        if self.part == self.parts:
            return f"until {self.ends:%H:%M}"
        return "all day"

    @property
    def short_time(self) -> str:
        """What a month cell has room for."""
        if self.parts == 1 or self.part == 1:
            return f"{self.starts:%H:%M}"
        return f"until {self.ends:%H:%M}" if self.part == self.parts else "all day"

    @property
    def day_label(self) -> str:
        return f"day {self.part} of {self.parts}" if self.parts > 1 else ""


@dataclass
class Day:
    date: dt.date
    in_month: bool  # the month grid shows the days of the weeks around its month, dimmed
    in_window: bool
    is_today: bool
    events: list[EventOnDay] = field(default_factory=list)
    holidays: list[str] = field(default_factory=list)  # the train's public holidays that day


@dataclass
class Month:
    first: dt.date
    weeks: list[list[Day]]

    @property
    def label(self) -> str:
        return f"{self.first:%B %Y}"

    @property
    def count(self) -> int:
        return sum(len(d.events) for week in self.weeks for d in week if d.in_month)


@dataclass
class CalendarPage:
    train: ReleaseTrain
    start: dt.date  # the first day shown
    end: dt.date  # the last day shown
    today: dt.date
    months: list[Month]
    agenda: list[Day]  # the days of the window that hold events or holidays, in order
    pis: list[ProgramIncrement]  # newest first, each with its `event_count`
    events: list[Event]
    train_has_events: bool  # any event at all, in or out of the window

    @property
    def open_pis(self) -> list[ProgramIncrement]:
        """The PIs whose calendar the RTE may generate (not closed)."""
        return [pi for pi in self.pis if pi.state != ProgramIncrement.State.CLOSED]

    @property
    def pis_to_generate(self) -> list[ProgramIncrement]:
        """Open PIs that have no event yet, the earliest first: where an empty calendar leads."""
        return sorted((pi for pi in self.open_pis if not pi.event_count), key=lambda pi: pi.start_date)  # type: ignore[attr-defined]

    @property
    def previous_start(self) -> dt.date:
        return add_months(self.start.replace(day=1), -1)

    @property
    def next_start(self) -> dt.date:
        return add_months(self.start.replace(day=1), 1)

    @property
    def shows_today(self) -> bool:
        return self.start <= self.today <= self.end


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day where it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = month_calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def local_today(train: ReleaseTrain) -> dt.date:
    return timezone.now().astimezone(train.tz).date()


def _midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz)


def days_of(event: Event, tz: ZoneInfo) -> list[EventOnDay]:
    """The days an event covers in the zone (an event ending at midnight ends the day before)."""
    starts, ends = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
    last = (ends - dt.timedelta(microseconds=1)).date() if ends > starts else starts.date()
    first = starts.date()
    parts = (last - first).days + 1
    return [EventOnDay(event, first + dt.timedelta(days=n), starts, ends, n + 1, parts) for n in range(parts)]


def _month_grid(first: dt.date, start: dt.date, end: dt.date, today: dt.date) -> Month:
    weeks = []
    for week in month_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                Day(
                    date=day,
                    in_month=day.month == first.month,
                    in_window=start <= day <= end,
                    is_today=day == today,
                )
                for day in week
            ]
        )
    return Month(first=first, weeks=weeks)


def calendar_data(*, train: ReleaseTrain, start: dt.date, end: dt.date) -> CalendarPage:
    """The calendar page from `start` to `end` (both included, days of the train's zone): a month
    grid for every month the window touches, Monday to Sunday, and the agenda list of the same
    events, with the train's public holidays (which move system demos). Three queries: the
    events, the holidays, the PIs (with how many events each holds)."""
    tz = train.tz
    today = local_today(train)
    events = list(
        Event.objects.filter(
            train=train,
            starts_at__lt=_midnight(end + dt.timedelta(days=1), tz),
            ends_at__gt=_midnight(start, tz),
        )
        .select_related("pi")
        .order_by("starts_at", "id")
    )
    by_day: dict[dt.date, list[EventOnDay]] = {}
    for event in events:
        for shown in days_of(event, tz):
            if start <= shown.day <= end:
                by_day.setdefault(shown.day, []).append(shown)
    holidays: dict[dt.date, list[str]] = {}
    for holiday_date, name in Holiday.objects.filter(train=train, date__range=(start, end)).values_list(
        "date", "name"
    ):
        holidays.setdefault(holiday_date, []).append(name)
    months = []
    first = start.replace(day=1)
    while first <= end:
        month = _month_grid(first, start, end, today)
        for week in month.weeks:
            for cell in week:
                if cell.in_month and cell.in_window:
                    cell.events = by_day.get(cell.date, [])
                    cell.holidays = holidays.get(cell.date, [])
        months.append(month)
        first = add_months(first, 1)
    agenda = [
        Day(
            date=day,
            in_month=True,
            in_window=True,
            is_today=day == today,
            events=by_day.get(day, []),
            holidays=holidays.get(day, []),
        )
        for day in sorted(set(by_day) | set(holidays))
    ]
    pis: list[ProgramIncrement] = list(
        ProgramIncrement.objects.filter(train=train)
        .annotate(event_count=Count("events"))
        .order_by("-start_date")
    )
    return CalendarPage(
        train=train,
        start=start,
        end=end,
        today=today,
        months=months,
        agenda=agenda,
        pis=pis,
        events=events,
        train_has_events=bool(events) or any(pi.event_count for pi in pis),  # type: ignore[attr-defined]
    )


def calendar_window(train: ReleaseTrain, start: dt.date | None) -> tuple[dt.date, dt.date]:
    """The days the calendar shows: a quarter ahead from today in the train's zone
    (art.rules.events.QUARTER_DAYS), or from `start`; from the first of a month (paging month by
    month), its three whole months."""
    first = start or local_today(train)
    if start is not None and start.day == 1:
        return first, add_months(first, 3) - dt.timedelta(days=1)
    return first, first + dt.timedelta(days=rules.events.QUARTER_DAYS - 1)


# --- one event -------------------------------------------------------------------------------


#: How the history names an event's fields (bookkeeping fields stay out).
HISTORY_LABELS = {
    "title": "title",
    "kind": "kind",
    "starts_at": "start",
    "ends_at": "end",
    "state": "state",
    "location": "location",
    "notes": "notes",
    "pi": "PI",
}


@dataclass(frozen=True)
class HistoryLine:
    actor: str
    what: str
    at: dt.datetime


def _history_line(record: ChangeRecord) -> HistoryLine:
    actor = record.actor
    who = (actor.get_full_name() or actor.get_username()) if actor is not None else "Railyard"
    changes = record.changes or {}
    state = changes.get("state")
    if record.action == "created":
        what = "generated it" if changes.get("slot") else "added it"
    elif record.action == "deleted":
        what = "deleted it"
    elif isinstance(state, list) and len(state) == 2 and set(changes) <= {"state", "edited"}:
        what = {"held": "marked it held", "cancelled": "cancelled it"}.get(state[1], "planned it again")
    else:
        fields = [HISTORY_LABELS[name] for name in changes if name in HISTORY_LABELS]
        what = "changed the " + (
            ", ".join(fields[:-1]) + " and " + fields[-1] if len(fields) > 1 else "".join(fields) or "event"
        )
    return HistoryLine(actor=who, what=what, at=record.at)


@dataclass
class EventPage:
    event: Event
    starts: dt.datetime  # in the train's zone
    ends: dt.datetime
    has_minutes: bool
    history: list[HistoryLine]

    @property
    def length(self) -> str:
        """ "90 minutes", "4 hours", "2 h 30 min", "2 days"."""
        days = (self.ends.date() - self.starts.date()).days + 1
        if days > 1:
            return f"{days} days"
        minutes = self.event.minutes
        hours, rest = divmod(minutes, 60)
        if not hours or (minutes < 120 and rest):
            return f"{minutes} minutes"
        if not rest:
            return f"{hours} hour{'s' if hours > 1 else ''}"
        return f"{hours} h {rest} min"


def event_page_data(*, event: Event) -> EventPage:
    """One event's page: its times in the train's zone, whether it holds minutes (it may not be
    deleted then) and its history, newest first. `event` comes with its train and PI."""
    tz = event.train.tz
    has_minutes = event.decisions.exists() or event.action_items.exists() or event.escalations.exists()
    return EventPage(
        event=event,
        starts=event.starts_at.astimezone(tz),
        ends=event.ends_at.astimezone(tz),
        has_minutes=has_minutes,
        history=[_history_line(r) for r in change_history(obj=event, limit=20)],
    )


# --- a person's feed -------------------------------------------------------------------------


def feed_events(
    *, user: Any, now: dt.datetime | None = None, train_ids: list[int] | None = None
) -> QuerySet[Event]:
    """The events of every train the person belongs to (or of `train_ids`, their trains when the
    caller has them), from FEED_DAYS_BACK days ago to a quarter ahead, with their train and PI, in
    one query. A train the person left is not in it."""
    now = now or timezone.now()
    trains: Any = (
        train_ids if train_ids is not None else Membership.objects.filter(user=user).values("train_id")
    )
    return (
        Event.objects.filter(
            train_id__in=trains,
            ends_at__gte=now - dt.timedelta(days=FEED_DAYS_BACK),
            starts_at__lte=now + dt.timedelta(days=rules.events.QUARTER_DAYS),
        )
        .select_related("train", "pi")
        .order_by("starts_at", "id")
    )
