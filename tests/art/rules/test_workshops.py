"""The problem-solving workshop's rules (art/rules/workshops.py), worked by hand: the Pareto
chart's order and percentages (ties in the order written, the cumulative share from the exact
running sum), each participant's dots, the fishbone's categories and the chain of whys."""

from __future__ import annotations

import pytest

from art.rules import workshops
from art.rules.workshops import CauseVotes, pareto, vital_few, vote_refusal


def cause(cid, votes, order=None, category="process"):
    return CauseVotes(id=cid, text=f"cause {cid}", category=category, votes=votes, order=order or cid)


def rows_of(rows):
    return [(r.cause.id, r.votes, r.percent, r.cumulative_percent) for r in rows]


def test_pareto_sorts_by_votes_descending_and_ties_in_the_order_written():
    # Written in the order 1..5 with 3, 5, 3, 0 and 1 dots: 12 dots in all.
    # B(2) 5/12 = 41.67 %; A(1) and C(3) tie at 3/12 = 25 %: A was written first.
    # Cumulative: 5/12 = 41.67, 8/12 = 66.67, 11/12 = 91.67, 12/12 = 100, 100.
    rows = pareto([cause(1, 3), cause(2, 5), cause(3, 3), cause(4, 0), cause(5, 1)])
    assert rows_of(rows) == [
        (2, 5, 41.67, 41.67),
        (1, 3, 25.0, 66.67),
        (3, 3, 25.0, 91.67),
        (5, 1, 8.33, 100.0),
        (4, 0, 0.0, 100.0),
    ]


def test_a_tie_follows_the_order_written_not_the_id():
    # Cause 9 was written before cause 4 (order 1 and 2): with equal votes it comes first.
    rows = pareto([cause(4, 2, order=2), cause(9, 2, order=1)])
    assert [r.cause.id for r in rows] == [9, 4]


def test_the_cumulative_share_comes_from_the_exact_running_sum():
    # Three causes of one dot each: 33.33 % each; summing the rounded shares would give 66.66
    # and 99.99, the exact running sum gives 66.67 and 100.
    rows = pareto([cause(1, 1), cause(2, 1), cause(3, 1)])
    assert rows_of(rows) == [(1, 1, 33.33, 33.33), (2, 1, 33.33, 66.67), (3, 1, 33.33, 100.0)]


def test_without_votes_the_percentages_are_not_defined():
    rows = pareto([cause(1, 0), cause(2, 0)])
    assert rows_of(rows) == [(1, 0, None, None), (2, 0, None, None)]
    assert pareto([]) == []


def test_the_vital_few_hold_the_first_eighty_percent():
    rows = pareto([cause(1, 3), cause(2, 5), cause(3, 3), cause(4, 0), cause(5, 1)])
    # 41.67, 66.67, then 91.67 reaches 80: B, A and C.
    assert [r.cause.id for r in vital_few(rows)] == [2, 1, 3]
    assert vital_few(pareto([cause(1, 0)])) == []


@pytest.mark.parametrize(
    ("allowance", "elsewhere", "dots", "refusal"),
    [
        (5, 0, 5, ""),
        (5, 3, 2, ""),
        (5, 3, 3, "dots: you have 2 dots left of 5"),
        (5, 4, 2, "dots: you have 1 dot left of 5"),
        (5, 5, 1, "dots: you have 0 dots left of 5"),
        (5, 5, 0, ""),  # taking one's dots off a cause is always allowed
        (3, 0, 4, "dots: you have 3 dots left of 3"),
        (5, 0, -1, "dots must be 0 or more"),
        (5, 7, 0, ""),  # the RTE lowered the allowance below what was placed: removing still works
    ],
)
def test_a_participant_spreads_at_most_their_dots(allowance, elsewhere, dots, refusal):
    assert vote_refusal(allowance=allowance, used_elsewhere=elsewhere, dots=dots) == refusal


def test_dots_left_never_go_below_zero():
    assert workshops.dots_left(5, 2) == 3
    assert workshops.dots_left(5, 7) == 0
    assert workshops.DEFAULT_DOTS == 5


def test_the_fishbone_has_the_six_categories_of_the_domain():
    assert workshops.CATEGORY_KEYS == ("people", "process", "tools", "program", "environment", "providers")
    assert workshops.category_refusal("tools") == ""
    assert workshops.category_refusal("budget") == (
        "category must be one of people, process, tools, program, environment, providers"
    )


def test_a_cause_has_at_most_five_whys_each_with_words():
    assert workshops.whys_refusal([]) == ""
    assert workshops.whys_refusal(["w"] * 5) == ""
    assert workshops.whys_refusal(["w"] * 6) == "whys: a cause has at most 5 whys"
    assert workshops.whys_refusal(["why", "  "]) == "whys: every why needs words (leave out the empty ones)"
