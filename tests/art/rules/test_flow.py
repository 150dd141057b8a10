"""art/rules/flow.py: feature states, flow, lead and cycle times, flow over a window, work in
progress and cumulative flow, on feature histories worked by hand (the arithmetic is in the
comments).

Pure functions, no database."""

from datetime import UTC, date, timedelta

import pytest

from art import rules
from art.rules.flow import FeatureHistory
from tests.art.rules.helpers import BERLIN, at, feature

# Feature A: funnel 1 May → analyzing 2 May → ready 3 May 12:00 → in_progress 4 May → blocked 5 May
# → in_progress 6 May → review 7 May → awaiting_deploy 7 May 12:00 → done 8 May.
A = feature(
    1,
    ("funnel", at(1)),
    ("analyzing", at(2)),
    ("ready", at(3, 12)),
    ("in_progress", at(4)),
    ("blocked", at(5)),
    ("in_progress", at(6)),
    ("review", at(7)),
    ("awaiting_deploy", at(7, 12)),
    ("done", at(8)),
    points=5,
)
# Feature B, reopened: ready 2 May → in_progress 3 May → done 4 May → in_progress 6 May → done 7 May.
B = feature(
    2,
    ("funnel", at(1)),
    ("ready", at(2)),
    ("in_progress", at(3)),
    ("done", at(4)),
    ("in_progress", at(6)),
    ("done", at(7)),
    points=3,
)
# Feature C, blocked two days: ready 1 May → in_progress 2 May → blocked 3 May → in_progress 5 May
# → done 6 May. No points.
C = feature(
    3,
    ("ready", at(1)),
    ("in_progress", at(2)),
    ("blocked", at(3)),
    ("in_progress", at(5)),
    ("done", at(6)),
    kind="enabler",
)
D_CANCELLED = feature(4, ("funnel", at(1)), ("ready", at(2)), ("cancelled", at(5)), points=8)
E_IN_PROGRESS = feature(5, ("ready", at(2)), ("in_progress", at(3)), points=13)


# ------------------------------------------------------------------------------------------
# States and per-feature helpers
# ------------------------------------------------------------------------------------------


def test_state_categories_are_those_of_the_domain():
    assert dict(rules.flow.STATE_CATEGORY) == {
        "funnel": "not_started",
        "analyzing": "not_started",
        "ready": "waiting",
        "in_progress": "active",
        "review": "active",
        "blocked": "waiting",
        "awaiting_deploy": "waiting",
        "done": "finished",
        "cancelled": "out",
    }
    assert sorted(rules.flow.IN_FLOW_STATES) == [
        "awaiting_deploy",
        "blocked",
        "in_progress",
        "ready",
        "review",
    ]
    assert sorted(rules.flow.ACTIVE_STATES) == ["in_progress", "review"]


def test_unknown_state_is_refused():
    with pytest.raises(ValueError, match="unknown feature state 'doing'"):
        feature(9, ("doing", at(1)))


def test_done_at_first_in_flow_and_first_active():
    assert rules.flow.done_at(A) == at(8)
    assert rules.flow.first_in_flow_at(A) == at(3, 12)  # ready; funnel and analyzing are outside the flow
    assert rules.flow.first_active_at(A) == at(4)
    assert rules.flow.current_state(A) == "done"


def test_done_at_of_a_reopened_feature_is_the_last_entry_into_done():
    # B: done 4 May, reopened 6 May, done again 7 May → done_at 7 May.
    assert rules.flow.done_at(B) == at(7)
    reopened_now = feature(6, ("ready", at(1)), ("done", at(2)), ("in_progress", at(3)))
    assert rules.flow.done_at(reopened_now) is None  # not done now
    assert rules.flow.done_at(D_CANCELLED) is None
    assert rules.flow.done_at(E_IN_PROGRESS) is None
    assert rules.flow.done_at(FeatureHistory(7, "business", None, at(1), ())) is None


def test_back_dated_transitions_are_read_by_their_time_not_their_order_of_recording():
    # An integration recorded on 20 May a history that happened 2–8 May; rows arrive in
    # recording order: done (8 May) was recorded before the back-dated in_progress (4 May).
    f = FeatureHistory(
        8,
        "business",
        2,
        at(1),
        [("funnel", at(1)), ("ready", at(2)), ("done", at(8)), ("in_progress", at(4))],
    )
    assert [t.state for t in f.transitions] == ["funnel", "ready", "in_progress", "done"]
    assert rules.flow.done_at(f) == at(8)
    assert rules.flow.cycle_time_days(f) == 4  # 8 May − 4 May
    # Done at 8 May counts in the window of 8 May although recorded on 20 May.
    assert rules.flow.flow_velocity([f], at(8), at(9)) == rules.flow.Velocity(1, 2)


