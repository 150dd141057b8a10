"""Reads of a PI's Inspect & Adapt page beside its workshop: the PI system demo (every objective
of the PI by team, with the predictability as it stands: metrics.selectors.predictability_for_pi)
and the quantitative review (predictability, flow over the PI's dates, dependencies), from the
metrics that exist, laid out as the dashboard lays them out (metrics.charts, metrics.formatting).

Each costs a fixed number of queries whatever the number of teams, objectives or features."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from art import rules
from art.models import ProgramIncrement, Team
from metrics import selectors as metrics
from metrics.charts import Chart, dependency_chart, distribution_chart, predictability_chart
from metrics.formatting import band_of, fmt_days, fmt_number, fmt_percent, predictability_text
from pi_planning.models import Objective

ONE_DAY = dt.timedelta(days=1)


@dataclass
class TeamDemo:
    """A team at the PI system demo: its objectives (committed first) and its predictability."""

    team: Team
    objectives: list[Objective]
    result: rules.predictability.PredictabilityResult
    text: str = ""
    band: tuple[str, str, str] = ("neutral", "info", "")

    @property
    def planned(self) -> int:
        return sum(o.planned_bv or 0 for o in self.objectives if o.committed)

    @property
    def unscored(self) -> int:
        return sum(1 for o in self.objectives if o.actual_bv is None)


@dataclass
class SystemDemo:
    pi: ProgramIncrement
    teams: list[TeamDemo]
    result: rules.predictability.PredictabilityResult
    text: str
    band: tuple[str, str, str]
    objectives: int
    unscored: int


def _band(result: rules.predictability.PredictabilityResult) -> tuple[str, str, str]:
    if result.status == "ok":
        return band_of(result.percent)
    return ("neutral", "clock" if result.status == "not scored" else "info", result.status)


def pi_system_demo(*, pi: ProgramIncrement) -> SystemDemo:
    """Every objective of the PI by team (teams by name; teams without objectives left out), each
    team's and the train's predictability as the scores stand: two queries."""
    objectives = list(
        Objective.objects.filter(pi=pi)
        .select_related("team")
        .order_by("team__name", "team_id", "-committed", "order", "id")
    )
    figures = metrics.predictability_for_pi(pi=pi)
    by_team: dict[int, list[Objective]] = defaultdict(list)
    teams: dict[int, Team] = {}
    for objective in objectives:
        by_team[objective.team_id].append(objective)
        teams[objective.team_id] = objective.team
    results = {t.team_id: t.result for t in figures.teams}
    groups = []
    for team_id, rows in by_team.items():
        result = results.get(team_id) or rules.predictability.predictability([])
        groups.append(TeamDemo(teams[team_id], rows, result, predictability_text(result), _band(result)))
    return SystemDemo(
        pi=pi,
        teams=groups,
        result=figures.result,
        text=predictability_text(figures.result),
        band=_band(figures.result),
        objectives=len(objectives),
        unscored=sum(1 for o in objectives if o.actual_bv is None),
    )


@dataclass(frozen=True)
class Figure:
    """A figure of the review as the page shows it."""

    key: str
    label: str
    value: str
    detail: str
    definition: str  # anchor on the metrics' definitions page
    badge: tuple[str, str, str] | None = None


@dataclass
class Review:
    pi: ProgramIncrement
    start: dt.date
    end: dt.date  # the last day counted (the PI's last day, or today while it runs)
    figures: list[Figure]
    charts: list[Chart] = field(default_factory=list)
    started: bool = True

    def chart(self, key: str) -> Chart | None:
        return next((c for c in self.charts if c.key == key), None)


def pi_review(*, pi: ProgramIncrement, now: dt.datetime | None = None) -> Review:
    """The quantitative review of a PI: its predictability (train and teams), its flow over the
    PI's dates up to today (velocity, flow time, efficiency, distribution: the figures of
    metrics.selectors.train_flow), and the age of its dependencies. Five queries."""
    train = pi.train
    now = now or timezone.now()
    today = metrics.train_today(train)
    start, last = pi.start_date, min(pi.end_date, today)
    end = max(start, last) + ONE_DAY  # exclusive
    lo, hi = rules.flow.day_bounds(start, end, train.tz)
    # metrics.selectors.train_flow's reading, kept to hand for the distribution chart
    items, _ = metrics.histories(metrics.features_touching(train, lo, hi))
    flow = rules.flow.flow_report(items, start, end, train.tz)
    predictability = metrics.predictability_for_pi(pi=pi)
    dependencies = metrics.dependency_dates(train=train, pi=pi)
    age = rules.dependencies.dependency_age_summary(dependencies, now)
    result = predictability.result
    figures = [
        Figure(
            "predictability",
            "Predictability",
            predictability_text(result),
            f"{result.actual} of {result.planned} committed business value"
            if result.status == "ok"
            else (
                "no committed planned business value"
                if result.status == "n/a"
                else "objectives still to score"
            ),
            "predictability",
            _band(result),
        ),
        Figure(
            "velocity",
            "Flow velocity",
            fmt_number(flow.velocity.count),
            f"features finished, {fmt_number(flow.velocity.points)} points",
            "throughput",
        ),
        Figure(
            "flow_time",
            "Flow time",
            fmt_days(flow.flow_time.median),
            f"median; 85 % within {fmt_days(flow.flow_time.p85)}"
            if flow.flow_time.p85 is not None
            else "median",
            "flow-time",
        ),
        Figure(
            "efficiency",
            "Flow efficiency",
            fmt_percent(flow.efficiency),
            "active time of all flow time, finished features",
            "efficiency",
        ),
        Figure(
            "dependencies",
            "Dependencies",
            fmt_number(age.open),
            f"open, {fmt_number(age.resolved)} resolved; mean age {fmt_days(age.mean_age)}",
            "dependency-age",
            ("risk", "alert", f"{age.aging} aging")
            if age.aging
            else ("healthy", "check-circle", "none aging"),
        ),
    ]
    charts = [
        predictability_chart([predictability], max(today, pi.start_date)),
        distribution_chart(items, lo, hi),
        dependency_chart(dependencies, now),
    ]
    if not any(r.status == "ok" for r in [result, *(t.result for t in predictability.teams)]):
        charts[0].empty = (
            "No team's predictability yet: it appears as the business owners score the objectives "
            "at the PI system demo (part 1)."
        )
    return Review(
        pi=pi, start=start, end=end - ONE_DAY, figures=figures, charts=charts, started=pi.start_date <= today
    )
