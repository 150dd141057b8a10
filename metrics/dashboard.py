"""What the executive dashboard shows, assembled from metrics.selectors in a fixed number of
queries (it does not grow with teams, PIs or features): the headline figures with their trend
against the period before, and the charts of metrics/charts.py.

Each figure comes from a rule of art/rules/ (through the selectors) or from the nightly
snapshots; this module only picks the windows; metrics/formatting.py writes the figures for the
page and metrics/charts.py lays each chart out with its data table, which is also what its CSV
download holds (percentages with two decimals there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from art import rules
from art.models import FeatureState, ReleaseTrain
from art.selectors.quality import defect_flags
from metrics import selectors
from metrics.charts import (
    Chart,
    cfd_chart,
    cycle_chart,
    dependency_chart,
    distribution_chart,
    predictability_chart,
    throughput_chart,
    wip_chart,
)
from metrics.formatting import band_of, fmt_days, fmt_number, fmt_percent, predictability_text
from metrics.models import MetricSnapshot, RecomputeRun

PERIOD_WEEKS = (13, 26, 52, 104)
DEFAULT_WEEKS = 26
TREND_WEEKS = 4  # throughput, WIP and aging dependencies: the last 4 weeks against the 4 before
CYCLE_WEEKS = 12  # cycle time p85: the last 12 weeks against the 12 before
ONE_DAY = dt.timedelta(days=1)
#: The states behind WIP's two parts (art.rules.flow), in flow order, as the page names them.
ACTIVE_WORDS = ", ".join(
    FeatureState(s).label.lower() for s in rules.flow.FEATURE_STATES if s in rules.flow.ACTIVE_STATES
)
WAITING_WORDS = ", ".join(
    FeatureState(s).label.lower() for s in rules.flow.FEATURE_STATES if s in rules.flow.WAITING_STATES
)


@dataclass(frozen=True)
class Trend:
    """A figure against the same figure one period earlier. `better` says whether the move is
    good news (None where neither direction is)."""

    direction: str  # "up", "down", "flat"
    text: str
    better: bool | None

    @property
    def arrow(self) -> str:
        return {"up": "▲", "down": "▼"}.get(self.direction, "■")

    @property
    def tone(self) -> str:
        if self.better is None or self.direction == "flat":
            return "neutral"
        return "good" if self.better else "bad"


def trend(
    current: float | None,
    previous: float | None,
    *,
    unit: str,
    than: str,
    higher_is_better: bool | None,
    delta_unit: str | None = None,
) -> Trend | None:
    """`current` against `previous`: "+3 against the 4 weeks before (9)"."""
    if current is None or previous is None:
        return None
    delta = round(current - previous, 2)
    if delta == 0:
        return Trend("flat", f"same as {than} ({fmt_number(previous)}{unit})", None)
    direction = "up" if delta > 0 else "down"
    better = None if higher_is_better is None else (delta > 0) == higher_is_better
    sign = "+" if delta > 0 else "−"
    return Trend(
        direction,
        f"{sign}{fmt_number(abs(delta))}{unit if delta_unit is None else delta_unit} against {than} "
        f"({fmt_number(previous)}{unit})",
        better,
    )


@dataclass(frozen=True)
class Headline:
    key: str
    label: str
    value: str
    detail: str
    definition: str  # anchor on the definitions page
    chart: str  # anchor of its chart on the dashboard
    trend: Trend | None = None
    badge: tuple[str, str, str] | None = None  # tone, icon, words
    unit: str = ""  # shown smaller after the value
    parts: tuple[str, ...] = ()  # what the value is made of, one line each


@dataclass
class Dashboard:
    train: ReleaseTrain
    today: dt.date
    weeks: int
    start: dt.date  # first day of the charted period
    headlines: list[Headline]
    charts: list[Chart]
    computed_at: dt.datetime | None
    last_day: dt.date | None
    run: RecomputeRun | None

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)

    @property
    def stale(self) -> bool:
        return self.last_day is not None and self.last_day < self.today


def _predictability_headline(pis: Sequence[selectors.PIPredictability], today: dt.date) -> Headline:
    started = [p for p in pis if p.start_date <= today]
    scored = [p for p in started if p.result.status == "ok"]
    definition, chart = "predictability", "predictability"
    if not scored:
        latest = started[-1] if started else None
        return Headline(
            "predictability",
            "Predictability",
            latest.result.status if latest else "n/a",
            (
                f"{latest.name}: no committed objective with planned business value."
                if latest and latest.result.status == "n/a"
                else f"{latest.name}: business value not scored yet."
                if latest
                else "No PI has started yet."
            ),
            definition,
            chart,
        )
    last = scored[-1]
    previous = scored[-2] if len(scored) > 1 else None
    r = last.result
    return Headline(
        "predictability",
        f"Predictability, {last.name}",
        predictability_text(r),
        f"Actual business value {r.actual} against {r.planned} planned for the committed objectives.",
        definition,
        chart,
        trend(
            r.percent,
            previous.result.percent if previous else None,
            unit=" %",
            delta_unit=" points",
            than=previous.name if previous else "",
            higher_is_better=None,
        ),
        band_of(r.percent),
    )


def _throughput_headline(totals: dict[str, Any], today: dt.date) -> Headline:
    last, previous = totals.get("last"), totals.get("previous")
    first_day = totals.get("first_day")
    had_previous = (
        first_day is not None and first_day <= today - dt.timedelta(weeks=2 * TREND_WEEKS) + ONE_DAY
    )
    return Headline(
        "throughput",
        f"Throughput, last {TREND_WEEKS} weeks",
        fmt_number(last or 0),
        f"{fmt_number(totals.get('last_points') or 0)} points finished from "
        f"{(today - dt.timedelta(weeks=TREND_WEEKS) + ONE_DAY):%-d %b} to today.",
        "throughput",
        "throughput",
        trend(
            last or 0,
            (previous or 0) if had_previous else None,
            unit="",
            than=f"the {TREND_WEEKS} weeks before",
            higher_is_better=True,
        ),
        unit="feature" if last == 1 else "features",
    )


def _cycle_headline(items: Sequence[rules.flow.FeatureHistory], today: dt.date, tz: Any) -> Headline:
    hi = rules.flow.local_midnight(today + ONE_DAY, tz)
    mid = rules.flow.local_midnight(today + ONE_DAY - dt.timedelta(weeks=CYCLE_WEEKS), tz)
    lo = rules.flow.local_midnight(today + ONE_DAY - dt.timedelta(weeks=2 * CYCLE_WEEKS), tz)
    now = rules.stats.summarize(rules.flow.cycle_times(items, mid, hi))
    before = rules.stats.summarize(rules.flow.cycle_times(items, lo, mid))
    detail = (
        f"85 % of the {now.count} features finished in the last {CYCLE_WEEKS} weeks took at most this long "
        f"from first active to done (median {fmt_days(now.median)})."
        if now.count
        else f"No feature was finished in the last {CYCLE_WEEKS} weeks."
    )
    return Headline(
        "cycle_time",
        "Cycle time, 85th percentile",
        fmt_number(now.p85),
        detail,
        "cycle-time",
        "cycle_time",
        trend(
            now.p85, before.p85, unit=" days", than=f"the {CYCLE_WEEKS} weeks before", higher_is_better=False
        ),
        unit="days" if now.p85 is not None else "",
    )


def _wip_headline(series: Sequence[MetricSnapshot], today: dt.date) -> Headline:
    latest = series[-1] if series else None
    earlier_day = (latest.day if latest else today) - dt.timedelta(weeks=TREND_WEEKS)
    earlier = next((s for s in series if s.day == earlier_day), None)
    return Headline(
        "wip",
        "Work in progress now",
        str(latest.wip) if latest else "—",
        (
            f"Features in the flow at the end of {latest.day:%-d %b}. Waiting work (a backlog ready "
            "for the next PI too) is not started work."
            if latest
            else "No snapshot computed yet."
        ),
        "wip",
        "wip",
        trend(
            latest.wip if latest else None,
            earlier.wip if earlier else None,
            unit="",
            than=f"{TREND_WEEKS} weeks earlier",
            higher_is_better=None,
        ),
        unit="features" if latest else "",
        parts=(f"{latest.active} active: {ACTIVE_WORDS}", f"{latest.waiting} waiting: {WAITING_WORDS}")
        if latest
        else (),
    )


def _efficiency_headline(items: Sequence[rules.flow.FeatureHistory], today: dt.date, tz: Any) -> Headline:
    """Flow efficiency of the features finished in the last 12 weeks, against the 12 before."""
    hi = rules.flow.local_midnight(today + ONE_DAY, tz)
    mid = rules.flow.local_midnight(today + ONE_DAY - dt.timedelta(weeks=CYCLE_WEEKS), tz)
    lo = rules.flow.local_midnight(today + ONE_DAY - dt.timedelta(weeks=2 * CYCLE_WEEKS), tz)
    now = rules.flow.flow_efficiency(items, mid, hi)
    before = rules.flow.flow_efficiency(items, lo, mid)
    count = len(rules.flow.finished_in(items, mid, hi))
    return Headline(
        "flow_efficiency",
        f"Flow efficiency, last {CYCLE_WEEKS} weeks",
        fmt_percent(now) if now is not None else "n/a",
        (
            f"Share of the time in flow that the {count} feature{'s' if count != 1 else ''} finished "
            f"in the last {CYCLE_WEEKS} weeks were worked on ({ACTIVE_WORDS}); the rest they waited."
            if now is not None
            else f"No feature was finished in the last {CYCLE_WEEKS} weeks."
        ),
        "efficiency",
        "",
        trend(
            now,
            before,
            unit=" %",
            delta_unit=" points",
            than=f"the {CYCLE_WEEKS} weeks before",
            higher_is_better=True,
        ),
    )


def _escape_headline(defects: Sequence[tuple[dt.datetime, bool]], today: dt.date, tz: Any) -> Headline:
    """Defect escape rate of the defects raised (created) in the last 12 weeks, against the 12
    before; `defects` holds (created_at, found_after_release) over both windows."""
    mid = rules.flow.local_midnight(today + ONE_DAY - dt.timedelta(weeks=CYCLE_WEEKS), tz)
    now = rules.quality.defect_escape_rate(flag for created, flag in defects if created >= mid)
    before = rules.quality.defect_escape_rate(flag for created, flag in defects if created < mid)
    return Headline(
        "defect_escape_rate",
        f"Defect escape rate, last {CYCLE_WEEKS} weeks",
        fmt_percent(now.percent) if now.percent is not None else "n/a",
        (
            f"Found after release: {now.escaped} of the {now.defects} defect"
            f"{'s' if now.defects != 1 else ''} raised in the last {CYCLE_WEEKS} weeks "
            "(cancelled ones left out)."
            if now.defects
            else f"No defect was raised in the last {CYCLE_WEEKS} weeks."
        ),
        "defect-escape-rate",
        "",
        trend(
            now.percent,
            before.percent,
            unit=" %",
            delta_unit=" points",
            than=f"the {CYCLE_WEEKS} weeks before",
            higher_is_better=False,
        ),
    )


def _dependency_headline(
    summary: rules.dependencies.DependencyAgeSummary, series: Sequence[MetricSnapshot]
) -> Headline:
    latest = series[-1] if series else None
    earlier = None
    if latest:
        earlier_day = latest.day - dt.timedelta(weeks=TREND_WEEKS)
        earlier = next((s for s in series if s.day == earlier_day), None)
    if summary.open:
        value = f"{summary.aging} of {summary.open}"
        detail = (
            f"{summary.aging} of the {summary.open} open dependencies are older than "
            f"{rules.dependencies.AGING_AFTER_DAYS} days; the oldest is {summary.open_max_age} "
            f"day{'s' if summary.open_max_age != 1 else ''} old."
        )
    else:
        value, detail = "None open", f"No open dependency; {summary.resolved} resolved so far."
    return Headline(
        "aging_dependencies",
        "Aging dependencies",
        value,
        detail,
        "dependency-age",
        "dependency_age",
        trend(
            summary.aging,
            earlier.aging_dependencies if earlier else None,
            unit="",
            than=f"{TREND_WEEKS} weeks earlier",
            higher_is_better=False,
        ),
        ("risk", "alert", f"older than {rules.dependencies.AGING_AFTER_DAYS} days")
        if summary.aging
        else ("healthy", "check-circle", "none aging"),
    )


def dashboard_data(
    *, train: ReleaseTrain, weeks: int = DEFAULT_WEEKS, today: dt.date | None = None
) -> Dashboard:
    """Everything the executive dashboard shows, in a fixed number of queries."""
    tz = train.tz
    today = today or selectors.train_today(train)
    start = today - dt.timedelta(weeks=weeks) + ONE_DAY
    tomorrow = today + ONE_DAY
    pis = selectors.predictability_for_train(train=train)
    totals = selectors.snapshot_totals(train=train, today=today, weeks=TREND_WEEKS)
    series = selectors.train_snapshots(train=train, start=start, end=tomorrow)
    iterations = selectors.iteration_throughput(train=train, start=start, end=tomorrow)
    fetch_from = min(start, today - dt.timedelta(weeks=2 * CYCLE_WEEKS) + ONE_DAY)
    hi = rules.flow.local_midnight(tomorrow, tz)
    items, info = selectors.histories(
        selectors.finished_features(train, rules.flow.local_midnight(fetch_from, tz), hi)
    )
    dependencies = selectors.dependency_dates(train=train)
    defects = defect_flags(
        train=train,
        lo=rules.flow.local_midnight(today + ONE_DAY - dt.timedelta(weeks=2 * CYCLE_WEEKS), tz),
        hi=hi,
    )
    now = timezone.now()
    summary = rules.dependencies.dependency_age_summary(dependencies, now)
    lo = rules.flow.local_midnight(start, tz)
    headlines = [
        _predictability_headline(pis, today),
        _throughput_headline(totals, today),
        _cycle_headline(items, today, tz),
        _wip_headline(series, today),
        _dependency_headline(summary, series),
        _efficiency_headline(items, today, tz),
        _escape_headline(defects, today, tz),
    ]
    charts = [
        predictability_chart(pis, today),
        throughput_chart(iterations),
        cycle_chart(items, info, lo, hi, tz),
        cfd_chart(series),
        wip_chart(series),
        dependency_chart(dependencies, now),
        distribution_chart(items, lo, hi),
    ]
    run = selectors.latest_run(train=train)
    # A row's computed_at moves only when its figures change (a quiet night writes nothing): the
    # figures were last checked when the latest run finished.
    computed_at = totals.get("computed_at")
    if run is not None and run.state == run.State.DONE and run.finished_at is not None:
        computed_at = max(computed_at, run.finished_at) if computed_at else run.finished_at
    return Dashboard(
        train=train,
        today=today,
        weeks=weeks,
        start=start,
        headlines=headlines,
        charts=charts,
        computed_at=computed_at,
        last_day=totals.get("last_day"),
        run=run,
    )


def trend_headlines(*, train: ReleaseTrain, today: dt.date | None = None) -> list[Headline]:
    """The trend snapshot an ART sync opens with: the predictability of the last closed PI, the
    throughput of the last 4 weeks and the WIP now, each with its trend, from the same selectors
    and headline rules as the dashboard (four queries)."""
    today = today or selectors.train_today(train)
    closed = [p for p in selectors.predictability_for_train(train=train) if p.state == "closed"]
    totals = selectors.snapshot_totals(train=train, today=today, weeks=TREND_WEEKS)
    series = selectors.train_snapshots(
        train=train, start=today - dt.timedelta(weeks=TREND_WEEKS), end=today + ONE_DAY
    )
    return [
        _predictability_headline(closed, today),
        _throughput_headline(totals, today),
        _wip_headline(series, today),
    ]