def test_lead_time_starts_at_a_back_dated_history_before_created_at():
    # Imported on 10 May (created_at) with a history from 1 May: lead time from 1 May.
    f = feature(9, ("funnel", at(1)), ("ready", at(2)), ("done", at(6)), created=at(10))
    assert rules.flow.lead_time_days(f) == 5  # 6 May − 1 May, not 6 May − 10 May = −4
    later = feature(10, ("funnel", at(3)), ("ready", at(4)), ("done", at(6)), created=at(2))
    assert rules.flow.lead_time_days(later) == 4  # created_at 2 May is the earlier: 6 − 2


def test_flow_lead_and_cycle_times_in_days():
    # A: flow = 8 May − 3 May 12:00 = 4.5; lead = 8 − 1 = 7; cycle = 8 − 4 = 4.
    assert rules.flow.flow_time_days(A) == 4.5
    assert rules.flow.lead_time_days(A) == 7
    assert rules.flow.cycle_time_days(A) == 4
    # B (reopened): flow = 7 − 2 = 5; lead = 7 − 1 = 6; cycle = 7 − 3 = 4.
    assert (rules.flow.flow_time_days(B), rules.flow.lead_time_days(B), rules.flow.cycle_time_days(B)) == (
        5,
        6,
        4,
    )
    # Not done: no times.
    assert rules.flow.flow_time_days(E_IN_PROGRESS) is None
    assert rules.flow.lead_time_days(E_IN_PROGRESS) is None
    assert rules.flow.cycle_time_days(E_IN_PROGRESS) is None


def test_a_feature_done_without_entering_the_flow_has_no_flow_or_cycle_time():
    f = feature(11, ("funnel", at(1)), ("done", at(3)))
    assert rules.flow.flow_time(f) is None
    assert rules.flow.cycle_time(f) is None
    assert rules.flow.lead_time_days(f) == 2
    assert rules.flow.time_in_states(f) is None


def test_time_in_states_between_flow_entry_and_done():
    # A from 3 May 12:00 to 8 May: ready ½, in_progress 1 + 1, blocked 1, review ½,
    # awaiting_deploy ½ → 4.5 days = its flow time (funnel and analyzing are before the flow).
    spent = {s: d / timedelta(days=1) for s, d in rules.flow.time_in_states(A).items()}
    assert spent == {"ready": 0.5, "in_progress": 2, "blocked": 1, "review": 0.5, "awaiting_deploy": 0.5}
    assert sum(spent.values()) == rules.flow.flow_time_days(A)
    assert rules.flow.active_time(A) == timedelta(days=2.5)  # in_progress 2 + review 0.5
    # B: ready 1, in_progress 1 + 1, done 2 (4 → 6 May, before its reopening) → 5 = flow time.
    spent_b = {s: d / timedelta(days=1) for s, d in rules.flow.time_in_states(B).items()}
    assert spent_b == {"ready": 1, "in_progress": 2, "done": 2}


def test_state_at_inclusive_and_exclusive():
    assert rules.flow.state_at(B, at(4)) == "done"  # the transition at t has happened
    assert rules.flow.state_at(B, at(4), inclusive=False) == "in_progress"  # just before t
    assert rules.flow.state_at(B, at(1) - timedelta(seconds=1)) is None  # before it existed


# ------------------------------------------------------------------------------------------
# Flow over a window
# ------------------------------------------------------------------------------------------

ALL = [A, B, C, D_CANCELLED, E_IN_PROGRESS]


def test_flow_velocity_counts_and_points_in_a_half_open_window():
    # done_at: A 8 May (5 pts), B 7 May (3 pts), C 6 May (no points → 0); D cancelled, E open.
    assert rules.flow.flow_velocity(ALL, at(6), at(8)) == rules.flow.Velocity(count=2, points=3)  # B, C
    assert rules.flow.flow_velocity(ALL, at(6), at(9)) == rules.flow.Velocity(count=3, points=8)  # + A
    # Boundary: done exactly at start counts, exactly at end does not.
    assert rules.flow.flow_velocity([A], at(8), at(9)).count == 1
    assert rules.flow.flow_velocity([A], at(7), at(8)).count == 0
    # B's first done (4 May) does not count: done_at is the last entry into done.
    assert rules.flow.flow_velocity([B], at(4), at(5)).count == 0
    assert rules.flow.finished_in(ALL, at(1), at(31)) == [A, B, C]


