"""The PI's committed baselines, and the live plan compared with any of them: the cards moved,
added and removed (art.rules.baselines.plan_changes) and each team's load before and after
(art.rules.capacity.placed_load on the snapshot, pi_planning.selectors.capacity.placed_loads on
the plan now). A fixed number of queries whatever the number of cards, teams or commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from art import rules
from art.models import Iteration, ProgramIncrement, Team
from pi_planning.models import PlanBaseline
from pi_planning.selectors.board import CHANGE_LABELS
from pi_planning.selectors.capacity import placed_loads
from pi_planning.services.baselines import plan_snapshot


@dataclass
class BaselineRow:
    """One commit of the plan: who, when, the note, what it held, and whether it is the
    end-of-planning commit (the comparison's default)."""

    baseline: PlanBaseline
    features: int
    stories: int
    pi_state: str
    end_of_planning: bool

    @property
    def id(self) -> int:
        return self.baseline.pk


def pi_baselines(*, pi: ProgramIncrement) -> list[BaselineRow]:
    """The PI's commits, newest first: one query."""
    baselines = list(
        PlanBaseline.objects.filter(pi=pi).select_related("committed_by").order_by("-committed_at", "-id")
    )
    default = rules.baselines.end_of_planning(
        [
            rules.baselines.Commit(b.pk, b.committed_at, str(b.snapshot.get("pi_state") or ""))
            for b in baselines
        ]
    )
    return [
        BaselineRow(
            baseline=b,
            features=len(b.snapshot.get("features", {})),
            stories=len(b.snapshot.get("stories", {})),
            pi_state=str(b.snapshot.get("pi_state") or ""),
            end_of_planning=b.pk == default,
        )
        for b in baselines
    ]


@dataclass(frozen=True)
class ChangeRow:
    kind: str
    id: int
    key: str
    title: str
    change: str
    label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    before_label: str
    after_label: str


@dataclass(frozen=True)
class TeamLoadRow(rules.baselines.TeamLoadChange):
    """A team's load change (art.rules.baselines) with the name the page and the API show."""

    name: str = ""

    @property
    def team_id(self) -> int:
        return self.team


@dataclass
class BaselineComparison:
    baseline: PlanBaseline
    changes: list[ChangeRow]
    teams: list[TeamLoadRow]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"moved": 0, "added": 0, "removed": 0}
        for change in self.changes:
            counts[change.change] += 1
        return counts


def pi_baseline(*, pi: ProgramIncrement, baseline_id: int) -> PlanBaseline:
    baseline = PlanBaseline.objects.filter(pi=pi, pk=baseline_id).select_related("committed_by").first()
    if baseline is None:
        raise Http404("No such baseline of this PI")
    return baseline


def baseline_comparison(*, pi: ProgramIncrement, baseline: PlanBaseline) -> BaselineComparison:
    """The live plan against `baseline`: its changes (key, title and where before and after,
    in names) and per team the points placed in the PI then and now. Queries: the plan now
    (two), its loads, the teams, the iterations."""
    current = plan_snapshot(pi)
    changes = rules.baselines.plan_changes(baseline.snapshot, current)
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    team_names = {t.pk: t.name for t in teams}
    iteration_names = dict(Iteration.objects.filter(pi=pi).values_list("id", "name"))

    def where(place: dict[str, Any] | None) -> str:
        if not place:
            return "—"
        team = team_names.get(place.get("team") or 0, "No team")
        iteration = iteration_names.get(place.get("iteration") or 0, "Not planned")
        return f"{team} · {iteration}"

    rows = []
    for change in changes:
        kind = "features" if change.kind == "feature" else "stories"
        card = current[kind].get(str(change.id)) or baseline.snapshot.get(kind, {}).get(str(change.id), {})
        prefix = "F" if change.kind == "feature" else "S"
        rows.append(
            ChangeRow(
                kind=change.kind,
                id=change.id,
                key=card.get("key") or f"{prefix}-{change.id}",
                title=card.get("title", ""),
                change=change.change,
                label=CHANGE_LABELS[change.change],
                before=change.before,
                after=change.after,
                before_label=where(change.before),
                after_label=where(change.after),
            )
        )
    before = rules.capacity.placed_load(
        (s["team"], s.get("iteration"), s.get("points"))
        for s in baseline.snapshot.get("stories", {}).values()
    )
    after = placed_loads(pi=pi)
    loads = rules.baselines.team_load_changes(before, after, [t.pk for t in teams])
    return BaselineComparison(
        baseline=baseline,
        changes=rows,
        teams=[
            TeamLoadRow(
                team=load.team,
                before=load.before,
                after=load.after,
                name=team_names.get(load.team, f"Team {load.team} (deleted)"),
            )
            for load in loads
        ],
    )
