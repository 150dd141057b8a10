"""What the benchmark scripts share: Django set up on this repository, the benchmark train's
current PI, a signed-in test client, and the timing loop with its median and percentiles.

The scripts run as files (`.venv/bin/python bench/suite.py`), so bench/ is first on sys.path and
they import this module as `common`. Timings are in seconds; `median_ms` turns them into ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from django.test import Client

    from art.models import ProgramIncrement

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


def setup_django() -> None:
    """django.setup() on the repository's local settings (the database the environment names),
    every host allowed for the test client."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "art.settings.local")
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def large_train_slug() -> str:
    """The slug of the benchmark train, `seed_demo --size large`."""
    from art.demo import PROFILES

    return PROFILES["large"].train_slug


def large_pi() -> ProgramIncrement | None:
    """The benchmark train's current PI, the latest one, with its train; None when the train is
    not there."""
    from art.models import ProgramIncrement

    return (
        ProgramIncrement.objects.filter(train__slug=large_train_slug())
        .select_related("train")
        .order_by("-start_date")
        .first()
    )


def large_pi_or_say(hint: str = "") -> ProgramIncrement | None:
    """large_pi(), or None after saying how to build the benchmark train (and `hint`)."""
    pi = large_pi()
    if pi is None:
        print(f"No benchmark train ({large_train_slug()}): run seed_demo --size large first{hint}.")
    return pi


def request_figures(run: Callable[[], tuple[float, int, int]], runs: int) -> dict[str, float]:
    """Queries, KB, median, 90th percentile and max (ms) of `runs` calls of `run` after a
    warm-up; `run` answers (ms, queries, bytes) of one request."""
    run()  # warm-up: templates compiled, caches filled
    samples = [run() for _ in range(runs)]
    times = sorted(s[0] for s in samples)
    return {
        "queries": samples[-1][1],
        "kb": round(samples[-1][2] / 1024, 1),
        "median_ms": round(statistics.median(times), 1),
        "p90_ms": round(percentile(times, 90), 1),
        "max_ms": round(times[-1], 1),
    }


def request_line(name: str, figures: dict[str, float]) -> str:
    """One row of the scripts' request tables (the header: REQUEST_HEADER)."""
    f = figures
    return (
        f"  {name:<22} {f['queries']:>7} {f['kb']:>7.1f} {f['median_ms']:>6.0f} ms "
        f"{f['p90_ms']:>5.0f} ms {f['max_ms']:>5.0f} ms"
    )


REQUEST_HEADER = f"  {'request':<22} {'queries':>7} {'KB':>7} {'median':>8} {'p90':>8} {'max':>8}"


def signed_in_client(username: str = "rte") -> Client:
    """Django's test client, signed in as `username`."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    """The seconds of `runs` calls of `fn`, after one warm-up call (templates compiled, caches
    filled)."""
    fn()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def interleaved(calls: dict[str, Callable[[], object]], runs: int) -> dict[str, list[float]]:
    """The seconds of `runs` calls of each of `calls`, taken in turns (one of each per round,
    after one warm-up round): a path and its floor see the same moments of a busy machine, so
    their ratio holds when the machine's speed drifts during the run."""
    for fn in calls.values():
        fn()
    seconds: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, fn in calls.items():
            started = time.perf_counter()
            fn()
            seconds[name].append(time.perf_counter() - started)
    return seconds


def measured(fn: Callable[[], T]) -> tuple[float, int, T]:
    """One call of `fn`: its seconds, the number of queries it made, and what it returned."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - started
    return seconds, len(queries), result


def median_ms(values: list[float]) -> float:
    """The median of timings in seconds, in milliseconds."""
    return statistics.median(values) * 1000


def percentile(values: list[float], percent: int) -> float:
    """The nearest-rank percentile: the smallest value at least `percent`% of the values reach."""
    ordered = sorted(values)
    return ordered[max(0, -(-percent * len(ordered) // 100) - 1)]


def p95(values: list[float]) -> float:
    return percentile(values, 95)