def test_flow_time_summaries_over_a_window():
    # Finished 1–10 May: A, B, C. Flow times 4.5, 5, 5 (C: 6 May − 1 May).
    assert sorted(rules.flow.flow_times(ALL, at(1), at(10))) == [4.5, 5, 5]
    summary = rules.stats.summarize(rules.flow.flow_times(ALL, at(1), at(10)))
    # mean 14.5 / 3 = 4.8333 → 4.83; median 5; p85 → ⌈2.55⌉ = 3rd = 5.
    assert summary == rules.stats.Summary(count=3, mean=4.83, median=5, p85=5)
    # Lead: A 7, B 6, C 5 (6 − 1). Cycle: A 4, B 4, C 4 (6 − 2).
    assert sorted(rules.flow.lead_times(ALL, at(1), at(10))) == [5, 6, 7]
    assert rules.flow.cycle_times(ALL, at(1), at(10)) == [4, 4, 4]


def test_flow_efficiency_is_pooled():
    # A alone: active 2.5 ÷ flow 4.5 = 55.555… → 55.56.
    assert rules.flow.flow_efficiency([A], at(1), at(10)) == 55.56
    # B alone: active 2 (in_progress 3→4 and 6→7) ÷ flow 5 (the 2 days done count) = 40.
    assert rules.flow.flow_efficiency([B], at(1), at(10)) == 40
    # Pooled A + B: (2.5 + 2) ÷ (4.5 + 5) = 4.5 / 9.5 = 47.368… → 47.37
    # (the mean of the two ratios would be 47.78).
    assert rules.flow.flow_efficiency([A, B], at(1), at(10)) == 47.37
    # Only features finished in the window count: [8 May, 9 May) holds A only.
    assert rules.flow.flow_efficiency([A, B], at(8), at(9)) == 55.56
    assert rules.flow.flow_efficiency([E_IN_PROGRESS, D_CANCELLED], at(1), at(10)) is None


def test_blocked_time_counts_as_waiting_in_efficiency():
    # C: ready 1 May, in_progress 2 May, blocked 3–5 May, in_progress 5 May, done 6 May.
    # Active = 1 (2→3) + 1 (5→6) = 2 of a flow time of 5 → 40 %; were blocked active it would be 80 %.
    assert rules.flow.flow_efficiency([C], at(1), at(10)) == 40


def test_flow_distribution_by_kind():
    # Finished 1–10 May: A business 5 pts, B business 3 pts, C enabler no points.
    # Count: business 2/3 = 66.67, enabler 1/3 = 33.33, defect 0.
    # Points: business 8/8 = 100, enabler 0/8 = 0, defect 0.
    dist = rules.flow.flow_distribution(ALL, at(1), at(10))
    assert list(dist) == ["business", "enabler", "defect"]
    assert dist["business"] == rules.flow.KindShare(count=66.67, points=100, features=2, point_total=8)
    assert dist["enabler"] == rules.flow.KindShare(count=33.33, points=0, features=1, point_total=0)
    assert dist["defect"] == rules.flow.KindShare(count=0, points=0, features=0, point_total=0)

    defect = feature(12, ("ready", at(1)), ("done", at(2)), kind="defect", points=2)
    # With a 2-point defect: count 2/4, 1/4, 1/4 → 50, 25, 25; points 8/10, 0, 2/10 → 80, 0, 20.
    dist = rules.flow.flow_distribution([*ALL, defect], at(1), at(10))
    assert {k: (v.count, v.points) for k, v in dist.items()} == {
        "business": (50, 80),
        "enabler": (25, 0),
        "defect": (25, 20),
    }


def test_flow_distribution_of_an_empty_window_has_every_kind_undefined():
    dist = rules.flow.flow_distribution(ALL, at(20), at(21))
    assert dist == {k: rules.flow.KindShare(None, None, 0, 0) for k in ("business", "enabler", "defect")}


# ------------------------------------------------------------------------------------------
# Flow load and cumulative flow
# ------------------------------------------------------------------------------------------

# P: ready 2 May → done 4 May → in_progress 6 May (reopened) → done 8 May.
P = feature(20, ("ready", at(2)), ("done", at(4)), ("in_progress", at(6)), ("done", at(8)))
# Q: funnel 1 May → ready 3 May → cancelled 5 May.
Q = feature(21, ("funnel", at(1)), ("ready", at(3)), ("cancelled", at(5)))
# R: funnel 1 May, never enters the flow.
R = feature(22, ("funnel", at(1)))
# S: created straight into ready on 4 May 12:00.
S = feature(23, ("ready", at(4, 12)))
LOAD = [P, Q, R, S]


