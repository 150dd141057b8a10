"""The performance suite: every goal of the large train, each beside its floor, in one run.

    make bench                       # or: .venv/bin/python bench/suite.py [--runs 15] [--no-scaling]

Uses PostgreSQL when DATABASE_URL is set, else the SQLite file bench/.data/bench.sqlite3 (or
SQLITE_PATH). Migrates, builds the benchmark train once (`seed_demo --size large`; later runs
reuse it) and runs ANALYZE. Then, for each path of the goals table, it measures in this process
through Django's test client (signed in as the RTE, DEBUG off): the queries of one request, the
median and p95 of `--runs` timed requests after a warm-up, the path's floor measured in the same
run (the same rows read by one raw SQL query and turned into JSON, or the reference the goal
names) and the ratio, and says whether the goal is met and by how much it misses if not.

Paths: the planning board page and the board API of the large train's current PI; the story
list `?pi=` of 500 stories; the dependency board's first page; the flow endpoint over the whole
history against the last 91 days; "Recompute now" (the time to the answer, then to the finished
run); the recompute after a day of changes (only the days from the earliest changed transition);
and, unless --no-scaling, the scaling run of bench/flow_scaling.py at 1x and 2x history (the
flow endpoint and the nightly recompute, from empty and with nothing changed).

On PostgreSQL every query those requests make is EXPLAINed and the sequential scans of tables
over 5,000 rows are listed: a filter or join a page uses without an index shows up there.

The section "Goals of the large train, <database>" of bench/results.md is rewritten
(`--no-write` only prints); a JSON copy goes to bench/results/ (not committed).

The paths are here (`Suite`, `scaling`); the cProfile summary and the EXPLAIN check are in
bench/suite_profile.py, the report and the rewrite of bench/results.md in bench/suite_report.py,
and the Django setup and timing loop shared with the other scripts in bench/common.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable

from common import ROOT, large_pi, median_ms, setup_django, signed_in_client, timed
from suite_profile import other_page_urls, profile, sequential_scans
from suite_report import Row, database, fmt, report, rewrite_results, scaling_report, write_json


class Suite:
    def __init__(self, runs: int) -> None:
        from django.db import connection

        self.runs = runs
        self.connection = connection
        # The current PI: the one being planned, with hundreds of dependencies.
        pi = large_pi()
        assert pi is not None, "the benchmark train has no PI"
        self.pi = pi
        self.train = pi.train
        self.client = signed_in_client()
        self.rows: list[Row] = []
        self.captured: dict[str, list[str]] = {}
        self.explained_pages = 0

    # --- helpers ----------------------------------------------------------------------------

    def get(self, url: str, **headers: str) -> bytes:
        response = self.client.get(url, **headers)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response.content

    def count_queries(self, name: str, fn: Callable[[], object]) -> int:
        from django.test.utils import CaptureQueriesContext

        fn()  # warm-up: a token's first use of the minute records it, caches fill
        with CaptureQueriesContext(self.connection) as queries:
            fn()
        self.captured[name] = [q["sql"] for q in queries.captured_queries]
        return len(queries.captured_queries)

    def raw_json(self, sql: str, params: list[object]) -> bytes:
        """The floor of a read: the rows by one raw query, as JSON."""
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            names = [c[0] for c in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return json.dumps(rows, default=str).encode()

    # --- the paths --------------------------------------------------------------------------

    def board(self) -> None:
        """The board page and API of an unchanged board (every read after the first of each
        change: remembered, art.freshness), and the first read after a change (built), each
        beside the floor of its own run (floors.board_runs)."""
        from floors import board_runs

        limits = {"board page": 4.0, "board API": 3.0}
        for changed, (calls, seconds) in board_runs(self.pi, self.get, self.runs).items():
            floor = seconds["floor"]
            for name, call in calls.items():
                label = f"{name}, large PI" + (", first read after a change" if changed else "")
                note = "the build that the next readers share: no goal of its own" if changed else ""
                times = seconds[name]
                self.rows.append(
                    Row(
                        label,
                        "—" if changed else f"≤ {limits[name]:g}× floor",
                        self.count_queries(label, call),
                        times,
                        "the PI's features, stories, dependencies, teams and iterations by raw SQL, as JSON",
                        floor,
                        median_ms(times) / median_ms(floor),
                        None if changed else limits[name],
                        note=note,
                        request=call,
                    )
                )

    def story_list(self) -> None:
        """GET stories/?pi= with page_size=500, as an integration asks it: with a token."""
        from django.contrib.auth import get_user_model
        from django.db.models import Count
        from django.test import Client

        from art.models import ProgramIncrement, Story
        from art.selectors import stories_of_pi
        from art.services import api_token_create

        # The PI with the most stories: `?pi=` matches stories planned in it or under its features.
        pi = (
            ProgramIncrement.objects.filter(train=self.train)
            .annotate(n=Count("iterations__stories"))
            .order_by("-n")
            .first()
        )
        assert pi is not None
        _, key = api_token_create(user=get_user_model().objects.get(username="rte"), name="bench-suite")
        client = Client(HTTP_AUTHORIZATION=f"Token {key}")

        def read() -> bytes:
            response = client.get(f"/api/v1/stories/?pi={pi.pk}&page_size=500")
            assert response.status_code == 200, response.content[:300]
            return response.content

        queries = self.count_queries("story list", read)
        times = timed(read, self.runs)
        sql = (
            "SELECT * FROM art_story WHERE train_id = %s AND (iteration_id IN "
            "(SELECT id FROM art_iteration WHERE pi_id = %s) OR feature_id IN "
            "(SELECT id FROM art_feature WHERE pi_id = %s)) ORDER BY team_id, iteration_id, id LIMIT 500"
        )
        floor = timed(lambda: self.raw_json(sql, [self.train.pk, pi.pk, pi.pk]), self.runs)
        shown = min(500, stories_of_pi(Story.objects.all(), pi_id=pi.pk).count())
        row = Row(
            f"story list `?pi=`, {shown} stories, with a token",
            "≤ 35 ms, 4 queries",
            queries,
            times,
            "the same stories by raw SQL, as JSON",
            floor,
            median_ms(times),
            35.0,
            unit="ms",
        )
        if queries > 4:
            row.note = f"{queries} queries, goal 4"
        row.request = read
        self.rows.append(row)

    def dependency_board(self) -> None:
        url = f"/trains/{self.train.slug}/pis/{self.pi.pk}/dependencies/"
        queries = self.count_queries("dependency board", lambda: self.get(url))
        size = len(self.get(url))
        times = timed(lambda: self.get(url), self.runs)
        sql = "SELECT * FROM pi_planning_dependency WHERE pi_id = %s ORDER BY id"
        floor = timed(lambda: self.raw_json(sql, [self.pi.pk]), self.runs)
        self.rows.append(
            Row(
                "dependency board, large PI, first page",
                "≤ 500 ms",
                queries,
                times,
                "the PI's dependencies by raw SQL, as JSON",
                floor,
                median_ms(times),
                500.0,
                unit="ms",
                note=f"{size / 1024:,.0f} KB",
                request=lambda: self.get(url),
            )
        )

    def flow(self) -> None:
        """The flow endpoint as an executive reads it in the morning: after the nightly run
        (a finished recompute), whose stored days and figures it reads."""
        from metrics import selectors, services
        from metrics.models import RecomputeRun

        run = RecomputeRun.objects.create(train=self.train)
        services.recompute_run_execute(run_id=run.pk)
        today = selectors.train_today(self.train)
        first, _ = selectors.snapshot_range(train=self.train, today=today)
        end = today + dt.timedelta(days=1)

        def url(start: dt.date) -> str:
            return f"/api/v1/metrics/flow/?train={self.train.pk}&start={start}&end={end}"

        whole, window = url(first), url(end - dt.timedelta(days=91))
        queries = self.count_queries("flow endpoint", lambda: self.get(whole))
        times = timed(lambda: self.get(whole), self.runs)
        floor = timed(lambda: self.get(window), self.runs)
        self.rows.append(
            Row(
                f"flow endpoint, whole history ({(end - first).days:,} days)",
                "≤ 2× the 91-day window",
                queries,
                times,
                "the same endpoint over the last 91 days",
                floor,
                median_ms(times) / median_ms(floor),
                2.0,
                request=lambda: self.get(whole),
            )
        )

    def recompute_now(self) -> None:
        """POST metrics/recompute/ on the embedded default: the answer at once, then the run's
        progress polled until it is done."""
        answers, finishes = [], []
        for _ in range(max(3, self.runs // 5)):
            started = time.perf_counter()
            response = self.client.post(
                "/api/v1/metrics/recompute/", {"train": self.train.pk}, content_type="application/json"
            )
            answered = time.perf_counter() - started
            assert response.status_code == 202, response.content[:300]
            run_url = response.json()["url"]
            while True:
                state = self.client.get(run_url).json()["state"]
                if state in ("done", "failed"):
                    break
                time.sleep(0.05)
            assert state == "done", state
            answers.append(answered)
            finishes.append(time.perf_counter() - started)
        self.rows.append(
            Row(
                '"Recompute now", embedded default',
                "answers at once; runs outside the request with progress",
                None,
                answers,
                "the run, polled until done",
                finishes,
                median_ms(answers),
                1000.0,
                unit="ms",
                note=f"done after {median_ms(finishes):,.0f} ms (median)",
            )
        )

    def recompute_after_changes(self) -> None:
        """A day of changes (20 features moved on by one state today), then the recompute of
        what they touched, beside a full rebuild of the train. All of it is rolled back at the
        end, so that the benchmark train stays as seeded."""
        from django.contrib.auth import get_user_model
        from django.db import transaction

        from art.models import Feature
        from art.services import feature_transition_add
        from metrics import selectors, services

        user = get_user_model().objects.get(username="rte")
        moves = {"ready": "in_progress", "in_progress": "review", "review": "awaiting_deploy"}
        runs = max(3, self.runs // 5)
        with transaction.atomic():
            features = list(
                Feature.objects.filter(train=self.train, state__in=list(moves)).order_by("id")[:20]
            )
            for feature in features:
                feature_transition_add(
                    actor=user, feature=feature, state=moves[feature.state], reason="benchmark"
                )
            today = selectors.train_today(self.train)
            whole = services.recompute_snapshots(train_id=self.train.pk)
            full = timed(lambda: services.recompute_snapshots(train_id=self.train.pk), runs)
            part = services.recompute_snapshots(train_id=self.train.pk, since=today)
            times = timed(lambda: services.recompute_snapshots(train_id=self.train.pk, since=today), runs)
            transaction.set_rollback(True)
        row = Row(
            "recompute after a day of changes",
            "only the days from the earliest changed transition",
            None,
            times,
            "a full rebuild of the train",
            full,
            note=(
                f"{len(features)} features moved today: {part.days} day(s) and {part.rows:,} rows "
                f"recomputed, against {whole.days:,} days and {whole.rows:,} rows for the full rebuild"
            ),
        )
        row.figure, row.limit, row.unit = float(part.days), 1.0, "days"
        self.rows.append(row)

    # --- EXPLAIN ----------------------------------------------------------------------------

    def other_pages(self) -> None:
        """Every other page and list of the train read once, for EXPLAIN (no timing): their
        filters and joins are checked for indexes like the timed paths'."""
        pages = other_page_urls(self.train, self.pi)
        for name, url in pages.items():
            self.count_queries(name, lambda url=url: self.get(url))
        self.explained_pages = len(pages)


