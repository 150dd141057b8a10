"""Time the planning board on the benchmark train (`seed_demo --size large`: 24 teams, 10 PIs of
history, the current PI with hundreds of dependencies) and print the figures.

    .venv/bin/python bench/bench_board.py                      # builds a fresh SQLite train first
    SQLITE_PATH=/tmp/x.sqlite3 .venv/bin/python bench/bench_board.py --reuse   # an existing one
    DATABASE_URL=postgres://... .venv/bin/python bench/bench_board.py --reuse

Each request runs in-process through Django's test client, signed in as the RTE: the full page,
the grid fragment (what a live update or the capacity basis swap asks for), a single team row,
a move (htmx POST, answered with its out-of-band fragments), the board and capacity APIs, and
the CSV. Reports queries, response size and the median / 90th percentile / max time of
--runs runs after a warm-up, and the page's and the API's ratio to their floor
(bench/floors.py); fails (status 1) when the median page time exceeds the budget.
A JSON copy goes to bench/results/ (not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from common import (
    REQUEST_HEADER,
    ROOT,
    large_pi_or_say,
    measured,
    median_ms,
    request_figures,
    request_line,
    setup_django,
    signed_in_client,
    timed,
)
from floors import board_floor

#: The page must answer well within a second on the benchmark train, on a laptop.
BUDGET_MS = 1000


def prepare(reuse: bool) -> Path | None:
    if reuse:
        return None
    workdir = Path(tempfile.mkdtemp(prefix="railyard-board-bench-"))
    database = workdir / "bench.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SQLITE_PATH=str(database), DJANGO_SETTINGS_MODULE="art.settings.local")
    for args in (["migrate", "--noinput", "-v", "0"], ["seed_demo", "--size", "large"]):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )
    os.environ["SQLITE_PATH"] = str(database)
    os.environ.pop("DATABASE_URL", None)
    return workdir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="use the database the environment names")
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    workdir = prepare(options.reuse)

    setup_django()
    from django.conf import settings
    from django.db import connection

    from art.models import Feature, Story, Team
    from pi_planning.models import Dependency

    pi = large_pi_or_say(", or leave out --reuse")
    if pi is None:
        return 1
    client = signed_in_client()
    base = f"/trains/{pi.train.slug}/pis/{pi.pk}/board/"
    team = Team.objects.filter(train=pi.train).order_by("name").first()
    htmx = {"HTTP_HX_REQUEST": "true"}
    requests = {
        "board page": ("get", base, {}),
        "board page, velocity": ("get", base + "?basis=velocity", {}),
        "grid fragment": ("get", base + "fragment/board-grid/", htmx),
        "team row fragment": ("get", base + f"fragment/team-row/?team={team.pk}", htmx),
        "board API": ("get", f"/api/v1/pis/{pi.pk}/board/", {}),
        "capacity API": ("get", f"/api/v1/pis/{pi.pk}/capacity/", {}),
        "CSV export": ("get", base + "export.csv", {}),
        "print layout": ("get", base + "print/", {}),
        "move a story": ("post", base + "move/", htmx),
    }
    story = Story.objects.filter(iteration__pi=pi, feature__isnull=False, iteration__is_ip=False).first()
    iterations = list(pi.iterations.filter(is_ip=False).order_by("number"))

    def run(name: str) -> tuple[float, int, int, int]:
        method, url, headers = requests[name]
        data = None
        if method == "post":
            story.refresh_from_db()
            target = iterations[(iterations.index(story.iteration) + 1) % len(iterations)]
            data = {
                "kind": "story",
                "card": story.pk,
                "version": story.version,
                "team": story.team_id,
                "iteration": target.pk,
            }
        seconds, queries, response = measured(
            lambda: getattr(client, method)(url, data, **headers) if data else client.get(url, **headers)
        )
        assert response.status_code == 200, (name, response.status_code)
        return seconds * 1000, queries, len(response.content), response.status_code

    figures = {
        "teams": Team.objects.filter(train=pi.train).count(),
        "features in the PI": Feature.objects.filter(pi=pi).count(),
        "stories in the PI": Story.objects.filter(iteration__pi=pi).count(),
        "dependencies": Dependency.objects.filter(pi=pi).count(),
    }
    vendor = connection.vendor
    print(
        f"Planning board of {pi.train.name} · {pi.name} on {vendor} ({platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores, DEBUG={settings.DEBUG})"
    )
    print("  " + ", ".join(f"{v:,} {k}" for k, v in figures.items()))
    print(REQUEST_HEADER)
    results = {}
    for name in requests:
        results[name] = request_figures(lambda name=name: run(name)[:3], options.runs)
        print(request_line(name, results[name]))
    # The floor (bench/floors.py): the same rows by raw SQL and json.dumps, timed in this run.
    floor_ms = median_ms(timed(lambda: board_floor(connection, pi.pk), options.runs))
    print(f"  {'floor (raw SQL + json)':<22} {'':>7} {'':>7} {floor_ms:>6.0f} ms")
    for name in ("board page", "board API"):
        print(f"  {name} ÷ floor: {results[name]['median_ms'] / floor_ms:.1f}×")
    results["floor"] = {"median_ms": round(floor_ms, 1)}
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"board-{stamp}.json").write_text(
        json.dumps({"database": vendor, **figures, "requests": results}, indent=2)
    )
    if workdir is not None:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    if results["board page"]["median_ms"] > BUDGET_MS:
        print(
            f"FAIL: the board page took {results['board page']['median_ms']:.0f} ms (budget {BUDGET_MS} ms)"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
