"""Predictability, the ART Predictability Measure (docs/domain.md, "Predictability")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from art.rules.stats import percent


@dataclass(frozen=True)
class ObjectiveScore:
    """One PI objective: committed or not, planned BV (1–10) and actual BV (0–10, ``None`` while
    not scored)."""

    team_id: int
    committed: bool
    planned_bv: int | None
    actual_bv: int | None


# --------------------------------------------------------------------------------------------
# Predictability (ART Predictability Measure)
# --------------------------------------------------------------------------------------------

PredictabilityStatus = Literal["ok", "n/a", "not scored"]


@dataclass(frozen=True)
class PredictabilityResult:
    """``planned``: Σ planned BV of the committed objectives. ``actual``: Σ actual BV of all the
    objectives scored so far (partial while ``unscored`` > 0). ``percent``: 100 × actual ÷ planned
    rounded to 2 decimals, uncapped; ``None`` unless ``status`` is ``"ok"``."""

    planned: int
    actual: int
    percent: float | None
    status: PredictabilityStatus
    unscored: int = 0


def predictability(objectives: Iterable[ObjectiveScore]) -> PredictabilityResult:
    """Predictability of a set of objectives: one team's for a PI, or (the same formula over all
    the teams' objectives) the train's: 100 × Σ actual BV of **all** objectives ÷ Σ planned BV of
    the **committed** ones. Never capped. Example: committed 8→8, 5→3, 2→2 and uncommitted 3→3 →
    100 × 16/15 = 106.67.

    Status, in this order:
    - ``"n/a"`` when the committed objectives have no planned BV (none committed, or no
      objective at all): there is nothing to divide by;
    - ``"not scored"`` (**decision**) when any objective, committed or not, has no actual BV
      yet, or a committed one has no planned BV: the percentage is withheld (``None``) rather
      than computed on part of the objectives, which would understate (or, for a missing planned
      BV, overstate) it and then jump once scoring ends. ``actual`` then holds the sum scored so
      far and ``unscored`` how many objectives are missing a score;
    - ``"ok"`` otherwise.
    """
    planned = actual = unscored = 0
    for objective in objectives:
        if objective.committed and objective.planned_bv is not None:
            planned += objective.planned_bv
        if objective.actual_bv is not None:
            actual += objective.actual_bv
        if objective.actual_bv is None or (objective.committed and objective.planned_bv is None):
            unscored += 1
    if not planned:
        return PredictabilityResult(planned, actual, None, "n/a", unscored)
    if unscored:
        return PredictabilityResult(planned, actual, None, "not scored", unscored)
    return PredictabilityResult(planned, actual, percent(actual, planned), "ok", 0)


@dataclass(frozen=True)
class TrainPredictability:
    train: PredictabilityResult
    teams: dict[int, PredictabilityResult] = field(default_factory=dict)


def train_predictability(objectives: Iterable[ObjectiveScore]) -> TrainPredictability:
    """The train's predictability for a PI and each team's (keyed by team id, in order of first
    appearance). The train % is 100 × Σ actual over all teams ÷ Σ committed planned over all teams
    (a sum, not the mean of team percentages; a team that is n/a still adds its actual BV); the
    train is ``"not scored"`` while any of its objectives is."""
    items = list(objectives)
    by_team: dict[int, list[ObjectiveScore]] = {}
    for objective in items:
        by_team.setdefault(objective.team_id, []).append(objective)
    return TrainPredictability(
        train=predictability(items),
        teams={team: predictability(group) for team, group in by_team.items()},
    )
