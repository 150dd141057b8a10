"""art/rules/stats.py: percentiles by nearest rank, median, mean, summaries and the API's
rounding, on values worked by hand.

Pure functions, no database."""

from decimal import Decimal as D

import pytest

from art import rules

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


def test_round2_rounds_half_up_for_the_api():
    assert rules.stats.round2(D(29) * 100 / D("31.5")) == 92.06
    assert rules.stats.round2(D("2.345")) == 2.35
