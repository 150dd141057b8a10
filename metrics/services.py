"""Writes of the metrics: recomputing a train's daily snapshots, and asking for it.

`recompute_snapshots` is idempotent: it upserts one row per (train, team, day) and one per
(train, day) for the whole train, so running it twice leaves the same rows (same ids, same
figures), and it writes only the rows whose figures changed: the second run writes nothing
(computed_at is when a row's figures were last written). The upsert is
`INSERT ... ON CONFLICT (...) WHERE ... DO UPDATE`, written out because the two unique
constraints are partial (team set / team empty) and Django's bulk_create(update_conflicts=True)
cannot name a partial index's predicate, which both SQLite and PostgreSQL require to pick it.
The rows are written in batches of days, each in its own transaction, reporting progress to the
RecomputeRun.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from art import rules
from art.models import Feature, FeatureTransition, ProgramIncrement, ReleaseTrain, Team
from art.queue import enqueue_background
from art.selectors.flow import done_features, histories
from art.services.common import author
from metrics import selectors
from metrics.models import FinishedFeature, MetricSnapshot, RecomputeRun

#: Rows written per batch (days × (teams + 1)), and rows per INSERT statement.
BATCH_ROWS = 2000
INSERT_ROWS = 500
#: A queued or running recompute younger than this is reused rather than queued again; an
#: older one is taken for lost (its worker died) and a new one is queued.
ACTIVE_RUN_TIMEOUT = dt.timedelta(minutes=30)

FIGURE_COLUMNS = (
    "not_started",
    "waiting",
    "active",
    "done",
    "wip",
    "throughput_count",
    "throughput_points",
    "open_dependencies",
    "aging_dependencies",
)
_COLUMNS = ("train_id", "team_id", "pi_id", "day", *FIGURE_COLUMNS, "computed_at")
_UPDATED = ("pi_id", *FIGURE_COLUMNS, "computed_at")
_DAY = _COLUMNS.index("day")


@dataclass(frozen=True)
class RecomputeResult:
    start: dt.date
    end: dt.date  # included
    days: int
    rows: int  # computed
    written: int = 0  # inserted or updated: those whose figures changed


def _pi_of_day(pis: Sequence[ProgramIncrement], day: dt.date) -> int | None:
    for pi in pis:
        if pi.start_date <= day <= pi.end_date:
            return pi.pk
    return None


def _row(
    train_id: int,
    team_id: int | None,
    pi_id: int | None,
    day: dt.date,
    cell: selectors.DayFigures,
    now: dt.datetime,
) -> tuple[Any, ...]:
    c = cell.categories
    return (
        train_id,
        team_id,
        pi_id,
        day,
        c[rules.flow.NOT_STARTED],
        c[rules.flow.WAITING],
        c[rules.flow.ACTIVE],
        c[rules.flow.FINISHED],
        cell.wip,
        cell.throughput_count,
        cell.throughput_points,
        cell.open_dependencies,
        cell.aging_dependencies,
        now,
    )


def _upsert(rows: Sequence[tuple[Any, ...]], *, team_rows: bool) -> None:
    """Insert or update snapshot rows on their natural key, in statements of INSERT_ROWS."""
    if not rows:
        return
    meta = MetricSnapshot._meta
    quote = connection.ops.quote_name
    ops = connection.ops
    if team_rows:
        target = (
            f"({quote('train_id')}, {quote('team_id')}, {quote('day')}) WHERE {quote('team_id')} IS NOT NULL"
        )
    else:
        target = f"({quote('train_id')}, {quote('day')}) WHERE {quote('team_id')} IS NULL"
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _UPDATED)
    columns = ", ".join(quote(c) for c in _COLUMNS)
    placeholder = "(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_ROWS):
            chunk = rows[start : start + INSERT_ROWS]
            params: list[Any] = []
            for row in chunk:
                # Only `day` and `computed_at` need adapting (the database's date and time
                # formats); the rest are ids and counts.
                params += row
                params[-1] = ops.adapt_datetimefield_value(row[-1])
                params[-len(row) + _DAY] = ops.adapt_datefield_value(row[_DAY])
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
                + ", ".join([placeholder] * len(chunk))
                + f" ON CONFLICT {target} DO UPDATE SET {updates}",
                params,
            )


def _stored_rows(
    train: ReleaseTrain, start: dt.date, end: dt.date
) -> dict[tuple[int | None, dt.date], tuple[Any, ...]]:
    """The stored figures (pi and FIGURE_COLUMNS) of the train's rows in [start, end], by (team,
    day): one query."""
    rows = MetricSnapshot.objects.filter(train=train, day__gte=start, day__lte=end).values_list(
        "team_id", "day", "pi_id", *FIGURE_COLUMNS
    )
    return {(team_id, day): tuple(rest) for team_id, day, *rest in rows}


def recompute_snapshots(
    *,
    train_id: int,
    days: int | None = None,
    since: dt.date | None = None,
    today: dt.date | None = None,
    on_progress: Callable[[int, int, int], None] | None = None,
) -> RecomputeResult:
    """Recompute a train's snapshots for the last `days` local days up to today (both
    included), or, by default, for its whole history (see selectors.snapshot_range): one row
    per team and day, and the train's row (team empty) which also holds features and
    dependencies without a team. The figures of every day come from one pass over the train's
    history (selectors.snapshot_figures), and only the rows whose figures differ from the stored
    ones are written: a night without changes writes nothing (`written` counts the rows
    written, `rows` those computed). `on_progress(percent, days_done, rows_done)` is called after
    each batch of days. Rows of days outside a full recompute's range are removed.

    With `since` (the earliest local day whose figures changed: the earliest changed transition)
    only the days from `since` (or the start of the full range, if later) to today are
    recomputed: the rows of the days before it are left as they are, which are those a full
    rebuild would write as long as nothing dated before `since` changed (stale_snapshots finds
    the earliest change; tests compare with a full rebuild)."""
    train = ReleaseTrain.objects.get(pk=train_id)
    today = today or selectors.train_today(train)
    if days is None:
        start, end = selectors.snapshot_range(train=train, today=today)
        full_start = start
        if since is not None:
            start = min(max(start, since), end)
    else:
        start, end = today - dt.timedelta(days=max(days, 1) - 1), today
    all_days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    team_ids = list(Team.objects.filter(train=train).order_by("id").values_list("id", flat=True))
    pis = list(ProgramIncrement.objects.filter(train=train).order_by("start_date"))
    per_batch = max(7, BATCH_ROWS // (len(team_ids) + 1))
    batches = math.ceil(len(all_days) / per_batch)
    now = timezone.now()
    computed = written = 0
    if days is None:
        MetricSnapshot.objects.filter(train=train).exclude(day__gte=full_start, day__lte=end).delete()
    figures = selectors.snapshot_figures(train=train, days=all_days)
    stored = _stored_rows(train, start, end)
    empty = selectors.DayFigures()

    def changed(row: tuple[Any, ...]) -> bool:
        return stored.get((row[1], row[_DAY])) != row[2:3] + row[_DAY + 1 : -1]

    for number in range(batches):
        first = number * per_batch
        team_rows, train_rows = [], []
        for i, day in enumerate(all_days[first : first + per_batch], start=first):
            pi_id = _pi_of_day(pis, day)
            whole = selectors.DayFigures()
            whole.add(figures.get((i, None), empty))
            for team_id in team_ids:
                cell = figures.get((i, team_id), empty)
                whole.add(cell)
                team_rows.append(_row(train.pk, team_id, pi_id, day, cell, now))
            train_rows.append(_row(train.pk, None, pi_id, day, whole, now))
        computed += len(team_rows) + len(train_rows)
        team_rows = [row for row in team_rows if changed(row)]
        train_rows = [row for row in train_rows if changed(row)]
        if team_rows or train_rows:
            with transaction.atomic():
                _upsert(team_rows, team_rows=True)
                _upsert(train_rows, team_rows=False)
        written += len(team_rows) + len(train_rows)
        if on_progress:
            on_progress(round(100 * (number + 1) / batches), min(first + per_batch, len(all_days)), computed)
    return RecomputeResult(start, end, len(all_days), computed, written)


_FINISHED_FIGURES = ("done_at", "kind", "points", "flow_time", "lead_time", "cycle_time", "active_time")


def refresh_finished(*, train: ReleaseTrain, since: dt.date | None = None) -> int:
    """Store the own flow figures of the train's features done now (FinishedFeature, computed by
    rules.flow.finished_figures from their history), and remove those of features no longer
    done: of every feature of the train, or, with `since`, of those with a transition from that
    local day on (the others' figures cannot have changed if nothing dated earlier did). Only
    the rows whose figures differ are written; returns their number. Three queries, and one per
    INSERT_ROWS rows written and one for the rows removed."""
    features = Feature.objects.filter(train=train)
    if since is not None:
        after = rules.flow.local_midnight(since, train.tz)
        moved = FeatureTransition.objects.filter(feature=OuterRef("pk"), at__gte=after)
        features = features.filter(Exists(moved))
    done = done_features(train).filter(pk__in=features.values("pk"))
    items, _ = histories(done)
    rows = []
    for item in items:
        figures = rules.flow.finished_figures(item)
        at = rules.flow.done_at(item)
        if figures is not None and at is not None:
            fields = figures._asdict()
            del fields["id"]
            rows.append(FinishedFeature(feature_id=item.id, done_at=at, **fields))
    stored = {
        pk: rest
        for pk, *rest in FinishedFeature.objects.filter(feature__in=features.values("pk")).values_list(
            "feature_id", *_FINISHED_FIGURES
        )
    }
    changed = [r for r in rows if stored.get(r.feature_id) != [getattr(r, c) for c in _FINISHED_FIGURES]]
    gone = set(stored) - {r.feature_id for r in rows}  # no longer done
    with transaction.atomic():
        if gone:
            FinishedFeature.objects.filter(feature_id__in=gone).delete()
        FinishedFeature.objects.bulk_create(
            changed,
            batch_size=INSERT_ROWS,
            update_conflicts=True,
            unique_fields=["feature"],
            update_fields=list(_FINISHED_FIGURES),
        )
    return len(changed)


# --------------------------------------------------------------------------------------------
# Recompute runs: asked for by the RTE (page, API) or by the nightly beat task
# --------------------------------------------------------------------------------------------


def run_busy(run: RecomputeRun | None) -> bool:
    """Queued or running, and not so long ago that its worker must have died."""
    return bool(run and run.active and run.requested_at >= timezone.now() - ACTIVE_RUN_TIMEOUT)


def earlier(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    """The earlier of two `since` days, None (the whole history) being the earliest."""
    return None if a is None or b is None else min(a, b)


def recompute_request(
    *, actor: Any, train: ReleaseTrain, since: dt.date | None = None
) -> tuple[RecomputeRun, bool]:
    """Queue a recompute of the train's snapshots from the local day `since` (the earliest day
    whose figures changed; None: the whole history). The caller has checked that the actor may
    (art.access Action.RUN_EVENTS). A recompute already queued or running is returned instead
    of queuing a second one: (run, created), so a second press while one runs joins it; its
    `since` becomes the earlier of the two, and a run already running is marked to run once more
    when done (what it read may predate this change). The task is queued once the transaction
    commits, never run inside the request: Celery's worker takes it, or on the embedded default
    a thread of this process (art.queue.enqueue_background), and the run's progress tells the
    page and the API how far it is. Whatever `since` says, the run starts no later than the
    earliest change made since the last finished run (staleness.stale_snapshots)."""
    from metrics import tasks

    with transaction.atomic():
        active = (
            RecomputeRun.objects.select_for_update()
            .filter(
                train=train,
                state__in=[RecomputeRun.State.QUEUED, RecomputeRun.State.RUNNING],
                requested_at__gte=timezone.now() - ACTIVE_RUN_TIMEOUT,
            )
            .order_by("-requested_at")
            .first()
        )
        if active is not None:
            joined = earlier(active.since, since)
            again = active.state == RecomputeRun.State.RUNNING
            if joined != active.since or again:
                RecomputeRun.objects.filter(pk=active.pk).update(since=joined, again=again or active.again)
                active.since, active.again = joined, again or active.again
            return active, False
        run = RecomputeRun.objects.create(train=train, requested_by=author(actor), since=since)
        transaction.on_commit(lambda: enqueue_background(tasks.recompute_train, run.pk))
    return run, True


def recompute_all(*, today: dt.date | None = None) -> list[RecomputeRun]:
    """Queue a recompute of every train (the nightly beat task): from yesterday (the day the
    previous night's run saw only in part), and earlier where a change made since the previous
    run is dated earlier (the run finds it when it starts: staleness.stale_snapshots), or the
    whole history when the train has none finished yet."""
    runs = []
    for train in ReleaseTrain.objects.order_by("id"):
        yesterday = (today or selectors.train_today(train)) - dt.timedelta(days=1)
        run, _ = recompute_request(actor=None, train=train, since=yesterday)
        runs.append(run)
    return runs


def recompute_run_execute(*, run_id: int) -> RecomputeRun:
    """Carry out a queued recompute: running with progress, then done (or failed with the
    error, which is raised again so that the task can retry). Safe to run twice.

    It recomputes from the run's `since`, or from the earliest change made since the last
    finished run started where that is earlier (staleness.stale_snapshots: a nightly run asked
    for yesterday still picks up a move back-dated to last week), or the whole history when that
    cannot be bounded. Once done, `since` is the earliest day it recomputed (empty: all). Asked
    for again while running (RecomputeRun.again), it runs once more, from the earlier of the
    days asked for and of the changes made since it started."""
    run = RecomputeRun.objects.select_related("train").get(pk=run_id)
    started = timezone.now()
    RecomputeRun.objects.filter(pk=run.pk).update(
        state=RecomputeRun.State.RUNNING, started_at=started, progress=0, error="", again=False
    )
    checked_at: dt.datetime | None = None  # the last finished run's start, on the first pass

    def progress(percent: int, days_done: int, rows: int) -> None:
        RecomputeRun.objects.filter(pk=run.pk).update(progress=min(percent, 99), days=days_done, rows=rows)

    written = 0
    covered: dt.date | None = dt.date.max  # the earliest day recomputed (None: all)
    # The finished features' figures are refreshed from `since` only where the last finished
    # run left all of them stored; else all of them. A whole-history run leaves them as they are
    # when no feature changed since they were stored (a second "Recompute now").
    previous = selectors.last_done_run(train=run.train)
    figures_kept = previous is not None and previous.figures
    figures_at = previous.started_at if previous is not None else None
    try:
        while True:
            run.refresh_from_db(fields=["since"])
            since = run.since
            if since is not None:
                stale = selectors.stale_snapshots(train=run.train, checked_at=checked_at)
                since = None if stale.full else earlier(since, stale.since or since)
            result = recompute_snapshots(train_id=run.train_id, since=since, on_progress=progress)
            if not figures_kept:
                refresh_finished(train=run.train)
            elif since is not None:
                refresh_finished(train=run.train, since=since)
            elif figures_at is None or selectors.features_changed(train=run.train, since=figures_at):
                refresh_finished(train=run.train)
            figures_kept, figures_at = True, started
            written += result.written
            covered = earlier(covered, since) if covered is not None else None
            # Done, unless asked for again meanwhile: checked and marked under the run's lock,
            # which a request joining the run takes too.
            with transaction.atomic():
                mine = RecomputeRun.objects.select_for_update().filter(pk=run.pk)
                if not mine.filter(again=True).exists():
                    mine.update(
                        state=RecomputeRun.State.DONE,
                        finished_at=timezone.now(),
                        progress=100,
                        days=result.days,
                        rows=result.rows,
                        written=written,
                        since=covered,
                        figures=True,
                    )
                    break
                mine.update(again=False)
            checked_at = started
    except Exception as exc:
        RecomputeRun.objects.filter(pk=run.pk).update(
            state=RecomputeRun.State.FAILED, finished_at=timezone.now(), error=f"{type(exc).__name__}: {exc}"
        )
        raise
    run.refresh_from_db()
    return run
