"""rules.flow.cumulative_flow / wip_series as a forward sweep over integer timestamps: the same
figures as the features × days bisect it replaced (kept here as the reference), on histories
worked by hand and on random ones (reopened, cancelled, back to the funnel, transitions at the
same instant or exactly at midnight, days across a change of daylight saving time).

Pure functions, no database."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from art import rules
from art.rules.flow import CATEGORIES, FEATURE_STATES, STATE_CATEGORY, CfdDay, FeatureHistory
from tests.art.rules.helpers import BERLIN, at, feature

NEW_YORK = ZoneInfo("America/New_York")


def reference_cumulative_flow(
    features: Iterable[FeatureHistory], start: date, end: date, tz: tzinfo
) -> list[CfdDay]:
    """The implementation before the sweep: for every feature and every day, the state of the
    last transition before the next local midnight (bisect on aware datetimes)."""
    items = list(features)
    days = [start + timedelta(days=i) for i in range((end - start).days)]
    ends = [rules.flow.local_midnight(day + timedelta(days=1), tz) for day in days]
    per_day = [dict.fromkeys(FEATURE_STATES, 0) for _ in days]
    for f in items:
        ats = [tr.at for tr in f.transitions]
        for i, eod in enumerate(ends):
            index = bisect_left(ats, eod)
            if index:
                per_day[i][f.transitions[index - 1].state] += 1
    result = []
    for day, states in zip(days, per_day, strict=True):
        categories = dict.fromkeys(CATEGORIES, 0)
        for state, n in states.items():
            categories[STATE_CATEGORY[state]] += n
        result.append(CfdDay(day, states, categories))
    return result


# P: reopened; Q: cancelled; R: back to the funnel; S: two transitions at the same instant, one
# exactly at midnight; T: created after the window starts.
HAND = [
    feature(
        1, ("funnel", at(1)), ("ready", at(2)), ("done", at(4)), ("in_progress", at(6, 9)), ("done", at(8))
    ),
    feature(2, ("funnel", at(1)), ("ready", at(3)), ("cancelled", at(5, 23 + 59 / 60))),
    feature(3, ("funnel", at(1)), ("ready", at(2, 8)), ("funnel", at(3, 8)), ("in_progress", at(5))),
    feature(4, ("ready", at(2, 10)), ("in_progress", at(2, 10)), ("review", at(4)), ("blocked", at(4))),
    feature(5, ("funnel", at(7, 12)), ("analyzing", at(7, 13))),
]


def test_hand_worked_days_and_wip():
    days = rules.flow.cumulative_flow(HAND, date(2026, 5, 1), date(2026, 5, 9), UTC)
    assert days == reference_cumulative_flow(HAND, date(2026, 5, 1), date(2026, 5, 9), UTC)
    # End of 2 May: P ready, Q funnel, R ready, S in_progress (ready and in_progress at the same
    # instant: the later row counts) → 3 in flow.
    assert {s: n for s, n in days[1].states.items() if n} == {"ready": 2, "funnel": 1, "in_progress": 1}
    # End of 3 May: P ready, Q ready, R back in the funnel, S in_progress → 3.
    # End of 4 May: P done, Q ready, R funnel, S blocked (review and blocked at 4 May 00:00).
    # End of 5 May: Q cancelled a minute before midnight, R in_progress → P done, S blocked.
    # 6 May: P reopened; 7 May: T created (funnel → analyzing); 8 May: P done again.
    wip = [p.wip for p in rules.flow.wip_series(HAND, date(2026, 5, 1), date(2026, 5, 9), UTC)]
    assert wip == [0, 3, 3, 2, 2, 3, 3, 2]
    assert days[6].categories == {"not_started": 1, "waiting": 1, "active": 2, "finished": 0, "out": 1}


def test_days_across_daylight_saving_time():
    # Berlin moves to summer time on 29 March 2026 (a 23-hour day) and back on 25 October (25 h).
    for start, zone in (
        (date(2026, 3, 27), BERLIN),
        (date(2026, 10, 23), BERLIN),
        (date(2026, 3, 6), NEW_YORK),
    ):
        midnight = rules.flow.local_midnight(start + timedelta(days=2), zone).astimezone(UTC)
        f = feature(
            9,
            ("funnel", midnight - timedelta(days=3)),
            ("ready", midnight - timedelta(microseconds=1)),
            ("in_progress", midnight),
            ("done", midnight + timedelta(hours=23, minutes=30)),
        )
        end = start + timedelta(days=5)
        assert rules.flow.cumulative_flow([f], start, end, zone) == reference_cumulative_flow(
            [f], start, end, zone
        )


def test_empty_window_and_no_features():
    assert rules.flow.cumulative_flow(HAND, date(2026, 5, 9), date(2026, 5, 9), UTC) == []
    assert rules.flow.cumulative_flow(
        [], date(2026, 5, 1), date(2026, 5, 3), UTC
    ) == reference_cumulative_flow([], date(2026, 5, 1), date(2026, 5, 3), UTC)


BASE = datetime(2026, 3, 20, tzinfo=UTC)
# Steps in minutes: 0 (same instant), whole days (exactly at UTC midnight), or any minute.
steps = st.one_of(st.just(0), st.integers(0, 10).map(lambda d: d * 1440), st.integers(1, 3 * 1440))
history = st.tuples(
    st.integers(0, 40 * 1440),  # first transition, minutes after BASE
    st.lists(st.tuples(st.sampled_from(FEATURE_STATES), steps), min_size=0, max_size=12),
)


def as_feature(fid: int, first: int, moves: list[tuple[str, int]]) -> FeatureHistory:
    t = BASE + timedelta(minutes=first)
    transitions = []
    for state, step in moves:
        t += timedelta(minutes=step)
        transitions.append((state, t))
    return FeatureHistory(fid, "business", None, BASE, transitions)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(history, max_size=12),
    st.sampled_from([UTC, BERLIN, NEW_YORK, ZoneInfo("Australia/Lord_Howe")]),
    st.integers(-5, 45),
    st.integers(0, 60),
)
def test_random_histories_equal_the_reference(histories, zone, offset, length):
    features = [as_feature(i, first, moves) for i, (first, moves) in enumerate(histories)]
    start = BASE.date() + timedelta(days=offset)
    end = start + timedelta(days=length)
    assert rules.flow.cumulative_flow(features, start, end, zone) == reference_cumulative_flow(
        features, start, end, zone
    )
    assert [p.wip for p in rules.flow.wip_series(features, start, end, zone)] == [
        d.categories["waiting"] + d.categories["active"]
        for d in reference_cumulative_flow(features, start, end, zone)
    ]
