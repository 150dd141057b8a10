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
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"
#: Tables at least this large must not be read by a sequential scan on a page's path when the
#: scan keeps less than a tenth of their rows.
BIG_TABLE_ROWS = 5_000


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


@dataclass
class Row:
    """One line of the goals table."""

    path: str
    goal: str
    queries: int | None = None
    times: list[float] = field(default_factory=list)
    floor_label: str = ""
    floor_times: list[float] = field(default_factory=list)
    #: the figure the goal is about (a ratio or milliseconds) and its limit
    figure: float | None = None
    limit: float | None = None
    unit: str = "×"
    note: str = ""
    #: one request of the path, profiled when the goal is missed (the "why" of the row)
    request: Callable[[], object] | None = None
    why: str = ""

    @property
    def met(self) -> bool | None:
        if self.figure is None or self.limit is None:
            return None
        return self.figure <= self.limit

    def verdict(self) -> str:
        if self.met is None:
            return self.note or "—"
        shown = f"{self.figure:,.2f}×" if self.unit == "×" else f"{self.figure:,.0f} {self.unit}"
        missed = f"missed: {shown}, {self.figure / self.limit:.2f}× the goal"
        text = f"met ({shown})" if self.met else missed
        return text + (f"; {self.note}" if self.note else "")


#: Where a profiled request's own time goes, by the file that spends it.
PROFILE_PARTS = (
    ("SQL and the database driver", ("/psycopg", "/sqlite3/", "/django/db/backends/")),
    ("the ORM (querysets, building model objects)", ("/django/db/",)),
    ("templates", ("/django/template/", "/django/templatetags/")),
    ("DRF and JSON", ("/rest_framework/", "/json/")),
    ("Railyard's code", ("/art/", "/pi_planning/", "/sync/", "/metrics/")),
)


def profile(request: Callable[[], object]) -> str:
    """One request under cProfile, summed up: the share of its own time in SQL, templates,
    DRF and Railyard's code, and the Railyard functions that take the most (cumulative)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    request()
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_cc, _nc, tt, _ct, _callers) in entries.values()) or 1.0
    parts = dict.fromkeys([name for name, _ in PROFILE_PARTS] + ["the rest (Django, Python)"], 0.0)
    ours = []
    for (file, line, name), (_cc, _nc, tt, ct, _callers) in entries.items():
        for part, needles in PROFILE_PARTS:
            if "/.venv/" in file and part == "Railyard's code":
                continue
            if any(needle in file for needle in needles):
                parts[part] += tt
                break
        else:
            parts["the rest (Django, Python)"] += tt
        if file.startswith(str(ROOT)) and "/.venv/" not in file and "/bench/" not in file:
            ours.append((ct, f"`{Path(file).relative_to(ROOT)}:{line} {name}`"))
    wall = max(ct for ct, _ in ours) if ours else total
    top = [f"{label} {ct / wall:.0%}" for ct, label in sorted(ours, reverse=True) if ct < 0.9 * wall][:5]
    shares = ", ".join(f"{name} {share / total:.0%}" for name, share in parts.items())
    return f"profile: {shares}; heaviest of ours (cumulative): {'; '.join(top)}"


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: templates compiled, caches filled
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def rss_mb() -> tuple[float, float]:
    """The process's resident memory now and its peak, in MB."""
    now = 0.0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                now = int(line.split()[1]) / 1024
    return now, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores ({model})"


