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
import os
import platform
import pstats
import sys

from common import (
    REQUEST_HEADER,
    large_pi_or_say,
    measured,
    request_figures,
    request_line,
    setup_django,
    signed_in_client,
)

#: The first page of the board on the benchmark train (issue 15).
BUDGET_MS = 500


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--profile", action="store_true", help="cProfile one full page and stop")
    options = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection

    from pi_planning.models import Dependency

    pi = large_pi_or_say()
    if pi is None:
        return 1
    client = signed_in_client()
    base = f"/trains/{pi.train.slug}/pis/{pi.pk}/dependencies/"
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
        seconds, queries, response = measured(lambda: client.get(url, **headers))
        assert response.status_code == 200, (name, response.status_code)
        return seconds * 1000, queries, len(response.content)

    print(
        f"Dependency board of {pi.train.name} · {pi.name} on {connection.vendor} "
        f"({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, "
        f"DEBUG={settings.DEBUG}): {Dependency.objects.filter(pi=pi).count()} dependencies"
    )
    print(REQUEST_HEADER)
    medians = {}
    for name in requests:
        figures = request_figures(lambda name=name: run(name), options.runs)
        medians[name] = figures["median_ms"]
        print(request_line(name, figures))
    if medians["page"] > BUDGET_MS:
        print(f"FAIL: the first page took {medians['page']:.0f} ms (budget {BUDGET_MS} ms)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
