"""Monte Carlo forecasts from daily throughput (docs/domain.md, "Monte Carlo forecast")."""

from __future__ import annotations

import random
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import accumulate

from art.rules.stats import nearest_rank_index

# --------------------------------------------------------------------------------------------
# Monte Carlo forecasts
# --------------------------------------------------------------------------------------------

HISTORY_DAYS = 90
MIN_HISTORY_DAYS = 10
DEFAULT_TRIALS = 10_000
MAX_FORECAST_DAYS = 3650
CONFIDENCES: tuple[int, ...] = (50, 85, 95)
_CHUNK = 1 << 20


class ForecastError(ValueError):
    """The history cannot support a forecast; the message says why, for the user."""


def daily_throughput_history(
    done_ats: Iterable[datetime],
    today: date,
    tz: tzinfo,
    *,
    first_done_on: date | None = None,
    days: int = HISTORY_DAYS,
) -> list[int]:
    """Features finished per local day (days with 0 included), oldest first, over the last
    ``days`` full days (yesterday back), or from the day of the train's first finished feature
    where that is more recent. ``done_ats`` are the done_at of the train's features; ``today`` is
    today's date in ``tz``; finishes today or later are ignored (today is not a full day).
    ``first_done_on`` is the local date of the train's first finished feature: pass it when
    ``done_ats`` was cut to the recent days, otherwise it is taken from ``done_ats``. No finished
    feature at all gives an empty history."""
    local_days = [at.astimezone(tz).date() for at in done_ats]
    first = first_done_on if first_done_on is not None else min(local_days, default=None)
    if first is None:
        return []
    start = max(today - timedelta(days=days), first)
    if start >= today:
        return []
    counts = [0] * (today - start).days
    for day in local_days:
        if start <= day < today:
            counts[(day - start).days] += 1
    return counts


def check_history(history: Sequence[int]) -> None:
    """Refuse a history that cannot support a forecast (``ForecastError``)."""
    if any(value < 0 for value in history):
        raise ValueError("daily throughput cannot be negative")
    if len(history) < MIN_HISTORY_DAYS:
        raise ForecastError(
            f"A forecast needs at least {MIN_HISTORY_DAYS} days of throughput history; "
            f"there {'is' if len(history) == 1 else 'are'} {len(history)}."
        )
    if not any(history):
        raise ForecastError(
            f"No feature was finished in the {len(history)} days of history: nothing to forecast from."
        )


