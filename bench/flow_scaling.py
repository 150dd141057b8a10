"""Scaling of the flow endpoint and of the nightly recompute at 1× and 2× history.

    make bench-flow                  # or: .venv/bin/python bench/flow_scaling.py [--runs 5]

Uses the database of the environment: PostgreSQL when DATABASE_URL is set, else the SQLite file
of SQLITE_PATH (migrated first). Builds, once, two synthetic trains in Europe/Berlin (daylight
saving changes included) of 24 teams whose features flow funnel → … → done with blocking,
reopenings, cancellations and returns to the funnel: `bench-flow-1x` over HISTORY_DAYS days
(about 58,000 transitions) and `bench-flow-2x` over twice as many days with twice the features;
later runs reuse them. Then it times, each `--runs` times, the two trains in turns (1×, 2×, 1×,
2×, ...: the ratios hold when the machine's speed drifts), median and p95:

- the flow endpoint (GET /api/v1/metrics/flow/) over the last 91 days and over the whole
  history, for both trains, after a finished recompute run (as after a night: the load of the
  stored days is read from the snapshots);
- the full recompute of the snapshots from empty (every row written), and again with nothing
  changed, the nightly run after a night without new transitions (from yesterday, as
  metrics.services.recompute_all asks), and from 30 days ago only (`since`: a back-dated
  change), for both trains, with the rows written;

and prints the ratios (full history ÷ 91 days; 2× ÷ 1×). The section "Flow and recompute
scaling, <database>" of bench/results.md is rewritten (`--no-write` to only print);
`--baseline FILE` adds a "before" column from the JSON an earlier run wrote to bench/results/.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import cast

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
HISTORY_DAYS = 520
FEATURES_PER_DAY = 16
TEAMS = 24
ZONE = "Europe/Berlin"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def history(rng: random.Random, start: dt.datetime, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """One feature's transitions: created in the funnel, analyzed, then through the flow with
    blocking, reviews, a reopening or a return to the funnel now and then; cut at `now`."""
    at, moves = start, [("funnel", start)]

    def go(state: str, hours: float) -> None:
        nonlocal at
        at += dt.timedelta(hours=hours, seconds=rng.randint(0, 3599))
        if moves[-1][0] != state:
            moves.append((state, at))

    go("analyzing", rng.uniform(1, 240))
    if rng.random() < 0.08:
        go("cancelled", rng.uniform(1, 200))
    else:
        for _round in range(2 if rng.random() < 0.1 else 1):
            if rng.random() < 0.05:
                go("funnel", rng.uniform(1, 100))
            go("ready", rng.uniform(1, 300))
            go("in_progress", rng.uniform(1, 200))
            if rng.random() < 0.3:
                go("blocked", rng.uniform(1, 100))
                go("in_progress", rng.uniform(1, 100))
            go("review", rng.uniform(1, 150))
            go("awaiting_deploy", rng.uniform(1, 48))
            go("done", rng.uniform(1, 72))
    return [(state, when) for state, when in moves if when <= now]


def build_train(slug: str, days: int, seed: int) -> int:
    """The synthetic train (reused when it exists): its id."""
    from django.db import transaction

    from art.models import Feature, FeatureTransition, ReleaseTrain, Team

    found = ReleaseTrain.objects.filter(slug=slug).first()
    if found is not None:
        return found.pk
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    first = now - dt.timedelta(days=days)
    with transaction.atomic():
        train = ReleaseTrain.objects.create(name=f"Bench {slug}", slug=slug, time_zone=ZONE)
        teams = Team.objects.bulk_create(Team(train=train, name=f"Team {i + 1}") for i in range(TEAMS))
        histories = []
        for number in range(1, days * FEATURES_PER_DAY + 1):
            start = first + dt.timedelta(seconds=rng.randint(0, days * 86400))
            moves = history(rng, start, now)
            histories.append((number, moves))
        features = Feature.objects.bulk_create(
            (
                Feature(
                    train=train,
                    number=number,
                    title=f"Feature {number}",
                    kind=rng.choice(["business", "business", "enabler", "defect"]),
                    points=rng.choice([None, 1, 2, 3, 5, 8, 13]),
                    team=rng.choice([*teams, None]),
                    state=moves[-1][0],
                    created_at=moves[0][1],
                )
                for number, moves in histories
            ),
            batch_size=2000,
        )
        FeatureTransition.objects.bulk_create(
            (
                FeatureTransition(
                    feature=feature,
                    from_state=moves[i - 1][0] if i else "",
                    to_state=state,
                    at=when,
                    recorded_at=when,
                )
                for feature, (_, moves) in zip(features, histories, strict=True)
                for i, (state, when) in enumerate(moves)
            ),
            batch_size=5000,
        )
        ReleaseTrain.objects.filter(pk=train.pk).update(last_feature_number=len(histories))
    return train.pk


#: What is timed of each train, in this order (each step leaves the stored days as the next
#: expects them: the recompute from empty writes them, the later ones find them unchanged).
STEPS = (
    "flow_91",
    "flow_full",
    "recompute",
    "recompute_unchanged",
    "recompute_nightly",
    "recompute_since",
)
#: The rows each recompute step wrote (the last run's), under these names.
WRITTEN = {
    "recompute": "recompute_rows",
    "recompute_unchanged": "unchanged_written",
    "recompute_nightly": "nightly_written",
    "recompute_since": "since_written",
}


def probes(train_id: int) -> tuple[dict[str, object], dict[str, Callable[[], int | None]]]:
    """The train's sizes, and one call per step (STEPS) returning the rows it wrote (None for a
    read), after a first recompute as after a night."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from art.models import FeatureTransition, ReleaseTrain
    from metrics import selectors, services
    from metrics.models import MetricSnapshot, RecomputeRun

    train = ReleaseTrain.objects.get(pk=train_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    user, _ = get_user_model().objects.get_or_create(
        username="bench-flow", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    today = selectors.train_today(train)
    first, _ = selectors.snapshot_range(train=train, today=today)
    end = today + dt.timedelta(days=1)

    def flow(start: dt.date) -> None:
        response = client.get(
            "/api/v1/metrics/flow/",
            {"train": str(train.pk), "start": start.isoformat(), "end": end.isoformat()},
        )
        assert response.status_code == 200, response.content[:300]

    def from_empty() -> int:
        MetricSnapshot.objects.filter(train=train).delete()
        result = services.recompute_snapshots(train_id=train.pk)
        return getattr(result, "written", result.rows)

    def unchanged() -> int:
        result = services.recompute_snapshots(train_id=train.pk)
        return getattr(result, "written", result.rows)

    def nightly() -> int:
        # The nightly run (metrics.services.recompute_all): from yesterday, after a finished run,
        # with no change since (the staleness check finds none): the new days only.
        run = RecomputeRun.objects.create(train=train, since=today - dt.timedelta(days=1))
        return services.recompute_run_execute(run_id=run.pk).written

    def since_30_days() -> int:
        return services.recompute_snapshots(train_id=train.pk, since=today - dt.timedelta(days=30)).written

    sizes: dict[str, object] = {
        "transitions": FeatureTransition.objects.filter(feature__train=train).count(),
        "days": (end - first).days,
    }
    # As after a night: a finished recompute, whose stored days the flow endpoint reads its load
    # from (the synthetic transitions were recorded at their `at`: nothing changed since).
    run = RecomputeRun.objects.create(train=train)
    services.recompute_run_execute(run_id=run.pk)
    flow(today)  # warm up
    calls: dict[str, Callable[[], int | None]] = {
        "flow_91": lambda: flow(end - dt.timedelta(days=91)),
        "flow_full": lambda: flow(first),
        "recompute": from_empty,
        "recompute_unchanged": unchanged,
        "recompute_nightly": nightly,
        "recompute_since": since_30_days,
    }
    return sizes, calls


def measure_in_turns(train_ids: dict[str, int], runs: int) -> dict[str, dict[str, object]]:
    """Each step (STEPS) of every train `runs` times, the trains in turns within each round (1×,
    2×, 1×, 2×, ...): the 2× ÷ 1× ratios hold when the machine's speed drifts during the run.
    Wall seconds and this process's CPU seconds per run, and the rows the last run wrote."""
    figures: dict[str, dict[str, object]] = {}
    calls: dict[str, dict[str, Callable[[], int | None]]] = {}
    for label, train_id in train_ids.items():
        figures[label], calls[label] = probes(train_id)
    for step in STEPS:
        for label in train_ids:
            figures[label][step], figures[label][step + "_cpu"] = [], []
        for _ in range(runs):
            for label in train_ids:
                started, used = time.perf_counter(), time.process_time()
                wrote = calls[label][step]()
                cast(list, figures[label][step]).append(time.perf_counter() - started)
                cast(list, figures[label][step + "_cpu"]).append(time.process_time() - used)
                if step in WRITTEN:
                    figures[label][WRITTEN[step]] = wrote
    return figures


def ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:,.0f} / {p95(values) * 1000:,.0f} ms"


def report(figures: dict[str, dict], engine: str, baseline: dict | None) -> str:
    one, two = figures["1x"], figures["2x"]
    med = statistics.median
    before = " | before (median)" if baseline else ""
    lines = [
        f"### Flow and recompute scaling, {engine}: {dt.date.today().isoformat()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} at the end",
        "",
        f"Synthetic trains (`bench/flow_scaling.py`, `make bench-flow`), {TEAMS} teams, {ZONE}: "
        f"1× = {one['days']:,} days and {one['transitions']:,} transitions, "
        f"2× = {two['days']:,} days and {two['transitions']:,} transitions. "
        f"Median / p95 of {len(one['flow_91'])} runs, wall time; CPU time of the benchmark's process "
        "(the database server's excluded on PostgreSQL) is steadier on a busy machine.",
        "",
        f"| path | 1× | 2× | 2× ÷ 1× | 2× ÷ 1×, CPU of this process{before} |",
        "|---|---|---|---|---|" + ("---|" if baseline else ""),
    ]

    def row(label: str, key: str) -> None:
        ratio = med(two[key]) / med(one[key])
        extra = ""
        if baseline and key in baseline["1x"]:
            b1, b2 = baseline["1x"][key], baseline["2x"][key]
            extra = f" | {med(b1) * 1000:,.0f} ms → {med(b2) * 1000:,.0f} ms ({med(b2) / med(b1):.2f}×)"
        cpu = med(two[key + "_cpu"]) / med(one[key + "_cpu"])
        lines.append(f"| {label} | {ms(one[key])} | {ms(two[key])} | {ratio:.2f}× | {cpu:.2f}×{extra} |")

    row("flow endpoint, last 91 days", "flow_91")
    row("flow endpoint, whole history", "flow_full")
    row("recompute from empty (every row written)", "recompute")
    row("recompute of the whole history, nothing changed", "recompute_unchanged")
    row("the nightly run (from yesterday), nothing changed", "recompute_nightly")
    row("recompute from 30 days ago (since), nothing changed", "recompute_since")
    lines += [
        "",
        f"Flow endpoint, whole history ÷ 91 days: {med(one['flow_full']) / med(one['flow_91']):.2f}× (1×), "
        f"{med(two['flow_full']) / med(two['flow_91']):.2f}× (2×): the whole history in proportion to "
        "its days (the goal ≤ 2× is the large train's full history: make bench). "
        f"Recompute 2× ÷ 1×: {med(two['recompute']) / med(one['recompute']):.2f}×; goal ≤ 2.1×. "
        f"Rows written by a recompute with nothing changed: {one['unchanged_written']:,} (1×), "
        f"{two['unchanged_written']:,} (2×) of {one['recompute_rows']:,} and {two['recompute_rows']:,}.",
        "",
    ]
    return "\n".join(lines)


def built_trains() -> dict[str, int]:
    """The two synthetic trains, 1× and 2× history, built once (later runs reuse them)."""
    trains = {}
    for label, days, seed in (("1x", HISTORY_DAYS, 1), ("2x", 2 * HISTORY_DAYS, 2)):
        started = time.perf_counter()
        trains[label] = build_train(f"bench-flow-{label}", days, seed)
        print(f"  scaling train {label}: ready in {time.perf_counter() - started:.1f} s", flush=True)
    return trains


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print, do not update bench/results.md")
    parser.add_argument("--baseline", help="a JSON of bench/results/ from an earlier run: a 'before' column")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "art.settings.local")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "--noinput", verbosity=0)
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    figures = measure_in_turns(built_trains(), options.runs)
    baseline = json.loads(Path(options.baseline).read_text()) if options.baseline else None
    text = report(figures, engine, baseline)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (results / f"flow-scaling-{engine.lower()}-{stamp}.json").write_text(json.dumps(figures, indent=2))
    if not options.no_write:
        previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
        marker = f"### Flow and recompute scaling, {engine}:"
        kept = [block for block in previous.split("\n### ") if not ("### " + block).startswith(marker)]
        RESULTS.write_text("\n### ".join(kept).rstrip() + "\n\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
