"""Railyard's metric calculations on data worked by hand (the arithmetic is in the comments).

Pure functions, no database: these tests need no Django fixtures.
"""

import math
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from art import rules
from art.rules.dependencies import DependencyDates
from art.rules.flow import FeatureHistory
from art.rules.forecast import ForecastError
from art.rules.predictability import ObjectiveScore

BERLIN = ZoneInfo("Europe/Berlin")  # UTC+2 in May 2026 (summer time)


def at(day: int, hour: float = 0, month: int = 5) -> datetime:
    """A UTC instant in 2026: `at(3, 12)` is 3 May 2026 12:00 UTC."""
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


def feature(fid, *transitions, kind="business", points=None, created=None) -> FeatureHistory:
    """transitions: (state, datetime) pairs; created defaults to the first transition."""
    return FeatureHistory(
        id=fid, kind=kind, points=points, created_at=created or transitions[0][1], transitions=transitions
    )


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
# Percentiles, median, summaries
# ------------------------------------------------------------------------------------------

DOMAIN_VALUES = [1, 2, 2, 3, 3, 4, 5, 6, 8, 13]


def test_percentiles_by_nearest_rank_domain_example():
    # n = 10: 50th → rank ⌈5⌉ = 5th smallest = 3; 85th → rank ⌈8.5⌉ = 9th smallest = 8.
    assert rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 50) == 3
    assert rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 85) == 8
    # 95th → ⌈9.5⌉ = 10th = 13; 100th → 13; 0th → the smallest; 10th → ⌈1⌉ = 1st = 1.
    assert rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 95) == 13
    assert rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 100) == 13
    assert rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 0) == 1
    assert rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 10) == 1
    # Order of the input does not matter.
    assert rules.stats.percentile_nearest_rank(reversed(DOMAIN_VALUES), 85) == 8
    # 3 values, 85th → ⌈2.55⌉ = 3rd.
    assert rules.stats.percentile_nearest_rank([4.5, 5, 5], 85) == 5
    assert rules.stats.percentile_nearest_rank([], 50) is None
    with pytest.raises(ValueError):
        rules.stats.percentile_nearest_rank(DOMAIN_VALUES, 101)


def test_median_is_the_usual_median():
    assert rules.stats.median(DOMAIN_VALUES) == 3.5  # (3 + 4) / 2, while the nearest-rank 50th is 3
    assert rules.stats.median([5, 1, 3]) == 3
    assert rules.stats.median([]) is None
    assert rules.stats.mean([1, 2]) == 1.5
    assert rules.stats.mean([]) is None


def test_summarize():
    # Σ = 1+2+2+3+3+4+5+6+8+13 = 47 → mean 4.7; median 3.5; p85 8.
    assert rules.stats.summarize(DOMAIN_VALUES) == rules.stats.Summary(count=10, mean=4.7, median=3.5, p85=8)
    # 1, 2, 2 → mean 5/3 = 1.666… → 1.67 (rounded to 2 decimals).
    assert rules.stats.summarize([1, 2, 2]).mean == 1.67
    assert rules.stats.summarize([]) == rules.stats.Summary(0, None, None, None)


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


# ------------------------------------------------------------------------------------------
# Predictability
# ------------------------------------------------------------------------------------------


def obj(team, committed, planned, actual):
    return ObjectiveScore(team_id=team, committed=committed, planned_bv=planned, actual_bv=actual)


DOMAIN_TEAM = [obj(1, True, 8, 8), obj(1, True, 5, 3), obj(1, True, 2, 2), obj(1, False, 3, 3)]


def test_predictability_domain_example_over_100_percent_is_not_capped():
    # planned (committed only) 8 + 5 + 2 = 15; actual (all) 8 + 3 + 2 + 3 = 16 → 106.666… → 106.67.
    result = rules.predictability.predictability(DOMAIN_TEAM)
    assert result == rules.predictability.PredictabilityResult(
        planned=15, actual=16, percent=106.67, status="ok", unscored=0
    )


def test_predictability_na_without_committed_planned_value():
    # Only uncommitted objectives: nothing to divide by.
    result = rules.predictability.predictability([obj(1, False, 5, 5)])
    assert (result.planned, result.actual, result.percent, result.status) == (0, 5, None, "n/a")
    assert rules.predictability.predictability([]).status == "n/a"


