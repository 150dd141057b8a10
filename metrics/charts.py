"""The dashboard's charts: each one's spec for the chart script, its data table as shown and its
CSV rows (raw: percentages with two decimals, dates as ISO dates), built from what
metrics.selectors read and the rules of art/rules/ compute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from art import rules
from art.selectors.flow import FeatureInfo
from metrics import selectors
from metrics.formatting import (
    BAND,
    fmt_days,
    fmt_number,
    fmt_percent,
    predictability_csv,
    predictability_text,
)
from metrics.models import MetricSnapshot

PREDICTABILITY_PIS_CHARTED = 4
AGE_BUCKETS: tuple[tuple[int, int | None], ...] = ((0, 7), (8, 14), (15, 30), (31, 60), (61, None))
KIND_LABELS = {"business": "Business", "enabler": "Enabler", "defect": "Defect"}


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


def _percent_of(result: rules.predictability.PredictabilityResult | None) -> float | None:
    return result.percent if result else None


def predictability_chart(pis: Sequence[selectors.PIPredictability], today: dt.date) -> Chart:
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


def throughput_chart(iterations: Sequence[Any]) -> Chart:
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


def cycle_chart(
    items: Sequence[rules.flow.FeatureHistory],
    info: dict[int, FeatureInfo],
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


def cfd_chart(series: Sequence[MetricSnapshot]) -> Chart:
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


def wip_chart(series: Sequence[MetricSnapshot]) -> Chart:
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


def dependency_chart(dependencies: Sequence[rules.dependencies.DependencyDates], now: dt.datetime) -> Chart:
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


def distribution_chart(items: Sequence[rules.flow.FeatureHistory], lo: dt.datetime, hi: dt.datetime) -> Chart:
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
