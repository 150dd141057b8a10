"""What the executive dashboard and the forecast page show, assembled from metrics.selectors in
a fixed number of queries (it does not grow with teams, PIs or features).

Each figure comes from a rule of metrics/calculations.py (through the selectors) or from the
nightly snapshots; this module only picks the windows, formats for the page (percentages with
one decimal, "n/a" and "not scored" spelled out) and lays each chart out with its data table,
which is also what its CSV download holds (percentages with two decimals there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from art import rules
from art.models import ProgramIncrement, ReleaseTrain
from metrics import selectors
from metrics.models import MetricSnapshot, RecomputeRun

PERIOD_WEEKS = (13, 26, 52, 104)
DEFAULT_WEEKS = 26
TREND_WEEKS = 4  # throughput, WIP and aging dependencies: the last 4 weeks against the 4 before
CYCLE_WEEKS = 12  # cycle time p85: the last 12 weeks against the 12 before
PREDICTABILITY_PIS_CHARTED = 4
BAND = (80, 100)
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 14), (15, 30), (31, 60), (61, None))
KIND_LABELS = {"business": "Business", "enabler": "Enabler", "defect": "Defect"}
ONE_DAY = dt.timedelta(days=1)


# --------------------------------------------------------------------------------------------
# Formatting for the page (the API and CSV keep 2 decimals)
# --------------------------------------------------------------------------------------------


def fmt_number(value: float | int | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.{decimals}f}"


def fmt_percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def fmt_days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1f} day{'s' if value != 1 else ''}"


def predictability_text(result: rules.predictability.PredictabilityResult) -> str:
    """The page's words for a predictability result: "93.3 %", "n/a" or "not scored"."""
    return fmt_percent(result.percent) if result.status == "ok" else result.status


def predictability_csv(result: rules.predictability.PredictabilityResult) -> Any:
    return result.percent if result.status == "ok" else result.status


def band_of(percent: float | None) -> tuple[str, str, str]:
    """(tone, icon, words) for a predictability against the 80–100 % target band."""
    if percent is None:
        return ("neutral", "info", "no figure")
    if percent < BAND[0]:
        return ("risk", "alert", "below the 80–100 % band")
    if percent > BAND[1]:
        return ("healthy", "check-circle", "above 100 %: stretch")
    return ("healthy", "check-circle", "in the 80–100 % band")


# --------------------------------------------------------------------------------------------
# Page data
# --------------------------------------------------------------------------------------------


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


@dataclass
class Chart:
    """A chart, its data table (`columns`, `rows` as shown) and its CSV (`csv_rows`, raw)."""

    key: str
    title: str
    question: str  # what it answers, in one line
    definition: str
    spec: dict[str, Any]
    columns: list[str]
    rows: list[list[Any]]
    csv_rows: list[list[Any]]
    empty: str = ""
    note: str = ""
    numeric: set[int] = field(default_factory=set)  # columns aligned right

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}-data"


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
            f"{latest.active} active and {latest.waiting} waiting (ready, blocked or awaiting deploy) "
            f"at the end of {latest.day:%-d %b}."
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


def _percent_of(result: rules.predictability.PredictabilityResult | None) -> float | None:
    return result.percent if result else None


def _predictability_chart(pis: Sequence[selectors.PIPredictability], today: dt.date) -> Chart:
    teams: dict[int, str] = {}
    for pi in pis:
        for team in pi.teams:
            teams.setdefault(team.team_id, team.name)
    order = sorted(teams, key=lambda t: teams[t].lower())
    shown = [p for p in pis if p.start_date <= today][-PREDICTABILITY_PIS_CHARTED:]
    by_pi = {p.pi_id: {t.team_id: t.result for t in p.teams} for p in pis}
    labels = ["Whole train", *(teams[t] for t in order)]
    shades = ["grey", "purple", "sky", "blue"][-len(shown) :] if shown else []  # the latest PI in blue
    datasets = [
        {
            "label": p.name,
            "data": [
                p.result.percent,
                *(_percent_of(by_pi[p.pi_id].get(t)) for t in order),
            ],
            "color": shades[i],
        }
        for i, p in enumerate(shown)
    ]
    columns = ["Team", *(p.name for p in pis)]
    rows = [["Whole train", *(predictability_text(p.result) for p in pis)]]
    csv_rows = [["Whole train", *(predictability_csv(p.result) for p in pis)]]
    for t in order:
        cells = [by_pi[p.pi_id].get(t) for p in pis]
        rows.append([teams[t], *(predictability_text(c) if c else "" for c in cells)])
        csv_rows.append([teams[t], *(predictability_csv(c) if c else "" for c in cells)])
    return Chart(
        "predictability",
        "Predictability per team and PI",
        "Did the teams deliver the business value they committed to? The shaded band is the 80–100 % target.",
        "predictability",
        {
            "type": "bar",
            "labels": labels,
            "datasets": datasets,
            "band": {"from": BAND[0], "to": BAND[1], "label": "target 80–100 %"},
            "narrow_horizontal": True,
            "y": {"title": "% of committed business value", "min": 0, "unit": " %"},
        },
        columns,
        rows,
        csv_rows,
        empty=""
        if any(p.teams for p in pis)
        else "No PI objectives yet: predictability appears once teams have objectives with planned "
        "business value.",
        note="n/a: the team committed no planned business value. not scored: an objective has no actual "
        "business value yet.",
        numeric=set(range(1, len(columns))),
    )