def test_predictability_not_scored_is_not_zero():
    # Committed 8 scored 8, committed 5 not scored yet: withheld, not 8/13 = 61.54 %.
    result = rules.predictability.predictability([obj(1, True, 8, 8), obj(1, True, 5, None)])
    assert result == rules.predictability.PredictabilityResult(
        planned=13, actual=8, percent=None, status="not scored", unscored=1
    )
    # An unscored stretch objective also withholds it (it would add to the actual).
    assert (
        rules.predictability.predictability([obj(1, True, 8, 8), obj(1, False, 3, None)]).status
        == "not scored"
    )
    # A committed objective without planned BV is not fully scored either.
    assert (
        rules.predictability.predictability([obj(1, True, 8, 8), obj(1, True, None, 4)]).status
        == "not scored"
    )
    # Actual 0 is a score: 0 / 8 = 0 %.
    assert rules.predictability.predictability(
        [obj(1, True, 8, 0)]
    ) == rules.predictability.PredictabilityResult(8, 0, 0, "ok", 0)


def test_train_predictability_is_a_sum_not_a_mean():
    # Team 1: 8 / 10 = 80 %. Team 2: 4 / 2 = 200 %. Mean would be 140 %;
    # train = (8 + 4) / (10 + 2) = 12 / 12 = 100 %.
    objectives = [obj(1, True, 10, 8), obj(2, True, 2, 4)]
    result = rules.predictability.train_predictability(objectives)
    assert result.teams[1].percent == 80
    assert result.teams[2].percent == 200
    assert result.train == rules.predictability.PredictabilityResult(12, 12, 100, "ok", 0)


def test_train_predictability_counts_an_na_teams_actual_and_is_not_scored_while_any_team_is():
    # Team 3 has only a stretch objective 3 → 3: n/a itself, but its actual counts for the train:
    # (8 + 4 + 3) / 12 = 125 %.
    objectives = [obj(1, True, 10, 8), obj(2, True, 2, 4), obj(3, False, 3, 3)]
    result = rules.predictability.train_predictability(objectives)
    assert result.teams[3].status == "n/a"
    assert result.train.percent == 125
    # Team 4 still waiting for its scores: the train is not scored, the other teams still are.
    result = rules.predictability.train_predictability([*objectives, obj(4, True, 5, None)])
    assert result.train.status == "not scored"
    assert result.train.percent is None
    assert result.teams[1].percent == 80
    assert list(result.teams) == [1, 2, 3, 4]


# ------------------------------------------------------------------------------------------
# Dependency age
# ------------------------------------------------------------------------------------------

NOW = at(20, 12)  # 20 May 12:00 UTC


def test_dependency_age_open_and_resolved():
    # Open since 1 May 12:00: 19 days.
    assert rules.dependencies.dependency_age_days(DependencyDates(at(1, 12)), NOW) == 19
    # Resolved keeps its age: 1 April 12:00 → 30 April 12:00 = 29 days, whatever now is.
    resolved = DependencyDates(at(1, 12, month=4), at(30, 12, month=4))
    assert rules.dependencies.dependency_age_days(resolved, NOW) == 29
    # Whole days, rounded down: 5 May 13:00 → 20 May 12:00 = 14 days 23 h → 14.
    assert rules.dependencies.dependency_age_days(DependencyDates(at(5, 13)), NOW) == 14
    # Created after now (clock skew): 0.
    assert rules.dependencies.dependency_age_days(DependencyDates(at(21)), NOW) == 0


def test_dependency_aging_boundary():
    assert not rules.dependencies.is_aging(DependencyDates(at(6, 12)), NOW)  # exactly 14 days: not aging
    assert rules.dependencies.is_aging(DependencyDates(at(5, 12)), NOW)  # 15 days: aging
    assert not rules.dependencies.is_aging(DependencyDates(at(5, 13)), NOW)  # 14 days 23 h → 14: not aging
    assert not rules.dependencies.is_aging(
        DependencyDates(at(1, 12, month=4), at(30, 12, month=4)), NOW
    )  # resolved
    assert not rules.dependencies.is_aging(DependencyDates(at(5, 12)), NOW, aging_after_days=15)