def _sampler(history: Sequence[int], rng: random.Random) -> Callable[[int], Sequence[int]]:
    """A function drawing ``count`` days uniformly with replacement from ``history``.

    Fast path (daily throughputs below 256 and at most 256 days, i.e. every real train): random
    bytes mapped onto the history with ``bytes.translate``, the bytes that would bias the draw
    (those ≥ the largest multiple of len(history) below 256) being rejected; all of it runs in C.
    Otherwise ``rng.choices``."""
    n = len(history)
    if n <= 256 and max(history) <= 255:
        accepted = (256 // n) * n
        table = bytes(history[b % n] if b < accepted else 0 for b in range(256))
        rejected = bytes(range(accepted, 256))

        def draw_bytes(count: int) -> bytes:
            out = b""
            while len(out) < count:
                missing = count - len(out)
                raw = rng.randbytes(missing * 256 // accepted + 64)
                out += raw.translate(table, rejected)
            return out[:count]

        return draw_bytes

    population = list(history)

    def draw_list(count: int) -> list[int]:
        return rng.choices(population, k=count)

    return draw_list


def simulate_items_in_days(
    history: Sequence[int], days: int, trials: int = DEFAULT_TRIALS, seed: int | None = None
) -> list[int]:
    """Items finished in each trial of ``days`` sampled days (the raw trial results)."""
    check_history(history)
    if days < 1:
        raise ValueError("days must be at least 1")
    if days > MAX_FORECAST_DAYS:
        raise ForecastError(f"A forecast reaches at most {MAX_FORECAST_DAYS} days ahead.")
    if trials < 1:
        raise ValueError("trials must be at least 1")
    draw = _sampler(history, random.Random(seed))
    results: list[int] = []
    batch = max(1, _CHUNK // days)
    while len(results) < trials:
        size = min(batch, trials - len(results))
        stream = draw(size * days)
        results.extend(sum(stream[i : i + days]) for i in range(0, size * days, days))
    return results


def simulate_days_for_items(
    history: Sequence[int], items: int, trials: int = DEFAULT_TRIALS, seed: int | None = None
) -> list[int]:
    """Days needed in each trial to finish ``items`` items, adding sampled days until the sum
    reaches ``items`` (the raw trial results). Refused (``ForecastError``) when at the history's
    mean throughput it would take more than ``MAX_FORECAST_DAYS`` days."""
    check_history(history)
    if items < 1:
        raise ValueError("items must be at least 1")
    if trials < 1:
        raise ValueError("trials must be at least 1")
    expected = items * len(history) / sum(history)
    if expected > MAX_FORECAST_DAYS:
        raise ForecastError(
            f"At the recorded throughput {items} items would take about {round(expected)} days, "
            f"beyond the {MAX_FORECAST_DAYS} days a forecast reaches."
        )
    draw = _sampler(history, random.Random(seed))
    chunk = min(_CHUNK, max(1024, int(expected * trials * 1.1)))
    results: list[int] = []
    days, needed = 0, items
    # One long stream of sampled days, cut into trials: each trial takes days from the stream
    # until its sum reaches `items`. Cumulative sums make the cut a binary search.
    while True:
        acc = list(accumulate(draw(chunk)))
        pos, base, end = 0, 0, len(acc)
        while True:
            j = bisect_left(acc, base + needed, pos)
            if j == end:  # the trial goes on in the next chunk
                days += end - pos
                needed -= acc[-1] - base
                break
            results.append(days + j - pos + 1)
            if len(results) == trials:
                return results
            days, needed, base, pos = 0, items, acc[j], j + 1


def _percentiles(samples: Sequence[int], ranks: dict[int, float]) -> dict[int, int]:
    ordered = sorted(samples)
    return {key: ordered[nearest_rank_index(len(ordered), p)] for key, p in ranks.items()}


@dataclass(frozen=True)
class DaysForecast:
    """When will ``items`` be done: ``days[c]`` is the number of days within which they are done
    with c % confidence (the c-th percentile of the trials, nearest rank)."""

    items: int
    days: dict[int, int]
    history_days: int
    trials: int


@dataclass(frozen=True)
class ItemsForecast:
    """How many items in ``days`` days: ``items[c]`` are done with c % confidence (the
    (100 − c)-th percentile of the trials, nearest rank)."""

    days: int
    items: dict[int, int]
    history_days: int
    trials: int


def forecast_days_for_items(
    history: Sequence[int],
    k: int,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    confidences: Sequence[int] = CONFIDENCES,
) -> DaysForecast:
    """Monte Carlo "when will K items be done": per trial add days sampled uniformly with
    replacement from ``history`` until K; report the 50/85/95th percentiles of days (nearest
    rank). ``history`` is a daily throughput series (see :func:`daily_throughput_history`);
    refused with ``ForecastError`` when shorter than 10 days or all zeros. Same seed, same
    answer."""
    samples = simulate_days_for_items(history, k, trials, seed)
    return DaysForecast(k, _percentiles(samples, {c: c for c in confidences}), len(history), trials)


def forecast_items_in_days(
    history: Sequence[int],
    d: int,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    confidences: Sequence[int] = CONFIDENCES,
) -> ItemsForecast:
    """Monte Carlo "how many items in D days": per trial sum D days sampled uniformly with
    replacement from ``history``; the c % answer is the (100 − c)-th percentile (85 % → p15),
    nearest rank. Refusals and seeding as :func:`forecast_days_for_items`."""
    samples = simulate_items_in_days(history, d, trials, seed)
    return ItemsForecast(d, _percentiles(samples, {c: 100 - c for c in confidences}), len(history), trials)