def test_wip_at_a_time():
    assert rules.flow.wip_at(LOAD, at(3, 12)) == 2  # P ready, Q ready
    assert rules.flow.wip_at(LOAD, at(4)) == 1  # P done at t (not WIP), Q ready; S not yet created
    assert rules.flow.wip_at(LOAD, at(5)) == 1  # Q cancelled at t leaves WIP; S ready
    assert rules.flow.wip_at(LOAD, at(6, 12)) == 2  # P reopened counts again; S
    assert rules.flow.wip_at(LOAD, at(8)) == 1  # P done again; S
    assert rules.flow.wip_at([R], at(9)) == 0  # never in flow


def test_wip_series_at_end_of_day():
    # End of day d = next midnight; the state is the one in force just before it.
    # 1 May: nothing in flow (Q, R in funnel) → 0
    # 2 May: P ready → 1 (Q's ready at 3 May 00:00 belongs to 3 May)
    # 3 May: P ready, Q ready → 2 (P's done at 4 May 00:00 belongs to 4 May)
    # 4 May: Q ready, S ready → 2 (P done)
    # 5 May: S → 1 (Q cancelled)
    # 6 May: P in_progress, S → 2; 7 May: same → 2; 8 May: P done → 1
    series = rules.flow.wip_series(LOAD, date(2026, 5, 1), date(2026, 5, 9), UTC)
    assert [(p.date.day, p.wip) for p in series] == [
        (1, 0),
        (2, 1),
        (3, 2),
        (4, 2),
        (5, 1),
        (6, 2),
        (7, 2),
        (8, 1),
    ]
    assert rules.flow.wip_series(LOAD, date(2026, 5, 9), date(2026, 5, 9), UTC) == []


def test_wip_series_reads_days_in_the_trains_time_zone():
    # Ready at 3 May 23:00 UTC = 4 May 01:00 in Berlin.
    f = feature(24, ("funnel", at(1)), ("ready", at(3, 23)))
    utc = rules.flow.wip_series([f], date(2026, 5, 3), date(2026, 5, 5), UTC)
    berlin = rules.flow.wip_series([f], date(2026, 5, 3), date(2026, 5, 5), BERLIN)
    assert [p.wip for p in utc] == [1, 1]  # in flow before 4 May 00:00 UTC
    assert [p.wip for p in berlin] == [0, 1]  # end of 3 May in Berlin is 3 May 22:00 UTC


def test_cumulative_flow_per_state_and_category():
    days = rules.flow.cumulative_flow(LOAD, date(2026, 5, 1), date(2026, 5, 5), UTC)
    assert [d.date for d in days] == [date(2026, 5, i) for i in (1, 2, 3, 4)]
    # 1 May: Q and R in funnel (P and S not created yet).
    assert days[0].states == {**dict.fromkeys(rules.flow.FEATURE_STATES, 0), "funnel": 2}
    assert days[0].categories == {**dict.fromkeys(rules.flow.CATEGORIES, 0), "not_started": 2}
    # 4 May: P done, Q ready, R funnel, S ready.
    assert {s: n for s, n in days[3].states.items() if n} == {"done": 1, "ready": 2, "funnel": 1}
    assert days[3].categories == {"not_started": 1, "waiting": 2, "active": 0, "finished": 1, "out": 0}
    # 5 May onwards Q is out.
    later = rules.flow.cumulative_flow(LOAD, date(2026, 5, 5), date(2026, 5, 6), UTC)[0]
    assert later.categories["out"] == 1


def test_flow_report_reads_dates_in_the_trains_time_zone():
    # Window 7–9 May in Berlin = [6 May 22:00 UTC, 8 May 22:00 UTC): B (7 May) and A (8 May 00:00).
    report = rules.flow.flow_report(ALL, date(2026, 5, 7), date(2026, 5, 9), BERLIN)
    assert report.velocity == rules.flow.Velocity(count=2, points=8)
    # Flow times A 4.5, B 5 → mean 4.75, median 4.75, p85 → ⌈1.7⌉ = 2nd = 5.
    assert report.flow_time == rules.stats.Summary(2, 4.75, 4.75, 5)
    assert report.lead_time == rules.stats.Summary(2, 6.5, 6.5, 7)
    assert report.cycle_time == rules.stats.Summary(2, 4, 4, 4)
    assert report.efficiency == 47.37
    assert report.distribution["business"].count == 100
    # Load at end of 7 and 8 May (Berlin): E in_progress both days; A until 8 May 00:00 UTC
    # (7 May end in Berlin = 7 May 22:00 UTC: A awaiting_deploy) → 2, then 1.
    assert [(p.date, p.wip) for p in report.load] == [(date(2026, 5, 7), 2), (date(2026, 5, 8), 1)]