def test_dependency_age_summary():
    deps = [
        DependencyDates(at(1, 12)),  # open, 19, aging
        DependencyDates(at(6, 12)),  # open, 14
        DependencyDates(at(5, 12)),  # open, 15, aging
        DependencyDates(at(5, 13)),  # open, 14
        DependencyDates(at(1, 12, month=4), at(30, 12, month=4)),  # resolved, 29
    ]
    # All: (19 + 14 + 15 + 14 + 29) / 5 = 91 / 5 = 18.2, max 29. Open: 62 / 4 = 15.5, max 19.
    assert rules.dependencies.dependency_age_summary(deps, NOW) == rules.dependencies.DependencyAgeSummary(
        open=4, resolved=1, mean_age=18.2, max_age=29, aging=2, open_mean_age=15.5, open_max_age=19
    )
    assert rules.dependencies.dependency_age_summary(deps, NOW, aging_after_days=18).aging == 1  # only the 19
    assert rules.dependencies.dependency_age_summary([], NOW) == rules.dependencies.DependencyAgeSummary(
        0, 0, None, None, 0, None, None
    )


# ------------------------------------------------------------------------------------------
# Defect escape rate
# ------------------------------------------------------------------------------------------


def test_defect_escape_rate():
    # 2 of 8 found after release → 25 %.
    assert rules.quality.defect_escape_rate(
        [True, False, False, True, False, False, False, False]
    ) == rules.quality.EscapeRate(8, 2, 25)
    assert rules.quality.defect_escape_rate([True, False, False]).percent == 33.33  # 1/3
    assert rules.quality.defect_escape_rate([]) == rules.quality.EscapeRate(0, 0, None)


# ------------------------------------------------------------------------------------------
# Monte Carlo: history
# ------------------------------------------------------------------------------------------

TODAY = date(2026, 5, 20)


def test_daily_throughput_history_last_90_full_days():
    # Train finishing features since March: the window is 20 May − 90 days = 19 Feb … 19 May.
    done = [
        datetime(2026, 2, 18, 23, tzinfo=UTC),  # before the window
        datetime(2026, 2, 19, tzinfo=UTC),  # first day of the window
        datetime(2026, 5, 19, 23, 59, tzinfo=UTC),  # yesterday
        datetime(2026, 5, 19, 8, tzinfo=UTC),  # yesterday
        datetime(2026, 5, 20, 8, tzinfo=UTC),  # today: not a full day
    ]
    history = rules.forecast.daily_throughput_history(done, TODAY, UTC)
    assert len(history) == 90
    assert history[0] == 1 and history[-1] == 2 and sum(history) == 3


def test_daily_throughput_history_from_the_first_finished_feature_with_zero_days():
    # First finish 10 May: history 10 … 19 May = 10 days; two on 10 May, one on 12 May.
    done = [at(10, 10), at(10, 15), at(12)]
    assert rules.forecast.daily_throughput_history(done, TODAY, UTC) == [2, 0, 1, 0, 0, 0, 0, 0, 0, 0]
    # The caller cut done_ats to recent days but says the train first finished long ago.
    assert (
        len(rules.forecast.daily_throughput_history(done, TODAY, UTC, first_done_on=date(2025, 1, 1))) == 90
    )
    assert rules.forecast.daily_throughput_history([], TODAY, UTC) == []
    assert rules.forecast.daily_throughput_history([at(20, 1)], TODAY, UTC) == []  # first finish today


def test_daily_throughput_history_days_are_local():
    # 9 May 23:30 UTC is 10 May 01:30 in Berlin.
    done = [at(9, 23.5)]
    assert rules.forecast.daily_throughput_history(done, TODAY, UTC)[0] == 1  # starts 9 May (UTC)
    berlin = rules.forecast.daily_throughput_history(done, TODAY, BERLIN)
    assert len(berlin) == 10 and berlin[0] == 1  # starts 10 May (Berlin)


