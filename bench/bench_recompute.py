"""Time the metric snapshots' recompute of the `seed_demo --size large` train on a fresh SQLite
file, and the reads the dashboard and the API make of it; print the figures.

    .venv/bin/python bench/bench_recompute.py [--keep] [--sqlite PATH]

The train is built first (seed_demo --size large, which already computes its snapshots once
in its last step); then the full recompute (every day of its history, every team) is timed
twice in this process, followed by the dashboard's data and the metrics API's reads. Nothing is
asserted: the figures are for the record (a JSON copy goes to bench/results/, not committed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    return time.perf_counter() - started


def timed(fn):
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and print its path")
    parser.add_argument("--sqlite", help="use this SQLite file, seeded already (skips migrate and seed)")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="railyard-bench-recompute-"))
    database = Path(options.sqlite) if options.sqlite else workdir / "bench.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SQLITE_PATH=str(database), DJANGO_SETTINGS_MODULE="art.settings.local", DJANGO_DEBUG="0")
    figures: dict[str, float | int] = {}
    if not options.sqlite:
        figures["migrate_s"] = run(["migrate", "--noinput", "-v", "0"], env)
        figures["seed_large_s"] = run(["seed_demo", "--size", "large"], env)

    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from art.demo import PROFILES
    from art.models import Feature, FeatureTransition, ReleaseTrain
    from metrics import dashboard, forecast_page, selectors, services
    from metrics.models import MetricSnapshot

    train = ReleaseTrain.objects.get(slug=PROFILES["large"].train_slug)
    figures["teams"] = train.teams.count()
    figures["features"] = Feature.objects.filter(train=train).count()
    figures["transitions"] = FeatureTransition.objects.filter(feature__train=train).count()

    for attempt in (1, 2):
        seconds, result = timed(lambda: services.recompute_snapshots(train_id=train.pk))
        figures[f"recompute_{attempt}_s"] = seconds
    figures["days"], figures["rows"] = result.days, result.rows
    figures["snapshot_rows"] = MetricSnapshot.objects.filter(train=train).count()
    figures["rows_per_s"] = result.rows / figures["recompute_2_s"]

    today = selectors.train_today(train)
    pi = selectors.current_pi(train=train)
    closed = train.pis.filter(state="closed").order_by("-start_date").first()
    figures["dashboard_s"], _ = timed(lambda: dashboard.dashboard_data(train=train))
    figures["dashboard_104w_s"], _ = timed(lambda: dashboard.dashboard_data(train=train, weeks=104))
    figures["api_flow_last_pi_s"], _ = timed(
        lambda: selectors.train_flow(
            train=train, start=closed.start_date, end=closed.end_date + dt.timedelta(days=1)
        )
    )
    figures["api_flow_year_s"], _ = timed(
        lambda: selectors.train_flow(train=train, start=today - dt.timedelta(days=365), end=today)
    )
    figures["api_predictability_s"], _ = timed(lambda: selectors.predictability_for_train(train=train))
    figures["forecast_page_s"], _ = timed(
        lambda: forecast_page.forecast_page(
            train=train, items=selectors.remaining_features(pi=pi) or 50, until=pi.end_date
        )
    )

    print(
        f"metrics recompute of the large train on SQLite ({platform.python_implementation()} "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores)"
    )
    if "seed_large_s" in figures:
        print(f"  seed_demo --size large      {figures['seed_large_s']:8.1f} s   (its last step recomputes)")
    counts = f"{figures['teams']:>4} {figures['features']:>8,} {figures['transitions']:>8,}"
    print(f"  teams, features, transitions {counts}")
    print(
        f"  full recompute (1st, 2nd)   {figures['recompute_1_s']:8.2f} s {figures['recompute_2_s']:8.2f} s"
    )
    print(f"  days x rows                 {figures['days']:8,} days {figures['rows']:8,} rows")
    print(f"  rows per second             {figures['rows_per_s']:8,.0f}")
    print(
        f"  dashboard data (26 / 104 w) {figures['dashboard_s']:8.2f} s {figures['dashboard_104w_s']:8.2f} s"
    )
    print(f"  flow of the last PI         {figures['api_flow_last_pi_s']:8.2f} s")
    print(f"  flow of the last year       {figures['api_flow_year_s']:8.2f} s")
    print(f"  predictability, every PI    {figures['api_predictability_s']:8.2f} s")
    print(f"  forecast page (both)        {figures['forecast_page_s']:8.2f} s")

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (results / f"recompute-{stamp}.json").write_text(json.dumps(figures, indent=2))
    if options.keep or options.sqlite:
        print(f"  database: SQLITE_PATH={database}")
    else:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
