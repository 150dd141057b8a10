"""Floors: what a page or API answer costs at the least, to compare the real thing with.

`board_floor(connection, pi_id)` fetches the rows the planning board shows (the PI's features
and the train's unplanned backlog, the PI's stories, the PI's dependencies, the train's teams,
the PI's iterations) with raw SQL and json.dumps them, nothing else: no models, no rules, no
template, no serializer. The PI's stories are selected as the board selects them: by the ids
of the PI's iterations and features that the earlier queries returned (index scans), sorted
here. It is a minimal handful of queries, not one: one for the PI's train, then one per table
(five), all on one cursor; a UNION of five differently shaped tables would only move the same
work into casts. Importable after
django.setup() (the table and column names come from the models' _meta, so it follows renames).

`time_board(pi, client, runs)` times the board page, the board API and the floor in one run
(medians of `runs` rounds taken in turns, after a warm-up round), for bench/bench_board.py and
the benchmark suite: the page and the API of an unchanged board (remembered, art.freshness) and
the first read after a change ("changed": built again):

    DATABASE_URL=postgres://... .venv/bin/python bench/floors.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from common import (
    interleaved,
    large_pi_or_say,
    measured,
    median_ms,
    setup_django,
    signed_in_client,
)

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.test import Client

    from art.models import ProgramIncrement

#: Features in these states are history: not on the backlog (pi_planning.selectors.board).
_FINISHED = ("done", "cancelled")


def _table(model: Any) -> str:
    return model._meta.db_table


def _rows(cursor: Any, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    cursor.execute(sql, params)
    names = [c[0] for c in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def board_floor(connection: BaseDatabaseWrapper, pi_id: int) -> bytes:
    """The board's rows for PI `pi_id` as JSON bytes, by six raw queries (the PI's train, then
    teams, iterations, features, stories, dependencies) and json.dumps. The stories are read
    as the board reads them: by the ids of the PI's iterations and features the earlier
    queries returned (index scans), sorted by iteration number, feature and id."""
    from art.models import Feature, Iteration, ProgramIncrement, Story, Team
    from pi_planning.models import Dependency

    feature, story, iteration = _table(Feature), _table(Story), _table(Iteration)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT train_id FROM {_table(ProgramIncrement)} WHERE id = %s", [pi_id])
        (train_id,) = cursor.fetchone()
        data: dict[str, list[dict[str, Any]]] = {
            "teams": _rows(
                cursor,
                f"SELECT id, name, abbreviation, shown_initials FROM {_table(Team)} WHERE train_id = %s "
                "ORDER BY name",
                [train_id],
            ),
            "iterations": _rows(
                cursor,
                f"SELECT id, number, name, start_date, end_date, is_ip FROM {iteration} WHERE pi_id = %s "
                "ORDER BY number",
                [pi_id],
            ),
            "features": _rows(
                cursor,
                "SELECT id, number, external_key, title, kind, state, points, team_id, iteration_id, "
                "iteration_is_explicit, user_business_value, time_criticality, risk_reduction, job_size, "
                f"pi_id, version, created_at FROM {feature} WHERE train_id = %s AND (pi_id = %s OR "
                "(pi_id IS NULL AND state NOT IN (%s, %s))) ORDER BY id",
                [train_id, pi_id, *_FINISHED],
            ),
        }
        number = {i["id"]: i["number"] for i in data["iterations"]}
        features = [f["id"] for f in data["features"] if f["pi_id"] == pi_id]
        stories = _rows(
            cursor,
            "SELECT id, number, external_key, title, points, state, team_id, iteration_id, feature_id, "
            f"version FROM {story} WHERE iteration_id IN ({_ids(number)}) "
            f"OR (iteration_id IS NULL AND feature_id IN ({_ids(features)}))",
            [],
        )
        stories.sort(
            key=lambda s: (
                s["iteration_id"] is None,
                number.get(s["iteration_id"], 0),
                s["feature_id"] is None,
                s["feature_id"] or 0,
                s["id"],
            )
        )
        data["stories"] = stories
        data["dependencies"] = _rows(
            cursor,
            "SELECT id, number, external_key, title, requester_team_id, provider_team_id, "
            "external_provider, feature_id, provider_feature_id, needed_by_id, committed_iteration_id, "
            f"state, created_at, resolved_at, version FROM {_table(Dependency)} WHERE pi_id = %s "
            "ORDER BY id",
            [pi_id],
        )
    return json.dumps(data, default=str).encode()


def _ids(values: Any) -> str:
    """A list of ids written into SQL (integers only), or NULL for none."""
    return ", ".join(str(int(v)) for v in values) or "NULL"


def board_runs(
    pi: ProgramIncrement, get: Callable[[str], bytes], runs: int
) -> dict[bool, tuple[dict[str, Callable[[], bytes]], dict[str, list[float]]]]:
    """The board page and API ("board page", "board API", read by `get(url)`) of an unchanged board
    (remembered: art.freshness), then each as the first read after a change (the train's
    generation moved on first, as a committed change does: built again). Each kind is timed in
    a run of its own, `runs` rounds in turns with the floor (a change between the reads of an
    unchanged board would make them builds; in turns, the ratios hold when the machine drifts).
    By `changed` (False, True): the calls by read, and their seconds and the floor's."""
    from django.db import connection

    from art import freshness

    urls = {
        "board page": f"/trains/{pi.train.slug}/pis/{pi.pk}/board/",
        "board API": f"/api/v1/pis/{pi.pk}/board/",
    }

    def after_change(url: str) -> bytes:
        freshness.train_changed([pi.train_id])
        return get(url)

    found = {}
    for changed in (False, True):
        calls: dict[str, Callable[[], bytes]] = {
            name: (lambda url=url: after_change(url)) if changed else (lambda url=url: get(url))
            for name, url in urls.items()
        }
        seconds = interleaved({"floor": lambda: board_floor(connection, pi.pk), **calls}, runs)
        found[changed] = (calls, seconds)
    return found


