"""Reads of Inspect & Adapt's problem-solving workshop, shared by its page and the API: the
fishbone (six bones and their causes with whys and dots), a participant's dots left, the Pareto
rows (art.rules.workshops.pareto), the solutions and the improvement items written from them.

`workshop_data` costs five queries whatever the number of causes, votes, solutions or items."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from art import rules
from art.models import ProgramIncrement
from sync.models import Cause, CauseVote, ImprovementItem, Solution, Workshop

CATEGORY_LABELS = dict(rules.workshops.CATEGORIES)


@dataclass
class CauseRow:
    """A cause as the page shows it: the model, its bone's label, its dots in all and the
    viewer's own, and the solutions brainstormed for it."""

    cause: Cause
    category_label: str
    votes: int = 0
    mine: int = 0
    rank: int = 0  # 1 for the cause with the most dots (the Pareto order)
    solutions: list[Solution] = field(default_factory=list)

    @property
    def pk(self) -> int:
        return self.cause.pk


@dataclass
class Bone:
    key: str
    label: str
    causes: list[CauseRow]


@dataclass
class WorkshopData:
    workshop: Workshop
    causes: list[CauseRow]  # in the order written
    bones: list[Bone]  # the six, in the diagram's order
    pareto: list[rules.workshops.ParetoRow]
    vital_few: list[rules.workshops.ParetoRow]
    allowance: int
    used: int  # the viewer's dots placed
    dots_left: int
    voters: int
    total_dots: int
    solutions: list[Solution]  # every one, in the order written
    general_solutions: list[Solution]  # those for no cause
    items: list[ImprovementItem]

    def row(self, cause_id: int) -> CauseRow | None:
        return next((row for row in self.causes if row.pk == cause_id), None)

    @property
    def top_cause(self) -> CauseRow | None:
        """The cause with the most dots (None before any dot)."""
        if not self.pareto or not self.pareto[0].votes:
            return None
        return self.row(self.pareto[0].cause.id)


def workshop_of(pi: ProgramIncrement) -> Workshop | None:
    return Workshop.objects.filter(pi=pi).first()


def cause_votes(causes: list[Cause], totals: dict[int, int]) -> list[rules.workshops.CauseVotes]:
    """The causes as the Pareto rule reads them: their dots, and the order they were written."""
    return [
        rules.workshops.CauseVotes(c.pk, c.text, c.category, totals.get(c.pk, 0), order)
        for order, c in enumerate(causes)
    ]


def vote_totals(workshop: Workshop) -> tuple[dict[int, int], dict[int, dict[int, int]]]:
    """Dots per cause, and per voter and cause: one query."""
    totals: dict[int, int] = defaultdict(int)
    by_voter: dict[int, dict[int, int]] = defaultdict(dict)
    for cause_id, voter_id, dots in CauseVote.objects.filter(workshop=workshop).values_list(
        "cause_id", "voter_id", "dots"
    ):
        totals[cause_id] += dots
        by_voter[voter_id][cause_id] = dots
    return dict(totals), dict(by_voter)


def workshop_causes(workshop: Workshop) -> list[Cause]:
    return list(
        Cause.objects.filter(workshop=workshop).select_related("created_by").order_by("created_at", "id")
    )


def pareto_rows(workshop: Workshop) -> list[rules.workshops.ParetoRow]:
    """The workshop's Pareto chart (art.rules.workshops.pareto): two queries."""
    totals, _ = vote_totals(workshop)
    return rules.workshops.pareto(cause_votes(workshop_causes(workshop), totals))


def workshop_data(*, workshop: Workshop, voter: Any = None) -> WorkshopData:
    """Everything the workshop's part of the page shows, for `voter` (their own dots and dots
    left): five queries."""
    causes = workshop_causes(workshop)
    totals, by_voter = vote_totals(workshop)
    mine = by_voter.get(getattr(voter, "pk", None) or -1, {})
    solutions = list(
        Solution.objects.filter(workshop=workshop)
        .select_related("created_by", "cause")
        .order_by("created_at", "id")
    )
    items = list(
        ImprovementItem.objects.filter(workshop=workshop)
        .select_related("target_pi", "cause")
        .order_by("created_at", "id")
    )
    rows = [
        CauseRow(
            cause=c, category_label=CATEGORY_LABELS.get(c.category, c.category), votes=totals.get(c.pk, 0)
        )
        for c in causes
    ]
    by_id = {row.pk: row for row in rows}
    for row in rows:
        row.mine = mine.get(row.pk, 0)
    general = []
    for solution in solutions:
        target = by_id.get(solution.cause_id) if solution.cause_id else None
        if target is None:
            general.append(solution)
        else:
            target.solutions.append(solution)
    pareto = rules.workshops.pareto(cause_votes(causes, totals))
    for rank, prow in enumerate(pareto, start=1):
        by_id[prow.cause.id].rank = rank
    bones = [
        Bone(key, label, [row for row in rows if row.cause.category == key])
        for key, label in rules.workshops.CATEGORIES
    ]
    used = sum(mine.values())
    return WorkshopData(
        workshop=workshop,
        causes=rows,
        bones=bones,
        pareto=pareto,
        vital_few=rules.workshops.vital_few(pareto),
        allowance=workshop.dots_per_participant,
        used=used,
        dots_left=rules.workshops.dots_left(workshop.dots_per_participant, used),
        voters=len(by_voter),
        total_dots=sum(totals.values()),
        solutions=solutions,
        general_solutions=general,
        items=items,
    )


@dataclass(frozen=True)
class VoteSummary:
    """The dot vote as the API answers it: dots per cause, and the caller's own."""

    workshop: Workshop
    totals: dict[int, int]
    mine: dict[int, int]
    cause_ids: list[int]

    @property
    def used(self) -> int:
        return sum(self.mine.values())

    @property
    def dots_left(self) -> int:
        return rules.workshops.dots_left(self.workshop.dots_per_participant, self.used)

    def as_json(self) -> dict[str, Any]:
        return {
            "workshop": self.workshop.pk,
            "dots_per_participant": self.workshop.dots_per_participant,
            "dots_used": self.used,
            "dots_left": self.dots_left,
            "causes": [
                {"cause": pk, "votes": self.totals.get(pk, 0), "mine": self.mine.get(pk, 0)}
                for pk in self.cause_ids
            ],
        }


def vote_summary(*, workshop: Workshop, voter: Any) -> VoteSummary:
    """Dots per cause (every cause, in the order written) and the voter's: two queries."""
    totals, by_voter = vote_totals(workshop)
    cause_ids = list(
        Cause.objects.filter(workshop=workshop).order_by("created_at", "id").values_list("pk", flat=True)
    )
    return VoteSummary(workshop, totals, by_voter.get(getattr(voter, "pk", None) or -1, {}), cause_ids)
