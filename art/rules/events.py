"""The train's calendar (docs/domain.md, "The train's events"): which events a PI holds, on which
days and at which times, generated from its iterations and the train's cadence.

Everything here is a pure function of plain data. Times are built from a local day and a local
time in the train's time zone, so a sync at 10:00 stays at 10:00 across a daylight-saving change.
Each generated event has a *slot*: a name that stays the same when the event is generated
again (the sync of the third week on Wednesday, the system demo of iteration 2), so that
generating again updates an event instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

PI_PLANNING, ART_SYNC, COACH_SYNC, PO_SYNC, SYSTEM_DEMO, INSPECT_ADAPT = (
    "pi_planning",
    "art_sync",
    "coach_sync",
    "po_sync",
    "system_demo",
    "inspect_adapt",
)
KIND_LABELS = {
    PI_PLANNING: "PI planning",
    ART_SYNC: "ART sync",
    COACH_SYNC: "Coach sync",
    PO_SYNC: "PO sync",
    SYSTEM_DEMO: "System demo",
    INSPECT_ADAPT: "Inspect & Adapt",
}
SYNC_KINDS = frozenset({ART_SYNC, COACH_SYNC, PO_SYNC})
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: The calendar is published a quarter ahead (docs/domain.md).
QUARTER_DAYS = 91

CALENDAR_RULE = (
    "An ART sync (or a coach sync and a PO sync) in every week of the PI on the train's sync "
    "weekdays and time; a system demo on the last working day of every development iteration (a "
    "holiday moves it to the working day before); in the IP iteration, Inspect & Adapt on the "
    "working day before PI planning, and PI planning of the next PI on its last two working days. "
    "Generating again keeps every event a person edited or cancelled and adds none twice."
)


@dataclass(frozen=True)
class Cadence:
    """How a train holds its events (sync.models.SyncCadence holds the train's)."""

    sync_weekdays: tuple[int, ...] = (2,)  # 0 = Monday; one day weekly, two days twice weekly
    sync_time: dt.time = dt.time(10, 0)
    sync_minutes: int = 90
    separate_syncs: bool = False  # a coach sync then a PO sync instead of one ART sync
    coach_sync_minutes: int = 45
    po_sync_minutes: int = 45
    demo_time: dt.time = dt.time(14, 0)
    demo_minutes: int = 60
    ia_time: dt.time = dt.time(9, 0)
    ia_minutes: int = 240
    planning_start: dt.time = dt.time(9, 0)
    planning_end: dt.time = dt.time(17, 0)


#: The lengths a cadence allows, in minutes: field -> (least, most, what it is). An ART sync lasts
#: 30–90 minutes and Inspect & Adapt 3–4 hours (docs/domain.md, "The train's events").
CADENCE_MINUTES: dict[str, tuple[int, int, str]] = {
    "sync_minutes": (30, 90, "an ART sync"),
    "coach_sync_minutes": (15, 90, "a coach sync"),
    "po_sync_minutes": (15, 90, "a PO sync"),
    "demo_minutes": (30, 180, "a system demo"),
    "ia_minutes": (180, 240, "Inspect & Adapt"),
}
SYNC_WEEKDAYS_RULE = "sync_weekdays must be one or two different weekdays from 0 (Monday) to 4 (Friday)"
PLANNING_HOURS_RULE = "planning_end must be after planning_start"


def cadence_refusals(values: dict[str, object]) -> dict[str, str]:
    """Why a cadence is refused, by field (empty when it is fine): one or two different sync
    weekdays from Monday to Friday; each length within CADENCE_MINUTES; PI planning's day ends
    after it starts.

    Example: sync_weekdays [5] (Saturday) and sync_minutes 120 → {"sync_weekdays": SYNC_WEEKDAYS_RULE,
    "sync_minutes": "sync_minutes must be between 30 and 90: an ART sync lasts 30 to 90 minutes"}.
    """
    refusals: dict[str, str] = {}
    if "sync_weekdays" in values:
        days = values["sync_weekdays"]
        if (
            not isinstance(days, list | tuple)
            or not 1 <= len(days) <= 2
            or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 4 for d in days)
            or len(set(days)) != len(days)
        ):
            refusals["sync_weekdays"] = SYNC_WEEKDAYS_RULE
    for name, (least, most, what) in CADENCE_MINUTES.items():
        value = values.get(name)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not least <= value <= most
        ):
            refusals[name] = (
                f"{name} must be between {least} and {most}: {what} lasts {least} to {most} minutes"
            )
    start, end = values.get("planning_start"), values.get("planning_end")
    if isinstance(start, dt.time) and isinstance(end, dt.time) and end <= start:
        refusals["planning_end"] = PLANNING_HOURS_RULE
    return refusals


@dataclass(frozen=True)
class IterationDays:
    number: int
    name: str
    start: dt.date
    end: dt.date
    is_ip: bool


@dataclass(frozen=True)
class PlannedEvent:
    slot: str
    kind: str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime


