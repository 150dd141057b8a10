"""The ART sync's rules (art/rules/syncs.py), worked by hand: the timed sections, the five oldest
blockers, the risks to review, the overloaded team-iterations, the action items carried over,
and the age of impediments."""

from __future__ import annotations

import datetime as dt

from art.rules import syncs
from art.rules.events import ART_SYNC, COACH_SYNC, PO_SYNC

UTC = dt.UTC
NOW = dt.datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def bounds(sections):
    return [(s.key, s.starts_min, s.ends_min) for s in sections]


def test_the_ninety_minute_art_sync_is_the_agenda_of_the_domain():
    assert bounds(syncs.agenda_sections(ART_SYNC, 90)) == [
        ("trend", 0, 10),
        ("blockers", 10, 40),
        ("risks", 40, 70),
        ("scope", 70, 85),
        ("summary", 85, 90),
    ]


def test_shorter_syncs_scale_their_sections_to_the_meeting():
    # 60 minutes: boundaries 10, 40, 70, 85 of 90 → 6.67, 26.67, 46.67, 56.67 → 7, 27, 47, 57.
    assert bounds(syncs.agenda_sections(ART_SYNC, 60)) == [
        ("trend", 0, 7),
        ("blockers", 7, 27),
        ("risks", 27, 47),
        ("scope", 47, 57),
        ("summary", 57, 60),
    ]
    # The coach sync: trend, blockers, risks, summary (10 + 30 + 30 + 5 = 75) in 45 minutes.
    assert bounds(syncs.agenda_sections(COACH_SYNC, 45)) == [
        ("trend", 0, 6),
        ("blockers", 6, 24),
        ("risks", 24, 42),
        ("summary", 42, 45),
    ]
    # The PO sync rebalances scope before it reviews the risks: 10 + 15 + 30 + 5 = 60 in 30
    # (25 × 30 / 60 = 12.5 rounds half up to 13).
    assert bounds(syncs.agenda_sections(PO_SYNC, 30)) == [
        ("trend", 0, 5),
        ("scope", 5, 13),
        ("risks", 13, 28),
        ("summary", 28, 30),
    ]


def test_the_five_oldest_blockers_ties_by_id():
    # The example of docs/domain.md: ages 30, 21, 21, 9, 5, 3 and 1 → 30, 21, 21 (lower id first), 9, 5.
    candidates = [
        syncs.Blocker("impediment", 7, "g", 1),
        syncs.Blocker("dependency", 4, "b", 21),
        syncs.Blocker("impediment", 2, "c", 21),
        syncs.Blocker("dependency", 9, "a", 30),
        syncs.Blocker("dependency", 1, "f", 3),
        syncs.Blocker("impediment", 5, "e", 5),
        syncs.Blocker("dependency", 8, "d", 9),
    ]
    chosen = syncs.top_blockers(candidates)
    assert [(b.age_days, b.kind, b.id) for b in chosen] == [
        (30, "dependency", 9),
        (21, "impediment", 2),
        (21, "dependency", 4),
        (9, "dependency", 8),
        (5, "impediment", 5),
    ]
    # Same age and same id: the dependency first.
    same = [syncs.Blocker("impediment", 3, "x", 4), syncs.Blocker("dependency", 3, "y", 4)]
    assert [b.kind for b in syncs.top_blockers(same)] == ["dependency", "impediment"]


def test_risks_to_review_unroamed_first_then_the_ones_left_alone_for_14_days():
    risks = [
        syncs.RiskItem(1, "owned, changed 20 days ago", "owned", days_ago(40), days_ago(20)),
        syncs.RiskItem(2, "un-ROAMed, 3 days", "unroamed", days_ago(3), days_ago(3)),
        syncs.RiskItem(3, "accepted, changed 13 days ago", "accepted", days_ago(30), days_ago(13)),
        syncs.RiskItem(4, "un-ROAMed, 10 days", "unroamed", days_ago(10), days_ago(1)),
        syncs.RiskItem(5, "mitigated, changed exactly 14 days ago", "mitigated", days_ago(50), days_ago(14)),
        syncs.RiskItem(6, "resolved long ago", "resolved", days_ago(90), days_ago(60)),
        syncs.RiskItem(7, "accepted, changed 30 days ago", "accepted", days_ago(35), days_ago(30)),
    ]
    assert [r.id for r in syncs.risks_to_review(risks, NOW)] == [4, 2, 7, 1, 5]


def load(team, iteration, number, load_, capacity, pct):
    return syncs.LoadItem(1 if team == "Alpha" else 2, team, number, iteration, number, load_, capacity, pct)


def test_overloaded_team_iterations_highest_first():
    loads = [
        load("Alpha", "Iteration 1", 1, 40, 36, 111.11),
        load("Bravo", "Iteration 1", 1, 36, 36, 100.0),  # exactly 100 %: not above
        load("Bravo", "Iteration 2", 2, 50, 36, 138.89),
        load("Alpha", "Iteration 2", 2, 3, 0, None),  # load with no capacity at all: first
        load("Alpha", "Iteration 3", 3, 0, 0, None),  # nothing at all: not overloaded
        load("Alpha", "Iteration 4", 4, 37, 36, 102.78),
    ]
    assert [(i.team, i.iteration) for i in syncs.overloaded(loads)] == [
        ("Alpha", "Iteration 2"),
        ("Bravo", "Iteration 2"),
        ("Alpha", "Iteration 1"),
        ("Alpha", "Iteration 4"),
    ]


def test_open_action_items_carry_over_until_done():
    sync_2_start = dt.datetime(2026, 5, 13, 10, tzinfo=UTC)
    items = [
        # raised at sync 1 (a week earlier), still open: carried over
        syncs.ActionItemRef(
            1, "Book the lab", "Ana", dt.date(2026, 5, 22), False, 10, sync_2_start - dt.timedelta(days=7)
        ),
        # raised at sync 1, done: gone
        syncs.ActionItemRef(
            2, "Ask legal", "Ben", dt.date(2026, 5, 15), True, 10, sync_2_start - dt.timedelta(days=7)
        ),
        # raised at this sync: listed
        syncs.ActionItemRef(3, "Call the vendor", "Cleo", dt.date(2026, 5, 14), False, 20, sync_2_start),
        # raised at the next sync: not yet
        syncs.ActionItemRef(4, "Later", "Dan", None, False, 30, sync_2_start + dt.timedelta(days=7)),
        # written down outside a sync before this one, no due date: listed last
        syncs.ActionItemRef(
            5, "Update the wiki", "Eve", None, False, None, sync_2_start - dt.timedelta(days=1)
        ),
    ]
    chosen = syncs.carried_over(items, event_id=20, starts_at=sync_2_start)
    assert [i.id for i in chosen] == [3, 1, 5]


def test_an_impediment_is_aging_from_14_days_open():
    created = dt.datetime(2026, 5, 1, 9, tzinfo=UTC)
    assert syncs.impediment_age_days(created, None, dt.datetime(2026, 5, 15, 8, 59, tzinfo=UTC)) == 13
    assert syncs.impediment_age_days(created, None, dt.datetime(2026, 5, 15, 9, 0, tzinfo=UTC)) == 14
    assert not syncs.impediment_is_aging(13, open_=True)
    assert syncs.impediment_is_aging(14, open_=True)
    assert not syncs.impediment_is_aging(40, open_=False)
    # A resolved impediment keeps its age.
    resolved = dt.datetime(2026, 5, 21, 9, tzinfo=UTC)
    assert syncs.impediment_age_days(created, resolved, dt.datetime(2026, 9, 1, tzinfo=UTC)) == 20