def test_forecast_refuses_short_or_empty_history():
    with pytest.raises(ForecastError, match="at least 10 days"):
        rules.forecast.forecast_days_for_items([1] * 9, 5)
    with pytest.raises(ForecastError, match="No feature was finished"):
        rules.forecast.forecast_items_in_days([0] * 30, 5)
    assert issubclass(ForecastError, ValueError)
    with pytest.raises(ValueError):
        rules.forecast.forecast_days_for_items([1] * 10, 0)
    with pytest.raises(ValueError):
        rules.forecast.forecast_items_in_days([1] * 10, 0)
    # One item every 100 days, 100 items → ~10,000 days: beyond any meaningful forecast.
    with pytest.raises(ForecastError, match="would take about 10000 days"):
        rules.forecast.forecast_days_for_items([1] + [0] * 99, 100)
    with pytest.raises(ForecastError):
        rules.forecast.forecast_items_in_days([1] * 10, rules.forecast.MAX_FORECAST_DAYS + 1)


# ------------------------------------------------------------------------------------------
# Monte Carlo: forecasts
# ------------------------------------------------------------------------------------------


def test_forecasts_of_a_constant_history_are_exact():
    # Every day finishes exactly 1: K = 7 takes 7 days; D = 5 days gives 5 items.
    days = rules.forecast.forecast_days_for_items([1] * 10, 7, trials=500, seed=3)
    assert days == rules.forecast.DaysForecast(
        items=7, days={50: 7, 85: 7, 95: 7}, history_days=10, trials=500
    )
    items = rules.forecast.forecast_items_in_days([1] * 10, 5, trials=500, seed=3)
    assert items == rules.forecast.ItemsForecast(
        days=5, items={50: 5, 85: 5, 95: 5}, history_days=10, trials=500
    )
    # 2 a day: K = 7 is reached on day 4 (2, 4, 6, 8 ≥ 7).
    assert rules.forecast.forecast_days_for_items([2] * 10, 7, trials=100).days == {50: 4, 85: 4, 95: 4}


def test_simulation_across_chunk_boundaries(monkeypatch):
    # Tiny chunks make trials straddle them; the result must not change.
    monkeypatch.setattr(rules.forecast, "_CHUNK", 5)
    assert set(rules.forecast.simulate_days_for_items([2] * 10, 7, trials=50, seed=1)) == {4}
    assert set(rules.forecast.simulate_days_for_items([1] * 10, 7, trials=50, seed=1)) == {7}
    assert set(rules.forecast.simulate_items_in_days([1] * 10, 7, trials=50, seed=1)) == {7}
    # 0/1/2 history: every trial reaches K = 7 in 4 to 7 + zeros days, sums stay exact.
    assert len(rules.forecast.simulate_days_for_items([0, 1, 2] * 10, 7, trials=300, seed=1)) == 300


def _sum_distribution(n: int) -> list[float]:
    """Exact distribution of the sum of n iid uniform{0, 1, 2}, by convolution."""
    dist = [1.0]
    for _ in range(n):
        new = [0.0] * (len(dist) + 2)
        for total, p in enumerate(dist):
            for step in (0, 1, 2):
                new[total + step] += p / 3
        dist = new
    return dist


def _exact_percentile(cdf: dict[int, float], p: float) -> int:
    """Nearest-rank percentile of an exact distribution: the smallest x with P(X ≤ x) ≥ p/100."""
    return min(x for x, c in cdf.items() if c >= p / 100 - 1e-12)