def time_board(pi: ProgramIncrement, client: Client, runs: int = 15) -> dict[str, dict[str, float]]:
    """Median time, queries and size of the board page and API (board_runs: unchanged, and
    "changed", the first read after a change) and of the floor; `ratio` is each one's median over
    the floor's of the same run. `client` is signed in."""
    from django.db import connection

    def get(url: str) -> bytes:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.content

    figures: dict[str, dict[str, float]] = {}
    for changed, (calls, seconds) in board_runs(pi, get, runs).items():
        floor = median_ms(seconds["floor"])
        if not changed:
            calls = {"floor": lambda: board_floor(connection, pi.pk), **calls}
        for name, call in calls.items():
            call()  # as in its run: the unchanged board read once before (the other run changed it)
            _, queries, body = measured(call)
            figures[f"{name}, changed" if changed else name] = {
                "median_ms": round(median_ms(seconds[name]), 1),
                "queries": queries,
                "kb": round(len(body) / 1024, 1),
                "ratio": round(median_ms(seconds[name]) / floor, 2) if floor else 0.0,
            }
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description="Board page and API against their floor")
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    setup_django()
    from django.db import connection

    pi = large_pi_or_say()
    if pi is None:
        return 1
    client = signed_in_client()
    figures = time_board(pi, client, options.runs)
    print(f"Board of {pi.train.name} · {pi.name} on {connection.vendor}, median of {options.runs} runs")
    print(f"  {'':<20} {'queries':>7} {'KB':>7} {'median':>9} {'÷ floor':>8}")
    for name, f in figures.items():
        print(f"  {name:<20} {f['queries']:>7} {f['kb']:>7.1f} {f['median_ms']:>6.1f} ms {f['ratio']:>7.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
