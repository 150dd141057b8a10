"""Time the dependency board on the benchmark train (`seed_demo --size large`: 24 teams, the
current PI with hundreds of dependencies) and print the figures.

    SQLITE_PATH=/tmp/x.sqlite3 .venv/bin/python bench/bench_dependencies.py
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_dependencies.py [--profile]

The database must already hold the train (`manage.py seed_demo --size large`). Each request
runs in-process through Django's test client, signed in as the RTE: the full page (first page of
cards), the board fragment a filter change asks for, the next page a "Load more" appends, the
aging view, and a card's own link. Reports queries, response size and the median / 90th
percentile / max time of --runs runs after a warm-up; fails (status 1) when the median time of
the first page exceeds the budget. `--profile` prints the cProfile of one full page instead.
"""

from __future__ import annotations

import argparse
import cProfile
import math
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The first page of the board on the benchmark train (issue 15).
BUDGET_MS = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="cProfile one full page and stop")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "art.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from art.demo import PROFILES
    from art.models import ProgramIncrement
    from pi_planning.models import Dependency

    settings.ALLOWED_HOSTS = ["*"]
    slug = PROFILES["large"].train_slug
    pi = ProgramIncrement.objects.filter(train__slug=slug).order_by("-start_date").first()
    if pi is None:
        print(f"No benchmark train ({slug}): run seed_demo --size large first.")
        return 1
    client = Client()
    client.force_login(get_user_model().objects.get(username="rte"))
    base = f"/trains/{slug}/pis/{pi.pk}/dependencies/"
    last = Dependency.objects.filter(pi=pi).order_by("-pk").first()
    htmx = {"HTTP_HX_REQUEST": "true"}
    requests = {
        "page": (base, {}),
        "board fragment": (base + "?view=requester", {**htmx, "HTTP_HX_TARGET": "dependency-board"}),
        "aging view, done": (base + "?view=aging&done=1", {}),
        "load more (page 2)": (base + "?page=2", {**htmx, "HTTP_HX_TARGET": "dependency-more"}),
        "a card's own link": (base + f"{last.pk}/" if last else base, {}),
    }
    if options.profile:
        client.get(base)  # warm-up
        profile = cProfile.Profile()
        profile.enable()
        client.get(base)
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
        return 0

    def run(name: str) -> tuple[float, int, int]:
        url, headers = requests[name]
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url, **headers)
            elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (name, response.status_code)
        return elapsed, len(queries), len(response.content)

    print(
        f"Dependency board of {pi.train.name} · {pi.name} on {connection.vendor} "
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
        f"DEBUG={settings.DEBUG}): {Dependency.objects.filter(pi=pi).count()} dependencies"
    )
    print(f"  {'request':<22} {'queries':>7} {'KB':>7} {'median':>8} {'p90':>8} {'max':>8}")
    medians = {}
    for name in requests:
        run(name)  # warm-up: templates compiled, caches filled
        samples = [run(name) for _ in range(options.runs)]
        times = sorted(s[0] for s in samples)
        p90 = times[min(len(times) - 1, math.ceil(0.9 * len(times)) - 1)]
        medians[name] = statistics.median(times)
        print(
            f"  {name:<22} {samples[-1][1]:>7} {samples[-1][2] / 1024:>7.1f} {medians[name]:>6.0f} ms "
            f"{p90:>5.0f} ms {times[-1]:>5.0f} ms"
        )
    if medians["page"] > BUDGET_MS:
        print(f"FAIL: the first page took {medians['page']:.0f} ms (budget {BUDGET_MS} ms)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