def scaling(runs: int) -> dict[str, dict]:
    """bench/flow_scaling.py's trains at 1× and 2× history, measured in turns."""
    sys.path.insert(0, str(ROOT / "bench"))
    import flow_scaling

    return flow_scaling.measure_in_turns(flow_scaling.built_trains(), runs)


def prepare() -> None:
    if not os.environ.get("DATABASE_URL") and not os.environ.get("SQLITE_PATH"):
        data = ROOT / "bench" / "results"
        data.mkdir(exist_ok=True)
        os.environ["SQLITE_PATH"] = str(data / "bench.sqlite3")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)  # the embedded default: "Recompute now" in a thread
    setup_django()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scaling-runs", type=int, default=5)
    parser.add_argument("--no-scaling", action="store_true", help="leave out the 1x/2x history run")
    parser.add_argument("--no-write", action="store_true", help="print, do not update bench/results.md")
    options = parser.parse_args()
    started = time.perf_counter()
    prepare()
    from django.core.management import call_command
    from django.db import connection

    from art.demo import refresh_planner_statistics

    call_command("migrate", "--noinput", verbosity=0)
    print("Building or reusing the benchmark train (seed_demo --size large) ...", flush=True)
    call_command("seed_demo", size="large", verbosity=0)
    refresh_planner_statistics()
    engine, server = database(connection)
    suite = Suite(options.runs)
    for step in (
        suite.board,
        suite.story_list,
        suite.dependency_board,
        suite.flow,
        suite.recompute_now,
        suite.recompute_after_changes,
    ):
        print(f"  {step.__name__} ...", flush=True)
        step()
        row = suite.rows[-1]
        print(f"    {row.path}: {fmt(row.times)} · {row.verdict()}", flush=True)
    for row in suite.rows:
        if row.met is False and row.request is not None:
            print(f"  profiling {row.path} ...", flush=True)
            row.why = profile(row.request)
    print("  other pages, for EXPLAIN ...", flush=True)
    suite.other_pages()
    scans = sequential_scans(suite.connection, suite.captured)
    scale = None if options.no_scaling else scaling(options.scaling_runs)
    text = report(suite, engine, server, scans, time.perf_counter() - started)
    print(text)
    sections = {f"### Goals of the large train, {engine}:": text}
    if scale is not None:
        sections[f"### Scaling with history (make bench), {engine}:"] = scaling_report(scale, engine)
        print(sections[f"### Scaling with history (make bench), {engine}:"])
    write_json(suite, engine, scale, scans)
    if not options.no_write:
        # Each section replaces its namesake; a run without the scaling keeps the last one's.
        rewrite_results(sections)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
