"""The "why" of the performance suite (bench/suite.py): a request under cProfile, the other
pages of the train read for EXPLAIN, and the sequential scans of big tables in their plans."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from common import ROOT

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from art.models import ProgramIncrement, ReleaseTrain

#: Tables at least this large must not be read by a sequential scan on a page's path when the
#: scan keeps less than a tenth of their rows.
BIG_TABLE_ROWS = 5_000


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


def other_page_urls(release: ReleaseTrain, current: ProgramIncrement) -> dict[str, str]:
    """Every other page and list of the train `release` (`current`: its current PI) besides the
    timed paths, by name: read once for EXPLAIN (no timing), their filters and joins are checked
    for indexes like the timed paths'."""
    from django.urls import reverse

    from art.models import Team
    from metrics import selectors

    slug, pi, train = release.slug, current.pk, release.pk
    team = Team.objects.filter(train=release).order_by("name").first()
    closed = release.pis.filter(state="closed").order_by("-start_date").first() or current
    today = selectors.train_today(release)
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
    return pages


def sequential_scans(
    connection: BaseDatabaseWrapper, captured: dict[str, list[str]]
) -> list[tuple[str, str, int, str]]:
    """(path, table, rows in the table, filter) of each sequential scan of a big table in
    the queries `captured` (SQL by path); PostgreSQL only."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
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

    for path, queries in captured.items():
        for sql in queries:
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            walk(plan[0]["Plan"], path)
    return sorted(found)
