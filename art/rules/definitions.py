"""The definitions page: each metric in words, with the exact rule quoted from the docstring of
the function in art/rules/ that computes it, so that the page cannot drift from
the code (a test checks that every function named here exists and has a docstring)."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Any

from art import rules

RULE_MODULES = (
    rules.predictability,
    rules.flow,
    rules.dependencies,
    rules.forecast,
    rules.quality,
    rules.stats,
)


@dataclass(frozen=True)
class Definition:
    anchor: str
    name: str
    words: str  # what it means, for a newcomer
    formula: str  # how it is computed, in one line
    product_rules: tuple[str, ...]  # choices the product made where SAFe leaves one open
    functions: tuple[str, ...]  # the functions of art.rules that compute it


DEFINITIONS: tuple[Definition, ...] = (
    Definition(
        "predictability",
        "Predictability (ART Predictability Measure)",
        "How much of the business value a team committed to at PI planning it delivered, as judged "
        "by the business owners at the PI system demo. The target band is 80–100 %.",
        "Team % = 100 × Σ actual BV of all its objectives (committed and uncommitted) ÷ Σ planned BV "
        "of its committed objectives. Train % = 100 × Σ actual over all teams ÷ Σ committed planned "
        "over all teams.",
        (
            "It can exceed 100 % (stretch objectives delivered): it is never capped.",
            "The train's figure is a sum over the teams, not the mean of the team percentages.",
            "An objective without an actual business value yet makes the figure “not scored” (not 0).",
            "A team with no committed planned business value shows “n/a”.",
            "Example: committed 8→8, 5→3, 2→2 and uncommitted 3→3 → 100 × 16 ÷ 15 = 106.67 %.",
        ),
        ("predictability", "train_predictability"),
    ),
    Definition(
        "throughput",
        "Throughput (flow velocity)",
        "How many features the train finished in a period, and their points.",
        "Features whose done_at falls in [start, end); done_at is the last entry into done of a "
        "feature that is done now.",
        (
            "A feature done, reopened and done again counts once, when it was last finished.",
            "A feature without points counts 0 points.",
            "Days are calendar days in the train's time zone; a finish exactly at midnight belongs "
            "to the new day.",
        ),
        ("done_at", "flow_velocity"),
    ),
    Definition(
        "cycle-time",
        "Cycle time, flow time and lead time",
        "How long finished features took: cycle time from when work started, flow time from when "
        "the feature entered the flow (ready), lead time from when it was created.",
        "Cycle time = done_at − first entry into an active state (in progress, review). Flow time = "
        "done_at − first entry into any in-flow state. Lead time = done_at − created. In days with decimals.",
        (
            "The dashboard shows the 85th percentile: 85 % of the features took at most that long.",
            "Percentiles by nearest rank: the ⌈p·n⌉-th smallest value. For 1, 2, 2, 3, 3, 4, 5, 6, 8, 13 "
            "the 50th is 3 and the 85th is 8. Medians are the usual median.",
            "A feature that never entered an active state has no cycle time.",
        ),
        ("cycle_time", "flow_time", "lead_time", "created_at", "percentile_nearest_rank"),
    ),
    Definition(
        "wip",
        "Work in progress (flow load)",
        "How many features are in the flow at once. Too many means everything takes longer.",
        "Features in an in-flow state (ready, in progress, review, blocked, awaiting deploy) at the "
        "end of each day.",
        (
            "Ready, blocked and awaiting deploy count as waiting; in progress and review as active.",
            "A reopened feature counts again while reopened; a cancelled one leaves the flow.",
        ),
        ("wip_at", "wip_series"),
    ),
    Definition(
        "cfd",
        "Cumulative flow diagram",
        "The features in each part of the flow at the end of each day, stacked. A band that widens "
        "shows work piling up there.",
        "For each day, the features per category (not started, waiting, active, done) at end of day.",
        ("Funnel and analyzing are not started (outside the flow); cancelled features are left out.",),
        ("cumulative_flow",),
    ),
    Definition(
        "efficiency",
        "Flow efficiency",
        "The share of a feature's time in flow that someone was actively working on it.",
        "Σ active time ÷ Σ flow time over the features finished in the window (pooled).",
        (
            "Blocked counts as waiting.",
            "Pooled over the features, not a mean of their ratios.",
            "The dashboard shows the features finished in the last 12 weeks against the 12 before.",
        ),
        ("flow_efficiency", "time_in_states"),
    ),
    Definition(
        "distribution",
        "Flow distribution",
        "What kind of work was finished: business features, enablers or defects.",
        "Share of the finished features by kind, by count and by points.",
        (),
        ("flow_distribution",),
    ),
    Definition(
        "dependency-age",
        "Dependency age",
        "How long dependencies between teams (or on outside providers) stay open. Old open "
        "dependencies block the teams that wait for them.",
        "(resolved_at or now) − created_at, in whole days; a resolved dependency keeps its age.",
        (f"Open dependencies older than {rules.dependencies.AGING_AFTER_DAYS} days are “aging”.",),
        ("dependency_age_days", "is_aging", "DependencyAgeSummary"),
    ),
    Definition(
        "forecast",
        "Monte Carlo forecast",
        "When a number of features will likely be done, or how many will likely be done by a date, "
        "from how many the train actually finished per day.",
        "Sample daily throughput uniformly with replacement from the last 90 full days (yesterday "
        "back), or from the day of the train's first finished feature where that is more recent. "
        "When will K items be done: per trial add sampled days until K; report the 50/85/95th "
        "percentile of days. How many by a date D days away: per trial sum D samples; the c % "
        "answer is the (100−c)th percentile.",
        (
            "Days with nothing finished are part of the history.",
            "A history shorter than 10 days, or with nothing finished, is refused.",
            "10,000 trials; the page uses a seed per day so that its answer holds all day.",
        ),
        ("daily_throughput_history", "forecast_days_for_items", "forecast_items_in_days"),
    ),
    Definition(
        "defect-escape-rate",
        "Defect escape rate",
        "The share of defects that were found after release, by customers rather than by the train.",
        "Defects found after release ÷ all defects.",
        (
            "A defect records it in found_after_release (the board's backlog and the API set it).",
            "Over the defects raised (created) in the window, whatever their state; cancelled ones are "
            "left out. The dashboard shows the last 12 weeks against the 12 before.",
            "Example: 2 of 8 defects found after release → 25 %. No defects: n/a.",
        ),
        ("defect_escape_rate",),
    ),
)

_ROLE = re.compile(r":(?:func|data|class):`~?([^`]+)`")
_LITERAL = re.compile(r"``([^`]+)``")


def rule(name: str) -> Any:
    """The function (or class, or constant) of art.rules called `name`, in whichever topic
    module it lives."""
    for module in RULE_MODULES:
        if hasattr(module, name):
            return getattr(module, name)
    raise LookupError(f"no rule named {name} in art.rules")


def rule_path(name: str) -> str:
    return f"{rule(name).__module__}.{name}"


def docstring(name: str) -> str:
    """The docstring of the rule called `name`, with its reStructuredText roles made plain."""
    text = inspect.getdoc(rule(name)) or ""
    text = _ROLE.sub(r"\1", text)
    return _LITERAL.sub(r"\1", text).replace("**", "")


def definitions() -> list[dict[str, object]]:
    return [
        {"definition": d, "rules": [(rule_path(name), docstring(name)) for name in d.functions]}
        for d in DEFINITIONS
    ]
