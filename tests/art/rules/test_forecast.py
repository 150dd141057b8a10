"""art/rules/forecast.py: the daily throughput history and the Monte Carlo forecasts, against
histories whose answers are exact or whose distribution is known.

Pure functions, no database."""

import math
from datetime import UTC, date, datetime

import pytest

from art import rules
from art.rules.forecast import ForecastError
from tests.art.rules.helpers import BERLIN, at

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
