"""The calendar rule (art.rules.events.pi_calendar) and the cadence's limits, worked by hand.

The PI of most tests: Monday 2 March 2026, five iterations of two weeks, the last one IP:
  Iteration 1  Mon  2 Mar – Sun 15 Mar
  Iteration 2  Mon 16 Mar – Sun 29 Mar   (daylight saving starts in Berlin on Sunday 29 March)
  Iteration 3  Mon 30 Mar – Sun 12 Apr   (Good Friday 3 Apr)
  Iteration 4  Mon 13 Apr – Sun 26 Apr
  IP           Mon 27 Apr – Sun 10 May
Berlin is UTC+1 (CET) until 29 March, UTC+2 (CEST) after: 10:00 there is 09:00 UTC, then 08:00 UTC.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from art.rules.events import (
    ART_SYNC,
    COACH_SYNC,
    INSPECT_ADAPT,
    PI_PLANNING,
    PO_SYNC,
    SYNC_WEEKDAYS_RULE,
    SYSTEM_DEMO,
    Cadence,
    IterationDays,
    cadence_refusals,
    pi_calendar,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
START = dt.date(2026, 3, 2)
GOOD_FRIDAY = dt.date(2026, 4, 3)


def iterations(start=START, count=5, weeks=2, ip=True):
    out = []
    for n in range(count):
        first = start + dt.timedelta(weeks=weeks * n)
        last_is_ip = ip and n == count - 1
        out.append(
            IterationDays(
                n + 1,
                "IP" if last_is_ip else f"Iteration {n + 1}",
                first,
                first + dt.timedelta(weeks=weeks, days=-1),
                last_is_ip,
            )
        )
    return out


USUAL = Cadence()


def calendar(cadence=USUAL, holidays=(), its=None, start=START):
    its = its or iterations(start)
    return pi_calendar(
        pi_start=its[0].start,
        pi_end=its[-1].end,
        iterations=its,
        cadence=cadence,
        holidays=holidays,
        tz=BERLIN,
    )


def utc(*args):
    return dt.datetime(*args, tzinfo=UTC)


def of(events, kind):
    return [e for e in events if e.kind == kind]


def test_a_weekly_wednesday_sync_is_ten_syncs_across_daylight_saving():
    # given the PI above, syncing on Wednesdays at 10:00 for 90 minutes (the defaults)
    events = calendar(holidays=[GOOD_FRIDAY, dt.date(2026, 4, 10)])
    syncs = of(events, ART_SYNC)
    # then one sync in each of the 10 weeks, on Wednesday
    assert [s.starts_at.date() for s in syncs] == [
        dt.date(2026, 3, 4),
        dt.date(2026, 3, 11),
        dt.date(2026, 3, 18),
        dt.date(2026, 3, 25),
        dt.date(2026, 4, 1),
        dt.date(2026, 4, 8),
        dt.date(2026, 4, 15),
        dt.date(2026, 4, 22),
        dt.date(2026, 4, 29),
        dt.date(2026, 5, 6),
    ]
    # always 10:00 in Berlin: 09:00 UTC before 29 March (CET), 08:00 UTC after (CEST)
    assert all(s.starts_at.astimezone(BERLIN).time() == dt.time(10, 0) for s in syncs)
    assert syncs[3].starts_at == utc(2026, 3, 25, 9, 0)
    assert syncs[4].starts_at == utc(2026, 4, 1, 8, 0)
    assert syncs[4].ends_at == utc(2026, 4, 1, 9, 30)  # 90 minutes
    # each named after its week and weekday, and the iteration it falls in
    assert [s.slot for s in syncs[:2]] == ["sync-w1-2", "sync-w2-2"]
    assert syncs[0].title == "ART sync · Iteration 1" and syncs[-1].title == "ART sync · IP"


def test_system_demos_end_each_development_iteration_and_a_holiday_moves_one_to_thursday():
    # given Friday 10 April, the end of iteration 3, is a day off (and Good Friday too)
    events = calendar(holidays=[GOOD_FRIDAY, dt.date(2026, 4, 10)])
    demos = of(events, SYSTEM_DEMO)
    # then four demos at 14:00 Berlin: the Fridays that end iterations 1, 2 and 4, and Thursday
    # 9 April for iteration 3 (the working day before its Friday); Good Friday, mid-iteration,
    # moves nothing
    assert [(d.slot, d.starts_at) for d in demos] == [
        ("demo-1", utc(2026, 3, 13, 13, 0)),  # Fri 13 Mar 14:00 CET
        ("demo-2", utc(2026, 3, 27, 13, 0)),  # Fri 27 Mar 14:00 CET (DST starts two days later)
        ("demo-3", utc(2026, 4, 9, 12, 0)),  # Thu 9 Apr 14:00 CEST
        ("demo-4", utc(2026, 4, 24, 12, 0)),  # Fri 24 Apr 14:00 CEST
    ]
    assert demos[2].starts_at.astimezone(BERLIN).strftime("%A") == "Thursday"
    assert all(d.ends_at - d.starts_at == dt.timedelta(hours=1) for d in demos)
    assert [d.title for d in demos[:1]] == ["System demo · Iteration 1"]


def test_good_friday_at_the_end_of_an_iteration_moves_its_demo_to_thursday():
    # given a PI a week later: iteration 2 runs Mon 23 Mar – Sun 5 Apr, whose Friday is Good Friday
    events = calendar(holidays=[GOOD_FRIDAY], start=dt.date(2026, 3, 9))
    demo = next(d for d in of(events, SYSTEM_DEMO) if d.slot == "demo-2")
    # then its demo is on Thursday 2 April, 14:00 CEST = 12:00 UTC
    assert demo.starts_at == utc(2026, 4, 2, 12, 0)


def test_inspect_adapt_and_two_days_of_pi_planning_close_the_ip_iteration():
    events = calendar(holidays=[GOOD_FRIDAY, dt.date(2026, 4, 10)])
    # the IP iteration's working days: 27–30 Apr, 1 May, 4–8 May; its last two hold PI planning,
    # the one before Inspect & Adapt
    (ia,) = of(events, INSPECT_ADAPT)
    (planning,) = of(events, PI_PLANNING)
    assert (ia.starts_at, ia.ends_at) == (utc(2026, 5, 6, 7, 0), utc(2026, 5, 6, 11, 0))  # Wed 09:00–13:00
    assert (planning.starts_at, planning.ends_at) == (
        utc(2026, 5, 7, 7, 0),  # Thu 7 May 09:00 CEST
        utc(2026, 5, 8, 15, 0),  # Fri 8 May 17:00 CEST
    )
    assert (ia.slot, planning.slot) == ("inspect-adapt", "pi-planning")
    # 10 syncs + 4 demos + I&A + PI planning, in time order
    assert len(events) == 16
    assert [e.starts_at for e in events] == sorted(e.starts_at for e in events)


def test_a_holiday_in_the_ip_iteration_moves_planning_and_inspect_adapt_a_day_earlier():
    # given Friday 8 May is a holiday: the working days end Thursday 7 May
    events = calendar(holidays=[dt.date(2026, 5, 8)])
    (ia,) = of(events, INSPECT_ADAPT)
    (planning,) = of(events, PI_PLANNING)
    # then PI planning on Wednesday 6 and Thursday 7 May, I&A on Tuesday 5 May
    assert ia.starts_at == utc(2026, 5, 5, 7, 0)
    assert (planning.starts_at, planning.ends_at) == (utc(2026, 5, 6, 7, 0), utc(2026, 5, 7, 15, 0))


def test_twice_weekly_on_tuesday_and_thursday_is_twenty_syncs():
    events = calendar(Cadence(sync_weekdays=(1, 3), sync_minutes=60))
    syncs = of(events, ART_SYNC)
    # 10 weeks × 2 days
    assert len(syncs) == 20
    assert [s.starts_at.date() for s in syncs[:3]] == [
        dt.date(2026, 3, 3),
        dt.date(2026, 3, 5),
        dt.date(2026, 3, 10),
    ]
    assert syncs[-1].starts_at.date() == dt.date(2026, 5, 7)
    assert [s.slot for s in syncs[:2]] == ["sync-w1-1", "sync-w1-3"]
    assert syncs[0].ends_at - syncs[0].starts_at == dt.timedelta(minutes=60)


def test_separate_coach_and_po_syncs_follow_each_other():
    events = calendar(Cadence(separate_syncs=True, coach_sync_minutes=45, po_sync_minutes=30))
    coach, po = of(events, COACH_SYNC), of(events, PO_SYNC)
    # one pair a week: no ART sync at all
    assert len(coach) == len(po) == 10 and not of(events, ART_SYNC)
    # Wed 4 Mar: coach sync 10:00–10:45, PO sync 10:45–11:15 (CET: 09:00–09:45 and 09:45–10:15 UTC)
    assert (coach[0].starts_at, coach[0].ends_at) == (utc(2026, 3, 4, 9, 0), utc(2026, 3, 4, 9, 45))
    assert (po[0].starts_at, po[0].ends_at) == (utc(2026, 3, 4, 9, 45), utc(2026, 3, 4, 10, 15))
    assert all(c.ends_at == p.starts_at for c, p in zip(coach, po, strict=True))
    assert (coach[0].slot, po[0].slot) == ("coach-w1-2", "po-w1-2")


def test_a_pi_without_an_ip_iteration_holds_no_inspect_adapt_nor_planning():
    events = calendar(its=iterations(ip=False))
    # five development iterations: five demos, the last on Friday 8 May (iteration 5 ends Sun 10)
    demos = of(events, SYSTEM_DEMO)
    assert len(demos) == 5 and demos[-1].starts_at.date() == dt.date(2026, 5, 8)
    assert not of(events, INSPECT_ADAPT) and not of(events, PI_PLANNING)
    assert len(events) == 10 + 5


def test_a_pi_starting_midweek_counts_weeks_from_its_monday():
    # given a PI from Thursday 5 March: the Wednesday of its first week lies before it
    its = [IterationDays(1, "Iteration 1", dt.date(2026, 3, 5), dt.date(2026, 3, 18), False)]
    events = pi_calendar(
        pi_start=dt.date(2026, 3, 5),
        pi_end=dt.date(2026, 3, 18),
        iterations=its,
        cadence=Cadence(),
        tz=BERLIN,
    )
    # then week 1 has no sync; week 2's is Wednesday 11 March, week 3's Wednesday 18 March
    assert [(e.slot, e.starts_at.date()) for e in of(events, ART_SYNC)] == [
        ("sync-w2-2", dt.date(2026, 3, 11)),
        ("sync-w3-2", dt.date(2026, 3, 18)),
    ]


def test_the_cadence_refuses_a_weekend_sync_and_lengths_outside_the_rule():
    assert cadence_refusals({"sync_weekdays": [2], "sync_minutes": 90, "ia_minutes": 180}) == {}
    refusals = cadence_refusals(
        {
            "sync_weekdays": [5],  # Saturday
            "sync_minutes": 120,
            "ia_minutes": 300,
            "planning_start": dt.time(17, 0),
            "planning_end": dt.time(9, 0),
        }
    )
    assert refusals == {
        "sync_weekdays": SYNC_WEEKDAYS_RULE,
        "sync_minutes": "sync_minutes must be between 30 and 90: an ART sync lasts 30 to 90 minutes",
        "ia_minutes": "ia_minutes must be between 180 and 240: Inspect & Adapt lasts 180 to 240 minutes",
        "planning_end": "planning_end must be after planning_start",
    }
    # one or two different weekdays, no booleans
    for days in ([], [1, 2, 3], [2, 2], [True], "2"):
        assert "sync_weekdays" in cadence_refusals({"sync_weekdays": days}), days