class Suite:
    def __init__(self, runs: int) -> None:
        from django.contrib.auth import get_user_model
        from django.db import connection
        from django.test import Client

        from art.demo import PROFILES
        from art.models import ProgramIncrement, ReleaseTrain

        self.runs = runs
        self.connection = connection
        self.train = ReleaseTrain.objects.get(slug=PROFILES["large"].train_slug)
        # The current PI: the one being planned, with hundreds of dependencies.
        pi = ProgramIncrement.objects.filter(train=self.train).order_by("-start_date").first()
        assert pi is not None, "the benchmark train has no PI"
        self.pi = pi
        self.client = Client()
        self.client.force_login(get_user_model().objects.get(username="rte"))
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
        from bench.floors import board_floor

        slug, pk = self.train.slug, self.pi.pk
        floor = timed(lambda: board_floor(self.connection, pk), self.runs)
        for label, url, limit in (
            ("board page, large PI", f"/trains/{slug}/pis/{pk}/board/", 4.0),
            ("board API, large PI", f"/api/v1/pis/{pk}/board/", 3.0),
        ):
            queries = self.count_queries(label, lambda url=url: self.get(url))
            times = timed(lambda url=url: self.get(url), self.runs)
            self.rows.append(
                Row(
                    label,
                    f"≤ {limit:g}× floor",
                    queries,
                    times,
                    "the PI's features, stories, dependencies, teams and iterations by raw SQL, as JSON",
                    floor,
                    median_ms(times) / median_ms(floor),
                    limit,
                    request=lambda url=url: self.get(url),
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
        from django.urls import reverse

        from art.models import Team
        from metrics import selectors

        slug, pi, train = self.train.slug, self.pi.pk, self.train.pk
        team = Team.objects.filter(train=self.train).order_by("name").first()
        closed = self.train.pis.filter(state="closed").order_by("-start_date").first() or self.pi
        today = selectors.train_today(self.train)
        pages = {
            "train overview": reverse("art:train", args=[slug]),
            "ART Kanban": reverse("art:kanban", args=[slug]),
            "aging work": reverse("art:kanban_aging", args=[slug]),
            "metrics dashboard": reverse("metrics:dashboard", args=[slug]),
            "forecast": reverse("metrics:forecast", args=[slug]),
            "objectives": reverse("pi_planning:objectives", args=[slug, pi]),
            "confidence vote": reverse("pi_planning:confidence", args=[slug, pi]),
            "ROAM board": reverse("pi_planning:risks", args=[slug, pi]),
            "calendar": reverse("sync:calendar", args=[slug]),
            "impediments": reverse("sync:impediments", args=[slug]),
            "improvements": reverse("sync:improvements", args=[slug]),
            "inspect & adapt": reverse("sync:inspect_adapt", args=[slug, closed.pk]),
            "system demos": reverse("sync:pi_demos", args=[slug, closed.pk]),
            "release notes": reverse("sync:release_notes", args=[slug, closed.pk]),
            "API features ?train=": f"/api/v1/features/?train={train}&page_size=500",
            "API features ?pi=&ordering=rank": f"/api/v1/features/?pi={pi}&ordering=rank",
            "API dependencies ?pi=": f"/api/v1/dependencies/?pi={pi}&page_size=500",
            "API risks ?pi=": f"/api/v1/risks/?pi={pi}",
            "API objectives ?pi=": f"/api/v1/objectives/?pi={pi}",
            "API Kanban": f"/api/v1/trains/{train}/kanban/",
            "API capacity": f"/api/v1/pis/{pi}/capacity/",
            "API predictability": f"/api/v1/metrics/predictability/?train={train}",
            "API dependency age": f"/api/v1/metrics/dependency-age/?train={train}",
            "API forecast": f"/api/v1/metrics/forecast/?train={train}&items=20",
            "API flow, 91 days": f"/api/v1/metrics/flow/?train={train}&start={today - dt.timedelta(days=90)}"
            f"&end={today + dt.timedelta(days=1)}",
        }
        if team is not None:
            pages["team page"] = reverse("art:team", args=[slug, team.pk])
            pages["team capacity"] = reverse("pi_planning:team_capacity", args=[slug, team.pk])
        for name, url in pages.items():
            self.count_queries(name, lambda url=url: self.get(url))
        self.explained_pages = len(pages)

    def sequential_scans(self) -> list[tuple[str, str, int, str]]:
        """(path, table, rows in the table, filter) of each sequential scan of a big table in
        the queries captured above; PostgreSQL only."""
        if self.connection.vendor != "postgresql":
            return []
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'r'")
            sizes = dict(cursor.fetchall())
        found: set[tuple[str, str, int, str]] = set()

        def walk(node: dict, path: str) -> None:
            table = node.get("Relation Name", "")
            rows = sizes.get(table, 0)
            # A scan that keeps most of the table is right to be sequential; one that keeps
            # a small part of a big table should have had an index.
            if (
                node.get("Node Type") == "Seq Scan"
                and rows >= BIG_TABLE_ROWS
                and node.get("Plan Rows", 0) < rows / 10
            ):
                found.add((path, table, int(rows), node.get("Filter", "")[:120]))
            for child in node.get("Plans", []):
                walk(child, path)

        for path, queries in self.captured.items():
            for sql in queries:
                if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    continue
                with self.connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                    plan = cursor.fetchone()[0]
                if isinstance(plan, str):
                    plan = json.loads(plan)
                walk(plan[0]["Plan"], path)
        return sorted(found)


def scaling(runs: int) -> dict[str, dict]:
    sys.path.insert(0, str(ROOT / "bench"))
    import flow_scaling

    figures = {}
    for label, days, seed in (("1x", flow_scaling.HISTORY_DAYS, 1), ("2x", 2 * flow_scaling.HISTORY_DAYS, 2)):
        started = time.perf_counter()
        train_id = flow_scaling.build_train(f"bench-flow-{label}", days, seed)
        print(f"  scaling train {label}: ready in {time.perf_counter() - started:.1f} s", flush=True)
        figures[label] = flow_scaling.measure(train_id, runs)
    return figures


def fmt(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{median_ms(values):,.1f} / {p95(values) * 1000:,.1f} ms"


def report(suite: Suite, engine: str, server: str, scans: list, seconds: float) -> str:
    import django

    now_mb, peak_mb = rss_mb()
    lines = [
        f"### Goals of the large train, {engine}: {dt.date.today().isoformat()}",
        "",
        f"`make bench` (`bench/suite.py`) on {machine()}, Python {platform.python_version()}, "
        f"Django {django.get_version()}, {server}; load average {os.getloadavg()[0]:.1f} at the end; "
        f"the suite took {seconds:,.0f} s. In-process through Django's test client, DEBUG off, "
        f"signed in as the RTE. Train {suite.train.name}, PI {suite.pi.name}. Median / p95 of "
        f"{suite.runs} runs after a warm-up; the floor measured in the same run. Memory of the "
        f"benchmark process: {now_mb:,.0f} MB resident at the end, {peak_mb:,.0f} MB at its peak.",
        "",
        "| path | queries | median / p95 | floor | floor: median / p95 | ratio | goal | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in suite.rows:
        ratio = f"{median_ms(row.times) / median_ms(row.floor_times):,.2f}×" if row.floor_times else "—"
        queries = "—" if row.queries is None else str(row.queries)
        lines.append(
            f"| {row.path} | {queries} | {fmt(row.times)} | {row.floor_label} | {fmt(row.floor_times)} "
            f"| {ratio} | {row.goal} | {row.verdict()} |"
        )
    missed = [row for row in suite.rows if row.why]
    if missed:
        lines += ["", "Why the missed goals miss (one request of each under cProfile):", ""]
        lines += [f"- {row.path}: {row.why}." for row in missed]
    lines += [
        "",
        "Sequential scans keeping under a tenth of a table over 5,000 rows, in the queries of these "
        f"paths and of {suite.explained_pages} other pages and lists of the train (EXPLAIN):",
        "",
    ]
    if engine != "PostgreSQL":
        lines.append("- not checked on SQLite (run with DATABASE_URL for PostgreSQL's plans).")
    elif not scans:
        lines.append("- none: every filter and join of these paths uses an index.")
    else:
        for path, table, rows, condition in scans:
            why = (
                ": the selective condition is a subquery (SubPlan: here each feature's latest "
                "transition, read by index), which no index on the table itself can answer"
                if "SubPlan" in condition
                else ""
            )
            shown = f", filter `{condition}`" if condition else ""
            lines.append(f"- {path}: `{table}` ({rows:,} rows){shown}{why}")
    lines.append("")
    return "\n".join(lines)


def scaling_report(scale: dict, engine: str) -> str:
    """The section of the 1x / 2x history run (bench/flow_scaling.py's trains)."""
    lines = [
        f"### Scaling with history (make bench), {engine}: {dt.date.today().isoformat()}",
        "",
        f"{machine()}, Python {platform.python_version()}; load average {os.getloadavg()[0]:.1f} at the "
        f"end. Median / p95 of {len(scale['1x']['flow_91'])} runs.",
    ]
    one, two = scale["1x"], scale["2x"]
    med = statistics.median
    lines += [
        "",
        f"Scaling (bench/flow_scaling.py's synthetic trains, 24 teams): 1× = {one['days']:,} days and "
        f"{one['transitions']:,} transitions, 2× = {two['days']:,} days and {two['transitions']:,}.",
        "",
        "| path | 1× | 2× | 2× ÷ 1× | goal | verdict |",
        "|---|---|---|---|---|---|",
    ]
    goals = {
        "flow_91": ("flow endpoint, last 91 days", None),
        "flow_full": ("flow endpoint, whole history", None),
        "recompute": ("nightly recompute from empty (every row written)", 2.1),
        "recompute_unchanged": ("nightly recompute, nothing changed", 2.1),
        "recompute_since": ("recompute from 30 days ago (the days from a change)", None),
    }
    for key, (label, limit) in goals.items():
        ratio = med(two[key]) / med(one[key])
        goal = f"≤ {limit}× (linear)" if limit else "—"
        verdict = "—" if limit is None else ("met" if ratio <= limit else f"missed by {ratio / limit:.2f}×")
        lines.append(f"| {label} | {fmt(one[key])} | {fmt(two[key])} | {ratio:.2f}× | {goal} | {verdict} |")
    full_1 = med(one["flow_full"]) / med(one["flow_91"])
    full_2 = med(two["flow_full"]) / med(two["flow_91"])
    lines += [
        "",
        f"Whole history ÷ 91 days: {full_1:.2f}× (1×), {full_2:.2f}× (2×); goal ≤ 2×. Rows written "
        f"by a night with nothing changed: {one['unchanged_written']:,} (1×) and "
        f"{two['unchanged_written']:,} (2×) of {one['recompute_rows']:,} and "
        f"{two['recompute_rows']:,}; goal ~none.",
    ]
    lines.append("")
    return "\n".join(lines)


def prepare() -> None:
    if not os.environ.get("DATABASE_URL") and not os.environ.get("SQLITE_PATH"):
        data = ROOT / "bench" / "results"
        data.mkdir(exist_ok=True)
        os.environ["SQLITE_PATH"] = str(data / "bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "art.settings.local")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.pop("REDIS_URL", None)  # the embedded default: "Recompute now" in a thread
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--scaling-runs", type=int, default=3)
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
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    with connection.cursor() as cursor:
        if engine == "PostgreSQL":
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            import sqlite3

            server = f"SQLite {sqlite3.sqlite_version}"
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
    scans = suite.sequential_scans()
    scale = None if options.no_scaling else scaling(options.scaling_runs)
    text = report(suite, engine, server, scans, time.perf_counter() - started)
    print(text)
    sections = {f"### Goals of the large train, {engine}:": text}
    if scale is not None:
        sections[f"### Scaling with history (make bench), {engine}:"] = scaling_report(scale, engine)
        print(sections[f"### Scaling with history (make bench), {engine}:"])
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (out / f"suite-{engine.lower()}-{stamp}.json").write_text(
        json.dumps(
            {
                "rows": [
                    {k: v for k, v in row.__dict__.items() if k != "request"} | {"met": row.met}
                    for row in suite.rows
                ],
                "scaling": scale,
                "scans": scans,
            },
            indent=2,
            default=str,
        )
    )
    if not options.no_write:
        # Each section replaces its namesake; a run without the scaling keeps the last one's.
        for marker, section in sections.items():
            previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
            kept = [block for block in previous.split("\n### ") if not ("### " + block).startswith(marker)]
            RESULTS.write_text("\n### ".join(kept).rstrip() + "\n\n" + section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