def _throughput_chart(iterations: Sequence[Any]) -> Chart:
    labels = [f"{i.pi.name} · {i.name}" for i in iterations]
    rows = [
        [
            i.pi.name,
            i.name,
            f"{i.start_date:%-d %b} – {i.end_date:%-d %b %Y}",
            i.throughput_count,
            i.throughput_points,
        ]
        for i in iterations
    ]
    return Chart(
        "throughput",
        "Throughput per iteration",
        "How many features did the train finish in each iteration?",
        "throughput",
        {
            "type": "bar",
            "labels": labels,
            "datasets": [
                {
                    "label": "Features finished",
                    "data": [i.throughput_count for i in iterations],
                    "color": "blue",
                },
                {
                    "label": "Points finished",
                    "data": [i.throughput_points for i in iterations],
                    "color": "orange",
                    "type": "line",
                    "axis": "y2",
                },
            ],
            "y": {"title": "features", "min": 0, "integer": True},
            "y2": {"title": "points", "min": 0},
        },
        ["PI", "Iteration", "Dates", "Features", "Points"],
        rows,
        [
            [i.pi.name, i.name, i.start_date, i.end_date, i.throughput_count, i.throughput_points]
            for i in iterations
        ],
        empty="" if iterations else "No iteration in this period.",
        numeric={3, 4},
    )


def _cycle_chart(
    items: Sequence[rules.flow.FeatureHistory],
    info: dict[int, selectors.FeatureInfo],
    lo: dt.datetime,
    hi: dt.datetime,
    tz: Any,
) -> Chart:
    finished: list[tuple[rules.flow.FeatureHistory, dt.datetime, float]] = []
    for feature in rules.flow.finished_in(items, lo, hi):
        at, days = rules.flow.done_at(feature), rules.flow.cycle_time_days(feature)
        if at is not None and days is not None:  # never active: no cycle time
            finished.append((feature, at, days))
    finished.sort(key=lambda row: row[1])
    values = [days for _, _, days in finished]
    p50, p85 = (
        rules.stats.percentile_nearest_rank(values, 50),
        rules.stats.percentile_nearest_rank(values, 85),
    )
    epoch = dt.date(1970, 1, 1)
    points = [
        {"x": (at.astimezone(tz).date() - epoch).days, "y": round(days, 2), "label": info[f.id].key}
        for f, at, days in finished
    ]
    lines: list[dict[str, Any]] = []
    if p50 is not None and p85 is not None:
        lines = [
            {"value": round(p50, 2), "label": f"50 %: {fmt_days(p50)}", "color": "ink"},
            {"value": round(p85, 2), "label": f"85 %: {fmt_days(p85)}", "color": "vermillion", "dash": True},
        ]
    return Chart(
        "cycle_time",
        "Cycle time of finished features",
        "How long did features take from first active to done? Half took at most the 50 % line, "
        "85 % at most the 85 % line.",
        "cycle-time",
        {
            "type": "scatter",
            "datasets": [{"label": "Feature", "data": points, "color": "blue"}],
            "lines": lines,
            "x": {"dates": True, "title": "finished on"},
            "y": {"title": "days from first active to done", "min": 0},
        },
        ["Feature", "Title", "Team", "Finished on", "Cycle time (days)"],
        [
            [
                info[f.id].key,
                info[f.id].title,
                info[f.id].team or "—",
                f"{at.astimezone(tz):%-d %b %Y}",
                fmt_number(days),
            ]
            for f, at, days in finished
        ],
        [
            [info[f.id].key, info[f.id].title, info[f.id].team, at.astimezone(tz).date(), round(days, 2)]
            for f, at, days in finished
        ],
        empty="" if finished else "No feature was finished in this period.",
        note="Percentiles by nearest rank. Features that never entered an active state have no cycle time.",
        numeric={4},
    )


