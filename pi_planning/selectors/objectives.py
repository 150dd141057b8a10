"""Reads of PI objectives: each team's objectives with their predictability, the train's, and
the history of predictability across PIs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Prefetch

from art import rules
from art.models import Feature, ProgramIncrement, Team
from pi_planning.models import Objective
from pi_planning.selectors.history import Labels, attach_histories


@dataclass
class TeamObjectives:
    team: Team
    committed: list[Objective]
    uncommitted: list[Objective]
    predictability: rules.predictability.PredictabilityResult

    @property
    def objectives(self) -> list[Objective]:
        return self.committed + self.uncommitted


def _scores(objectives: Iterable[Objective]) -> list[rules.predictability.ObjectiveScore]:
    return [
        rules.predictability.ObjectiveScore(o.team_id, o.committed, o.planned_bv, o.actual_bv)
        for o in objectives
    ]


def objective_queryset() -> models.QuerySet[Objective]:
    return Objective.objects.select_related("team", "pi").prefetch_related(
        Prefetch(
            "features", queryset=Feature.objects.only("id", "title", "number", "external_key", "team_id")
        )
    )


def pi_objectives(*, pi: ProgramIncrement) -> dict[str, Any]:
    """Each team's committed and uncommitted objectives of the PI with its predictability, and
    the train's (sum-based): teams, objectives (+ features), history, labels."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    objectives = list(objective_queryset().filter(pi=pi).order_by("team__name", "-committed", "order", "id"))
    result = rules.predictability.train_predictability(_scores(objectives))
    by_team: dict[int, list[Objective]] = defaultdict(list)
    for objective in objectives:
        by_team[objective.team_id].append(objective)
    groups = [
        TeamObjectives(
            team=team,
            committed=[o for o in by_team[team.pk] if o.committed],
            uncommitted=[o for o in by_team[team.pk] if not o.committed],
            predictability=result.teams.get(team.pk) or rules.predictability.predictability([]),
        )
        for team in teams
    ]
    features = list(
        Feature.objects.filter(train_id=pi.train_id, pi=pi)
        .select_related("team")
        .only("id", "title", "number", "external_key", "team_id", "team__name")
        .order_by("team__name", "title")
    )
    labels = Labels(
        teams={t.pk: t.name for t in teams},
        features={f.pk: f"{f.key} {f.title}" for f in features}
        | {f.pk: f"{f.key} {f.title}" for o in objectives for f in o.features.all()},
    )
    attach_histories(objectives, labels)
    return {
        "teams": teams,
        "groups": groups,
        "objectives": objectives,
        "train_predictability": result.train,
        "features": features,
    }


@dataclass
class PIPredictabilityRow:
    pi: ProgramIncrement
    train: rules.predictability.PredictabilityResult
    teams: dict[int, rules.predictability.PredictabilityResult]


def predictability_by_pi(*, train_id: int) -> list[PIPredictabilityRow]:
    """The train's and each team's predictability in every PI of the train, oldest first: two
    queries whatever the number of PIs and objectives."""
    pis = list(ProgramIncrement.objects.filter(train_id=train_id).order_by("start_date"))
    rows: dict[int, list[rules.predictability.ObjectiveScore]] = defaultdict(list)
    for pi_id, team_id, committed, planned, actual in Objective.objects.filter(
        pi__train_id=train_id
    ).values_list("pi_id", "team_id", "committed", "planned_bv", "actual_bv"):
        rows[pi_id].append(rules.predictability.ObjectiveScore(team_id, committed, planned, actual))
    out = []
    for pi in pis:
        result = rules.predictability.train_predictability(rows.get(pi.pk, []))
        out.append(PIPredictabilityRow(pi=pi, train=result.train, teams=result.teams))
    return out


def objective_card(*, pk: int) -> Objective:
    objective = objective_queryset().get(pk=pk)
    attach_histories([objective], Labels(teams={objective.team_id: objective.team.name}))
    return objective
