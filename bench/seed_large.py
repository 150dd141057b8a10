"""Time `manage.py seed_demo --size large` on a fresh SQLite file and print the figures.

    make bench                       # or: .venv/bin/python bench/seed_large.py [--keep]

Migrations run first and are timed apart. The benchmark train must reach its promised size
(>= 20 teams, 10 PIs of history, >= 1,000 features, >= 5,000 stories, >= 50,000 transitions)
within the budget of 120 s, or the script exits with status 1. A JSON copy of the figures goes
to bench/results/ (not committed).
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
BUDGET_SECONDS = 120
MINIMUM = {"teams": 20, "closed PIs": 10, "features": 1_000, "stories": 5_000, "transitions": 50_000}
TRAIN = " JOIN art_releasetrain r ON r.id = {}.train_id WHERE r.slug = ?"
COUNT = "SELECT count(*) FROM "
QUERIES = {
    "teams": COUNT + "art_team t" + TRAIN.format("t"),
    "closed PIs": COUNT + "art_programincrement p" + TRAIN.format("p") + " AND p.state = 'closed'",
    "team members": COUNT + "art_teammember m JOIN art_team t ON t.id = m.team_id" + TRAIN.format("t"),
    "features": COUNT + "art_feature f" + TRAIN.format("f"),
    "stories": COUNT + "art_story s" + TRAIN.format("s"),
    "transitions": COUNT
    + "art_featuretransition x JOIN art_feature f ON f.id = x.feature_id"
    + TRAIN.format("f"),
}


def run(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    command = [sys.executable, "manage.py", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.PIPE, text=True)
    return time.perf_counter() - started, done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file and print its path")
    options = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "art.settings.local")
    import django

    django.setup()
    from art.demo import PROFILES

    slug = PROFILES["large"].train_slug
    workdir = Path(tempfile.mkdtemp(prefix="railyard-bench-"))
    database = workdir / "bench.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(SQLITE_PATH=str(database), DJANGO_SETTINGS_MODULE="art.settings.local", DJANGO_DEBUG="0")

    migrate, _ = run(["migrate", "--noinput", "-v", "0"], env)
    seed, output = run(["seed_demo", "--size", "large", "-v", "2"], env)
    steps = next((line.split(":", 1)[1].strip() for line in output.splitlines() if "seed steps:" in line), "")
    with sqlite3.connect(database) as db:
        figures = {name: db.execute(sql, [slug]).fetchone()[0] for name, sql in QUERIES.items()}
    size_mb = sum(f.stat().st_size for f in workdir.iterdir()) / 1e6

    print(
        f"seed_demo --size large on a fresh SQLite file ({platform.python_implementation()} "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, {os.cpu_count()} cores)"
    )
    print(f"  migrate              {migrate:8.1f} s")
    print(f"  seed_demo --size large {seed:6.1f} s   (budget {BUDGET_SECONDS} s)")
    for step in steps.split(", ") if steps else []:
        name, _, seconds = step.rpartition(" ")[0].rpartition(" ")
        print(f"    {name:<24} {seconds:>6} s")
    for name, value in figures.items():
        floor = MINIMUM.get(name)
        print(f"  {name:<20} {value:8,}" + (f"   (at least {floor:,})" if floor else ""))
    rows = figures["features"] + figures["stories"] + figures["transitions"]
    print(f"  rows per second      {rows / seed:8,.0f}")
    print(f"  database size        {size_mb:8.1f} MB")

    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (results / f"seed_large-{stamp}.json").write_text(
        json.dumps({"migrate_s": migrate, "seed_s": seed, "size_mb": size_mb, **figures}, indent=2)
    )
    if options.keep:
        print(f"  kept: SQLITE_PATH={database}")
    else:
        for path in workdir.iterdir():
            path.unlink()
        workdir.rmdir()

    failures = [f"{name} {figures[name]:,} < {n:,}" for name, n in MINIMUM.items() if figures[name] < n]
    if seed > BUDGET_SECONDS:
        failures.append(f"took {seed:.1f} s, more than {BUDGET_SECONDS} s")
    for failure in failures:
        print(f"FAIL: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