def _cfd_chart(series: Sequence[MetricSnapshot]) -> Chart:
    labels = [s.day.isoformat() for s in series]
    layers = [
        ("Done", "done", "green"),
        ("Active", "active", "blue"),
        ("Waiting", "waiting", "orange"),
        ("Not started", "not_started", "grey"),
    ]
    return Chart(
        "cfd",
        "Cumulative flow",
        "How many features were in each part of the flow at the end of each day? Widening bands mean "
        "work piling up.",
        "cfd",
        {
            "type": "line",
            "stacked": True,
            "dates": True,
            "labels": labels,
            "datasets": [
                {"label": label, "data": [getattr(s, attr) for s in series], "color": color, "fill": True}
                for label, attr, color in layers
            ],
            "y": {"title": "features", "min": 0, "integer": True, "stacked": True},
        },
        ["Date", "Not started", "Waiting", "Active", "Done"],
        [[f"{s.day:%-d %b %Y}", s.not_started, s.waiting, s.active, s.done] for s in series],
        [[s.day, s.not_started, s.waiting, s.active, s.done] for s in series],
        empty="" if series else "No snapshot in this period yet.",
        note="Waiting: ready, blocked or awaiting deploy. Active: in progress or in review. "
        "Cancelled features are left out.",
        numeric={1, 2, 3, 4},
    )


def _wip_chart(series: Sequence[MetricSnapshot]) -> Chart:
    return Chart(
        "wip",
        "Work in progress over time",
        "How many features were in flow (waiting or active) at the end of each day?",
        "wip",
        {
            "type": "line",
            "dates": True,
            "labels": [s.day.isoformat() for s in series],
            "datasets": [
                {"label": "In flow", "data": [s.wip for s in series], "color": "blue"},
                {
                    "label": "of which active",
                    "data": [s.active for s in series],
                    "color": "green",
                    "dash": True,
                },
            ],
            "y": {"title": "features", "min": 0, "integer": True},
        },
        ["Date", "In flow", "Active", "Waiting"],
        [[f"{s.day:%-d %b %Y}", s.wip, s.active, s.waiting] for s in series],
        [[s.day, s.wip, s.active, s.waiting] for s in series],
        empty="" if series else "No snapshot in this period yet.",
        numeric={1, 2, 3},
    )


def _bucket_label(lo: int, hi: int | None) -> str:
    return f"{lo}+ days" if hi is None else f"{lo}–{hi} days"


def _dependency_chart(dependencies: Sequence[rules.dependencies.DependencyDates], now: dt.datetime) -> Chart:
    counts = {b: [0, 0] for b in AGE_BUCKETS}
    for dependency in dependencies:
        age = rules.dependencies.dependency_age_days(dependency, now)
        bucket = next(b for b in AGE_BUCKETS if age >= b[0] and (b[1] is None or age <= b[1]))
        counts[bucket][0 if dependency.resolved_at is None else 1] += 1
    labels = [_bucket_label(*b) for b in AGE_BUCKETS]
    return Chart(
        "dependency_age",
        "Dependency age",
        "How old are the dependencies between teams? Open ones older than "
        f"{rules.dependencies.AGING_AFTER_DAYS} days are aging.",
        "dependency-age",
        {
            "type": "bar",
            "labels": labels,
            "datasets": [
                {
                    "label": "Open",
                    "data": [counts[b][0] for b in AGE_BUCKETS],
                    "color": "vermillion",
                    "stack": "a",
                },
                {
                    "label": "Resolved",
                    "data": [counts[b][1] for b in AGE_BUCKETS],
                    "color": "sky",
                    "stack": "a",
                },
            ],
            "y": {"title": "dependencies", "min": 0, "integer": True, "stacked": True},
            "x": {"title": "age in whole days (resolved ones keep their age)"},
            "marker": {"after": 1, "label": f"aging: open > {rules.dependencies.AGING_AFTER_DAYS} days"},
        },
        ["Age", "Open", "Resolved"],
        [[label, counts[b][0], counts[b][1]] for label, b in zip(labels, AGE_BUCKETS, strict=True)],
        [[label, counts[b][0], counts[b][1]] for label, b in zip(labels, AGE_BUCKETS, strict=True)],
        empty="" if dependencies else "No dependencies recorded yet.",
        numeric={1, 2},
    )