def is_working_day(day: dt.date, holidays: frozenset[dt.date] | set[dt.date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def working_days(start: dt.date, end: dt.date, holidays: frozenset[dt.date] | set[dt.date]) -> list[dt.date]:
    """The working days (Monday to Friday, not a holiday) from start to end, both included."""
    days = []
    day = start
    while day <= end:
        if is_working_day(day, holidays):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def last_working_day(
    start: dt.date, end: dt.date, holidays: frozenset[dt.date] | set[dt.date]
) -> dt.date | None:
    """The last working day from `end` back to `start`: a demo on a holiday moves to the working
    day before. None when the span holds no working day."""
    day = end
    while day >= start:
        if is_working_day(day, holidays):
            return day
        day -= dt.timedelta(days=1)
    return None


def at(day: dt.date, time: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The moment `time` o'clock of `day` in the train's zone (daylight saving included)."""
    return dt.datetime.combine(day, time, tzinfo=tz)


def _iteration_of(day: dt.date, iterations: Sequence[IterationDays]) -> IterationDays | None:
    return next((i for i in iterations if i.start <= day <= i.end), None)


def pi_calendar(
    *,
    pi_start: dt.date,
    pi_end: dt.date,
    iterations: Iterable[IterationDays],
    cadence: Cadence,
    holidays: Iterable[dt.date] = (),
    tz: ZoneInfo,
) -> list[PlannedEvent]:
    """Every event of a PI, in time order (product rule):

    - a sync in every week of the PI on each of the cadence's weekdays that falls inside the PI:
      one ART sync, or a coach sync followed at once by a PO sync (slots `sync-w3-2`,
      `coach-w3-2`, `po-w3-2`: week 3, Wednesday);
    - a system demo on the last working day of every development iteration (slot `demo-2`);
    - in the first IP iteration: PI planning of the next PI on its last two working days (slot
      `pi-planning`), and Inspect & Adapt on the working day before (slot `inspect-adapt`). An IP
      iteration of two working days holds I&A on the first and one day of PI planning on the
      second; of one working day, I&A only. A PI without an IP iteration holds neither.

    Example: a PI from Monday 5 January 2026 of four 2-week iterations and a 2-week IP iteration,
    syncing on Wednesdays → 10 ART syncs (weeks 1 to 10), system demos on Fridays 16 January,
    30 January, 13 February and 27 February, I&A on Wednesday 11 March, PI planning on Thursday
    12 and Friday 13 March.
    """
    iterations = sorted(iterations, key=lambda i: i.number)
    off = frozenset(holidays)
    events: list[PlannedEvent] = []
    week_start = pi_start - dt.timedelta(days=pi_start.weekday())
    week = 1
    while week_start <= pi_end:
        for weekday in sorted(set(cadence.sync_weekdays)):
            day = week_start + dt.timedelta(days=weekday)
            if not pi_start <= day <= pi_end:
                continue
            iteration = _iteration_of(day, iterations)
            where = f" · {iteration.name}" if iteration else ""
            start = at(day, cadence.sync_time, tz)
            if cadence.separate_syncs:
                coach_end = start + dt.timedelta(minutes=cadence.coach_sync_minutes)
                events.append(
                    PlannedEvent(
                        f"coach-w{week}-{weekday}", COACH_SYNC, f"Coach sync{where}", start, coach_end
                    )
                )
                events.append(
                    PlannedEvent(
                        f"po-w{week}-{weekday}",
                        PO_SYNC,
                        f"PO sync{where}",
                        coach_end,
                        coach_end + dt.timedelta(minutes=cadence.po_sync_minutes),
                    )
                )
            else:
                events.append(
                    PlannedEvent(
                        f"sync-w{week}-{weekday}",
                        ART_SYNC,
                        f"ART sync{where}",
                        start,
                        start + dt.timedelta(minutes=cadence.sync_minutes),
                    )
                )
        week_start += dt.timedelta(days=7)
        week += 1
    for iteration in iterations:
        if iteration.is_ip:
            continue
        demo_day = last_working_day(iteration.start, iteration.end, off)
        if demo_day is None:
            continue
        start = at(demo_day, cadence.demo_time, tz)
        events.append(
            PlannedEvent(
                f"demo-{iteration.number}",
                SYSTEM_DEMO,
                f"System demo · {iteration.name}",
                start,
                start + dt.timedelta(minutes=cadence.demo_minutes),
            )
        )
    ip = next((i for i in iterations if i.is_ip), None)
    if ip is not None:
        days = working_days(ip.start, ip.end, off)
        planning_days = days[-2:] if len(days) >= 3 else days[1:2]
        ia_day = days[-3] if len(days) >= 3 else (days[0] if days else None)
        if ia_day is not None:
            start = at(ia_day, cadence.ia_time, tz)
            events.append(
                PlannedEvent(
                    "inspect-adapt",
                    INSPECT_ADAPT,
                    "Inspect & Adapt",
                    start,
                    start + dt.timedelta(minutes=cadence.ia_minutes),
                )
            )
        if planning_days:
            events.append(
                PlannedEvent(
                    "pi-planning",
                    PI_PLANNING,
                    "PI planning of the next PI",
                    at(planning_days[0], cadence.planning_start, tz),
                    at(planning_days[-1], cadence.planning_end, tz),
                )
            )
    return sorted(events, key=lambda e: (e.starts_at, e.slot))
