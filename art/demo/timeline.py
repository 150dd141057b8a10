"""Pure helpers that lay out the demo's calendar and a feature's state history: no database."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from art.models import FeatureState

S = FeatureState
PI_WEEKS = 10  # 4 development iterations of 2 weeks and the IP iteration


@dataclass(frozen=True)
class PISlot:
    name: str
    start: dt.date
    end: dt.date
    closed: bool


def pi_calendar(today: dt.date, closed: int) -> list[PISlot]:
    """`closed` back-to-back PIs of 10 weeks that ended last Sunday at the latest, then the
    current PI, in planning, starting next Monday: the week between is PI planning week."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    last_end = next_monday - dt.timedelta(days=8)  # the Sunday before this week: always past
    spans = []
    for index in range(closed, 0, -1):
        end = last_end - dt.timedelta(weeks=PI_WEEKS * (index - 1))
        spans.append((end - dt.timedelta(days=PI_WEEKS * 7 - 1), end, True))
    spans.append((next_monday, next_monday + dt.timedelta(days=PI_WEEKS * 7 - 1), False))
    return [PISlot(pi_name(start), start, end, is_closed) for start, end, is_closed in spans]


def pi_name(start: dt.date) -> str:
    """ "PI 26.4": the year and which tenth-week block of it the PI starts in, so that PIs 10
    weeks apart never share a name."""
    year, week, _ = start.isocalendar()
    return f"PI {year % 100}.{week // 10 + 1}"


def moments(
    rng: random.Random,
    first: dt.date,
    last: dt.date,
    n: int,
    tz: zoneinfo.ZoneInfo,
    after: dt.datetime | None = None,
) -> list[dt.datetime]:
    """n strictly increasing moments in office hours on workdays from `first` to `last`, all
    later than `after`. A window too short still yields a sequence, minutes apart."""
    if last < first:
        last = first
    span = (last - first).days
    days = []
    for _ in range(n):
        day = first + dt.timedelta(days=rng.randint(0, span))
        if day.weekday() >= 5:  # a weekend: the Friday before, unless that leaves the window
            friday = day - dt.timedelta(days=day.weekday() - 4)
            day = friday if friday >= first else day + dt.timedelta(days=7 - day.weekday())
        days.append(day)
    days.sort()
    out: list[dt.datetime] = []
    previous = after
    for day in days:
        at = dt.datetime.combine(day, dt.time(8, 30), tzinfo=tz) + dt.timedelta(
            minutes=rng.randint(0, 9 * 60)
        )
        if previous is not None and at <= previous:
            at = previous + dt.timedelta(minutes=rng.randint(5, 90))
        out.append(at)
        previous = at
    return out


def churn_states(rng: random.Random, churn: int) -> list[str]:
    """The detours of a feature in work: blocked and unblocked, or sent back from review."""
    detours: list[str] = []
    for _ in range(rng.randint(0, churn)):
        detours += [S.BLOCKED, S.IN_PROGRESS] if rng.random() < 0.45 else [S.REVIEW, S.IN_PROGRESS]
    return detours


def finished_path(rng: random.Random, churn: int) -> list[str]:
    """funnel → analyzing → ready → in progress (→ detours) → review (→ blocked) → awaiting
    deploy → done."""
    tail = [S.REVIEW] + ([S.BLOCKED] if rng.random() < 0.15 else []) + [S.AWAITING_DEPLOY, S.DONE]
    return [S.FUNNEL, S.ANALYZING, S.READY, S.IN_PROGRESS, *churn_states(rng, churn), *tail]


def history(
    rng: random.Random,
    tz: zoneinfo.ZoneInfo,
    *,
    path: Sequence[str],
    created: dt.date,
    ready_by: dt.date,
    work_start: dt.date | None = None,
    work_end: dt.date | None = None,
    finish_by: dt.date | None = None,
    not_after: dt.datetime | None = None,
) -> list[tuple[str, str, dt.datetime]]:
    """(from_state, to_state, at) for `path`: created, analysed and made ready before
    `ready_by`; the work from `work_start` to `work_end`; awaiting deploy and done after
    `work_end` by `finish_by`. Never later than `not_after`."""
    pre = [s for s in path[:3] if s in (S.FUNNEL, S.ANALYZING, S.READY)]
    rest = path[len(pre) :]
    finishing = [s for s in rest[-2:] if s in (S.AWAITING_DEPLOY, S.DONE)] if S.DONE in rest else []
    working = rest[: len(rest) - len(finishing)]
    times = [
        dt.datetime.combine(created, dt.time(9, 0), tzinfo=tz) + dt.timedelta(minutes=rng.randint(0, 480))
    ]
    if len(pre) > 1:
        # Analysed some time after creation; made ready shortly before it is needed.
        opened = created + dt.timedelta(days=1)
        midpoint = opened + max(ready_by - opened, dt.timedelta(0)) * 0.6
        times += moments(rng, opened, max(opened, midpoint), 1, tz, after=times[-1])
        if len(pre) > 2:
            times += moments(
                rng,
                max(midpoint, ready_by - dt.timedelta(days=12)),
                max(opened, ready_by),
                1,
                tz,
                after=times[-1],
            )
    if working:
        # Work starts within the first days of its first iteration, then moves on to its end.
        start = work_start or ready_by
        end = max(start, work_end or start)
        times += moments(rng, start, min(end, start + dt.timedelta(days=3)), 1, tz, after=times[-1])
        times += moments(rng, start + dt.timedelta(days=2), end, len(working) - 1, tz, after=times[-1])
    if finishing:
        end = work_end or ready_by
        times += moments(rng, end, max(end, finish_by or end), len(finishing), tz, after=times[-1])
    if not_after is not None and times[-1] > not_after:
        # Squeeze the whole history before the limit, keeping its order.
        first = times[0]
        scale = max((not_after - first) / max(times[-1] - first, dt.timedelta(seconds=1)), 0)
        times = [first + (t - first) * scale for t in times]
        times = [t - dt.timedelta(seconds=len(times) - i) for i, t in enumerate(times)]
    states: list[str] = ["", *path]
    return [(states[i], states[i + 1], times[i]) for i in range(len(path))]
