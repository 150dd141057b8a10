"""PI-planning readiness (docs/domain.md, "PI-planning readiness"): a checklist for the PI about
to be planned. Five items tick themselves from the train's data; four the RTE ticks by hand.

Pure functions of plain data; sync.selectors.readiness counts the inputs in a fixed number of
queries and hands them here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from art.rules.stats import percent

DONE = "done"
TODO = "todo"
NOT_APPLICABLE = "n/a"

#: The items the RTE ticks, in checklist order.
MANUAL_ITEMS: tuple[tuple[str, str], ...] = (
    ("vision_briefing", "Vision and business context briefing prepared"),
    ("logistics", "Logistics: agenda sent, invitations out, catering"),
    ("room", "Room booked and set up: team tables, the board, a projector"),
    ("remote_links", "Remote links: video bridge, breakout rooms and the board tested"),
)
MANUAL_KEYS: tuple[str, ...] = tuple(key for key, _ in MANUAL_ITEMS)
MANUAL_KEY_REFUSAL = f"item must be one of {', '.join(MANUAL_KEYS)}"
#: Shown when naming what is missing: the first few, then "and N more".
NAMED = 4


@dataclass(frozen=True)
class ReadinessInputs:
    """What the computed items look at, for one PI.

    - features: the PI's features not done or cancelled; unscored: those without a WSJF score;
      feature_points: the points of the scored ones (a feature without points counts 0);
    - capacity: the train's capacity over the PI's development iterations;
    - missing_capacity: "team · iteration" pairs whose capacity is 0 (no delivering member, or
      everyone away), for every team and every development iteration;
    - business_owners: people with the business-owner role in the train;
    - milestones: the PI's milestones;
    - previous_pi: the name of the PI before it ("" when none); previous_items: improvement
      items written at that PI's Inspect & Adapt; previous_untargeted: those with no target PI
      and still open.
    """

    features: int = 0
    unscored: int = 0
    feature_points: int = 0
    capacity: Decimal = Decimal(0)
    teams: int = 0
    dev_iterations: int = 0
    missing_capacity: Sequence[str] = field(default_factory=tuple)
    business_owners: int = 0
    milestones: int = 0
    previous_pi: str = ""
    previous_items: int = 0
    previous_untargeted: int = 0


@dataclass(frozen=True)
class ReadinessItem:
    key: str
    title: str
    state: str
    detail: str
    manual: bool = False

    @property
    def done(self) -> bool:
        return self.state == DONE


def _named(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAMED])
    return shown if len(names) <= NAMED else f"{shown} and {len(names) - NAMED} more"


def _plural(n: int | Decimal, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def backlog_item(i: ReadinessInputs) -> ReadinessItem:
    title = "Backlog ranked by WSJF, with enough features for the train's capacity"
    if not i.features:
        return ReadinessItem("backlog", title, TODO, "no features are planned into this PI yet")
    if i.unscored:
        return ReadinessItem(
            "backlog",
            title,
            TODO,
            f"{_plural(i.unscored, 'feature')} of {i.features} without a WSJF score",
        )
    capacity_words = format(Decimal(i.capacity).normalize(), "f")
    if Decimal(i.feature_points) < i.capacity:
        return ReadinessItem(
            "backlog",
            title,
            TODO,
            f"{i.feature_points} points ranked for a capacity of {capacity_words}: "
            f"{_plural(i.features, 'feature')} are not enough",
        )
    return ReadinessItem(
        "backlog",
        title,
        DONE,
        f"{_plural(i.features, 'feature')}, all scored: {i.feature_points} points for a capacity of "
        f"{capacity_words}",
    )


def capacity_item(i: ReadinessInputs) -> ReadinessItem:
    title = "Every team has capacity entered for every iteration"
    if not i.teams or not i.dev_iterations:
        missing = "teams" if not i.teams else "development iterations"
        return ReadinessItem("capacity", title, TODO, f"the PI has no {missing} yet")
    if i.missing_capacity:
        return ReadinessItem(
            "capacity",
            title,
            TODO,
            f"no capacity for {_named(list(i.missing_capacity))}",
        )
    return ReadinessItem(
        "capacity",
        title,
        DONE,
        f"{_plural(i.teams, 'team')} × {_plural(i.dev_iterations, 'iteration')}, all with capacity",
    )


def business_owners_item(i: ReadinessInputs) -> ReadinessItem:
    title = "Business owners named"
    if not i.business_owners:
        return ReadinessItem(
            "business_owners", title, TODO, "nobody has the business-owner role in the train"
        )
    return ReadinessItem("business_owners", title, DONE, _plural(i.business_owners, "business owner"))


def milestones_item(i: ReadinessInputs) -> ReadinessItem:
    title = "Milestones set"
    if not i.milestones:
        return ReadinessItem("milestones", title, TODO, "the PI has no milestones")
    return ReadinessItem("milestones", title, DONE, _plural(i.milestones, "milestone"))


def improvements_item(i: ReadinessInputs) -> ReadinessItem:
    title = "Last PI's improvement items targeted"
    if not i.previous_pi:
        return ReadinessItem("improvements", title, NOT_APPLICABLE, "no PI before this one")
    if not i.previous_items:
        return ReadinessItem(
            "improvements", title, TODO, f"{i.previous_pi}'s Inspect & Adapt wrote no improvement items"
        )
    if i.previous_untargeted:
        return ReadinessItem(
            "improvements",
            title,
            TODO,
            f"{_plural(i.previous_untargeted, 'open item')} of {i.previous_items} from {i.previous_pi} "
            "without a target PI",
        )
    return ReadinessItem(
        "improvements",
        title,
        DONE,
        f"all {_plural(i.previous_items, 'item')} from {i.previous_pi} targeted or closed",
    )


def computed_items(inputs: ReadinessInputs) -> list[ReadinessItem]:
    """The five items that tick themselves, in checklist order."""
    return [
        backlog_item(inputs),
        capacity_item(inputs),
        business_owners_item(inputs),
        milestones_item(inputs),
        improvements_item(inputs),
    ]


def manual_items(ticked: Mapping[str, bool], notes: Mapping[str, str] | None = None) -> list[ReadinessItem]:
    """The four items the RTE ticks, each done when ticked."""
    notes = notes or {}
    return [
        ReadinessItem(key, title, DONE if ticked.get(key) else TODO, notes.get(key, ""), manual=True)
        for key, title in MANUAL_ITEMS
    ]


@dataclass(frozen=True)
class ReadinessSummary:
    done: int
    total: int
    percent: float | None

    @property
    def ready(self) -> bool:
        return self.total > 0 and self.done == self.total


def readiness_summary(items: Iterable[ReadinessItem]) -> ReadinessSummary:
    """How many of the items that apply are done (items n/a do not count either way)."""
    applicable = [item for item in items if item.state != NOT_APPLICABLE]
    done = sum(1 for item in applicable if item.done)
    return ReadinessSummary(done, len(applicable), percent(done, len(applicable)))
