"""What the forecast page shows: the daily throughput history the forecast samples from (with
its chart), the current PI's remaining features, and the Monte Carlo forecasts of art/rules/forecast.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from art import rules
from art.models import ProgramIncrement, ReleaseTrain
from metrics import selectors
from metrics.charts import Chart


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