ZERO_ONE_TWO = [0, 1, 2] * 10  # 0, 1 and 2 equally likely: mean 1, variance 2/3


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_items_in_days_matches_the_exact_distribution(seed):
    # Sum of 30 iid uniform{0,1,2}: mean 30, variance 30 × 2/3 = 20 (sd 4.47).
    dist = _sum_distribution(30)
    cdf, acc = {}, 0.0
    for x, p in enumerate(dist):
        acc += p
        cdf[x] = acc
    assert sum(x * p for x, p in enumerate(dist)) == pytest.approx(30)
    assert sum((x - 30) ** 2 * p for x, p in enumerate(dist)) == pytest.approx(20)

    samples = rules.forecast.simulate_items_in_days(ZERO_ONE_TWO, 30, trials=10_000, seed=seed)
    sample_mean = sum(samples) / len(samples)
    sample_var = sum((s - sample_mean) ** 2 for s in samples) / (len(samples) - 1)
    # Standard error of the mean √(20/10 000) ≈ 0.045; of the variance ≈ 20 × √(2/10 000) ≈ 0.28.
    assert abs(sample_mean - 30) < 0.2
    assert abs(sample_var - 20) < 1.2

    forecast = rules.forecast.forecast_items_in_days(ZERO_ONE_TWO, 30, seed=seed)
    # c % answer = (100 − c)th percentile; tolerance ±1 item (the sampling error of these
    # percentiles with 10 000 trials is about 0.1 item).
    for confidence in (50, 85, 95):
        expected = _exact_percentile(cdf, 100 - confidence)
        assert abs(forecast.items[confidence] - expected) <= 1, (confidence, forecast.items, expected)
    assert forecast.items[95] <= forecast.items[85] <= forecast.items[50]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_days_for_items_matches_the_exact_distribution(seed):
    # N = days until the sum of daily uniform{0,1,2} reaches K = 30: P(N ≤ n) = P(S_n ≥ 30).
    k = 30
    cdf: dict[int, float] = {}
    for n in range(1, 90):
        dist = _sum_distribution(n)
        cdf[n] = sum(dist[k:])
    forecast = rules.forecast.forecast_days_for_items(ZERO_ONE_TWO, k, seed=seed)
    # Tolerance ±1 day (mean ≈ 30 days, sd ≈ √(K·σ²/μ³) = √20 ≈ 4.5; percentile error ≈ 0.1 day).
    for confidence in (50, 85, 95):
        expected = _exact_percentile(cdf, confidence)
        assert abs(forecast.days[confidence] - expected) <= 1, (confidence, forecast.days, expected)
    assert forecast.days[50] <= forecast.days[85] <= forecast.days[95]


def test_sampling_is_uniform_over_a_history_whose_length_does_not_divide_256():
    # 90 days, half 0 and half 2: a biased draw (byte % 90 without rejection) would pick the
    # first 76 days 3 times in 256 and the rest 2 times, a mean of 2 × 121/256 ≈ 0.945 instead of 1.
    history = [0] * 45 + [2] * 45
    samples = rules.forecast.simulate_items_in_days(history, 1, trials=40_000, seed=5)
    assert abs(sum(samples) / len(samples) - 1) < 0.02  # standard error 0.005


def test_large_daily_throughputs_use_the_general_sampler():
    # Values above 255 (and histories over 256 days) take the rng.choices path: same results.
    history = [0, 300] * 5
    samples = rules.forecast.simulate_items_in_days(history, 2, trials=4000, seed=1)
    assert set(samples) == {0, 300, 600}
    assert abs(sum(samples) / len(samples) - 300) < 15  # mean 2 × 150; standard error ≈ 3.4
    assert rules.forecast.forecast_days_for_items(
        history, 300, seed=1
    ) == rules.forecast.forecast_days_for_items(history, 300, seed=1)
    long_history = [0, 1, 2] * 100  # 300 days
    dist = _sum_distribution(30)
    cdf, acc = {}, 0.0
    for x, p in enumerate(dist):
        acc += p
        cdf[x] = acc
    forecast = rules.forecast.forecast_items_in_days(long_history, 30, seed=4)
    for confidence in (50, 85, 95):
        assert abs(forecast.items[confidence] - _exact_percentile(cdf, 100 - confidence)) <= 1


def test_same_seed_same_answer():
    history = [0, 3, 1, 0, 2, 5, 1, 0, 0, 2, 1, 4]
    assert rules.forecast.forecast_days_for_items(
        history, 40, seed=42
    ) == rules.forecast.forecast_days_for_items(history, 40, seed=42)
    assert rules.forecast.forecast_items_in_days(
        history, 30, seed=42
    ) == rules.forecast.forecast_items_in_days(history, 30, seed=42)
    assert rules.forecast.simulate_items_in_days(
        history, 30, trials=200, seed=1
    ) != rules.forecast.simulate_items_in_days(history, 30, trials=200, seed=2)


def test_a_large_forecast_stays_centred_on_the_mean():
    # 300 items at a mean of 1 a day (speed is measured in bench/, not here).
    forecast = rules.forecast.forecast_days_for_items(ZERO_ONE_TWO, 300, seed=1)
    # Mean 300 days, sd √(300 × 2/3) ≈ 14.1: the median is within a few days of 300.
    assert math.isclose(forecast.days[50], 300, abs_tol=3)
