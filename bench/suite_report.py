"""The report of the performance suite (bench/suite.py): the goals table and its rows, the
section of the 1x / 2x history run, the JSON copy in bench/results/ and the rewrite of
bench/results.md's sections."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import resource
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from common import ROOT, median_ms, p95

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from suite import Suite

RESULTS = ROOT / "bench" / "results.md"


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


def database(connection: BaseDatabaseWrapper) -> tuple[str, str]:
    """The engine ("PostgreSQL" or "SQLite") and the server with its version, for the headings."""
    engine = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite"
    with connection.cursor() as cursor:
        if engine == "PostgreSQL":
            cursor.execute("SHOW server_version")
            server = f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
        else:
            import sqlite3

            server = f"SQLite {sqlite3.sqlite_version}"
    return engine, server


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
        "recompute_unchanged": ("recompute of the whole history, nothing changed (writes nothing)", 2.1),
        "recompute_nightly": ("the nightly run after a night with nothing changed (from yesterday)", 2.1),
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
        f"Whole history ÷ 91 days: {full_1:.2f}× (1×, {one['days']:,} days), {full_2:.2f}× (2×, "
        f"{two['days']:,} days): the whole history costs in proportion to its days, the last 91 days "
        "the same at either length (the goal ≤ 2× is the large train's full history, in the table "
        "above). Rows written "
        f"by a recompute of the whole history with nothing changed: {one['unchanged_written']:,} (1×) "
        f"and {two['unchanged_written']:,} (2×) of {one['recompute_rows']:,} and "
        f"{two['recompute_rows']:,}; by the nightly run after a night with nothing changed: "
        f"{one['nightly_written']:,} (1×) and {two['nightly_written']:,} (2×); goal ~none.",
    ]
    lines.append("")
    return "\n".join(lines)


def write_json(suite: Suite, engine: str, scale: dict | None, scans: list) -> None:
    """A JSON copy of the run's rows, scaling figures and scans in bench/results/ (not committed)."""
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


def rewrite_results(sections: dict[str, str]) -> None:
    """Each section replaces its namesake in bench/results.md (by its heading, the key); the
    file's other sections are kept."""
    for marker, section in sections.items():
        previous = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
        kept = [block for block in previous.split("\n### ") if not ("### " + block).startswith(marker)]
        RESULTS.write_text("\n### ".join(kept).rstrip() + "\n\n" + section)
