"""The Pareto chart of the workshop's dot vote, laid out for an inline SVG drawn by the server
(so that it re-renders with the vote, prints, and needs no script): a bar per cause in the
Pareto order (art.rules.workshops.pareto), the cumulative percentage as a line on a 0–100 %
axis, and a dashed guide at 80 %. The numbers are the rule's; this only places them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from art import rules

WIDTH_PER_BAR = 56
#: Below this many pixels the chart scrolls sideways rather than shrink its words past reading.
MAX_MIN_WIDTH = 720
LEFT, RIGHT, TOP, BOTTOM = 44, 48, 16, 40
HEIGHT = 280
GUIDE = 80.0


@dataclass(frozen=True)
class Bar:
    rank: int
    cause_id: int
    text: str
    category: str
    votes: int
    percent: float | None
    cumulative: float | None
    x: float
    y: float
    width: float
    height: float
    cum_y: float  # where the cumulative line passes over the bar

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


@dataclass(frozen=True)
class Tick:
    y: float
    left: str  # dots
    right: str  # percent


@dataclass(frozen=True)
class ParetoChart:
    width: int
    height: int
    left: int
    right: int  # x of the right axis
    top: int
    bottom: int  # y of the x axis
    bars: list[Bar]
    line: str  # SVG points of the cumulative line
    guide_y: float
    ticks: list[Tick]
    max_votes: int

    @property
    def min_width(self) -> int:
        return min(int(self.width * 0.8), MAX_MIN_WIDTH)

    @property
    def empty(self) -> bool:
        return not self.bars or not self.max_votes


def _nice_max(value: int) -> int:
    """The top of the dots axis: a round number at or above the most dots (at least 4)."""
    for step in (1, 2, 5, 10, 20, 50, 100):
        if value <= step * 4:
            return step * 4
    return ((value + 99) // 100) * 100


def pareto_chart(rows: Sequence[rules.workshops.ParetoRow]) -> ParetoChart:
    count = len(rows)
    width = max(420, LEFT + RIGHT + count * WIDTH_PER_BAR)
    plot_w = width - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h
    most = max((row.votes for row in rows), default=0)
    top_votes = _nice_max(most)
    slot = plot_w / count if count else plot_w
    bar_w = min(44.0, slot * 0.7)
    bars = []
    for rank, row in enumerate(rows, start=1):
        height = plot_h * row.votes / top_votes if top_votes else 0.0
        x = LEFT + slot * (rank - 1) + (slot - bar_w) / 2
        bars.append(
            Bar(
                rank,
                row.cause.id,
                row.cause.text,
                row.cause.category,
                row.votes,
                row.percent,
                row.cumulative_percent,
                round(x, 1),
                round(bottom - height, 1),
                round(bar_w, 1),
                round(height, 1),
                round(bottom - plot_h * (row.cumulative_percent or 0) / 100, 1),
            )
        )
    points = " ".join(f"{bar.centre:.1f},{bar.cum_y:.1f}" for bar in bars)
    ticks = [
        Tick(round(bottom - plot_h * i / 4, 1), str(top_votes * i // 4), f"{25 * i} %") for i in range(5)
    ]
    return ParetoChart(
        width=width,
        height=HEIGHT,
        left=LEFT,
        right=width - RIGHT,
        top=TOP,
        bottom=bottom,
        bars=bars,
        line=points,
        guide_y=round(bottom - plot_h * GUIDE / 100, 1),
        ticks=ticks,
        max_votes=most,
    )