def _distribution_chart(
    items: Sequence[rules.flow.FeatureHistory], lo: dt.datetime, hi: dt.datetime
) -> Chart:
    shares = rules.flow.flow_distribution(items, lo, hi)
    kinds = list(shares)
    return Chart(
        "distribution",
        "Flow distribution",
        "What kind of work did the train finish: new business value, enablers or defects?",
        "distribution",
        {
            "type": "bar",
            "horizontal": True,
            "labels": [KIND_LABELS.get(k, k.title()) for k in kinds],
            "datasets": [
                {"label": "Share of features", "data": [shares[k].count for k in kinds], "color": "blue"},
                {"label": "Share of points", "data": [shares[k].points for k in kinds], "color": "orange"},
            ],
            "y": {"title": "% of finished work", "min": 0, "max": 100, "unit": " %"},
        },
        ["Kind", "Features", "Share of features", "Points", "Share of points"],
        [
            [KIND_LABELS.get(k, k), s.features, fmt_percent(s.count), s.point_total, fmt_percent(s.points)]
            for k, s in shares.items()
        ],
        [[k, s.features, s.count, s.point_total, s.points] for k, s in shares.items()],
        empty="" if any(s.features for s in shares.values()) else "No feature was finished in this period.",
        numeric={1, 2, 3, 4},
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
    now = timezone.now()
    summary = rules.dependencies.dependency_age_summary(dependencies, now)
    lo = rules.flow.local_midnight(start, tz)
    headlines = [
        _predictability_headline(pis, today),
        _throughput_headline(totals, today),
        _cycle_headline(items, today, tz),
        _wip_headline(series, today),
        _dependency_headline(summary, series),
    ]
    charts = [
        _predictability_chart(pis, today),
        _throughput_chart(iterations),
        _cycle_chart(items, info, lo, hi, tz),
        _cfd_chart(series),
        _wip_chart(series),
        _dependency_chart(dependencies, now),
        _distribution_chart(items, lo, hi),
    ]
    return Dashboard(
        train=train,
        today=today,
        weeks=weeks,
        start=start,
        headlines=headlines,
        charts=charts,
        computed_at=totals.get("computed_at"),
        last_day=totals.get("last_day"),
        run=selectors.latest_run(train=train),
    )


# --------------------------------------------------------------------------------------------
# Forecast page
# --------------------------------------------------------------------------------------------


@dataclass
class ForecastPage:
    history: selectors.ThroughputHistory
    current_pi: ProgramIncrement | None
    remaining: int | None
    days_forecast: rules.forecast.DaysForecast | None = None
    items_forecast: rules.forecast.ItemsForecast | None = None
    error: str = ""
    history_chart: Chart | None = None

    @property
    def dates(self) -> list[tuple[int, int, dt.date]]:
        if not self.days_forecast:
            return []
        return [(c, n, self.history.today + dt.timedelta(days=n)) for c, n in self.days_forecast.days.items()]

    @property
    def items_rows(self) -> list[tuple[int, int]]:
        return list(self.items_forecast.items.items()) if self.items_forecast else []

    @property
    def target_date(self) -> dt.date | None:
        if not self.items_forecast:
            return None
        return self.history.today + dt.timedelta(days=self.items_forecast.days)

    @property
    def mean_per_day(self) -> float | None:
        counts = self.history.counts
        return sum(counts) / len(counts) if counts else None


def history_chart(history: selectors.ThroughputHistory) -> Chart:
    days = history.days
    return Chart(
        "history",
        "Daily throughput the forecast samples from",
        "Features finished on each day of the history (days with none included).",
        "forecast",
        {
            "type": "bar",
            "dates": True,
            "labels": [d.isoformat() for d, _ in days],
            "datasets": [{"label": "Features finished", "data": [n for _, n in days], "color": "blue"}],
            "y": {"title": "features", "min": 0, "integer": True},
        },
        ["Date", "Features finished"],
        [[f"{d:%a %-d %b %Y}", n] for d, n in days],
        [[d, n] for d, n in days],
        empty="" if days else "No feature has been finished yet.",
        numeric={1},
    )


def forecast_page(
    *,
    train: ReleaseTrain,
    items: int | None = None,
    until: dt.date | None = None,
    seed: int | None = None,
) -> ForecastPage:
    """The history, the current PI's remaining features, and the forecasts asked for:
    when `items` will be done, and how many by the date `until`."""
    history = selectors.throughput_history(train=train)
    pi = selectors.current_pi(train=train)
    page = ForecastPage(history, pi, selectors.remaining_features(pi=pi) if pi else None)
    page.history_chart = history_chart(history)
    try:
        if items:
            page.days_forecast = rules.forecast.forecast_days_for_items(history.counts, items, seed=seed)
        if until:
            page.items_forecast = rules.forecast.forecast_items_in_days(
                history.counts, (until - history.today).days, seed=seed
            )
    except rules.forecast.ForecastError as exc:
        page.error = str(exc)
    return page
