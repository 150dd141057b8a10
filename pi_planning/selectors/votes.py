"""Reads of the confidence vote: each scope's round, count and (once revealed) result."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from art import rules
from art.access import vote_refusal as access_vote_refusal
from art.models import ProgramIncrement, Team
from pi_planning.models import Risk, Vote, VoteRound

NOT_OPENED, OPEN, REVEALED = "not_opened", VoteRound.State.OPEN.value, VoteRound.State.REVEALED.value


@dataclass
class Concern:
    """A voter's concern, never who voted: the vote id only lets the RTE raise it as a risk."""

    vote_id: int
    score: int
    text: str
    risk_id: int | None = None
    team: int | None = None


@dataclass
class VoteScope:
    team: Team | None
    round: VoteRound | None
    confidence: rules.votes.Confidence
    concerns: list[Concern]
    # The caller's own vote, set by views.cards._vote_context.
    my_vote: Vote | None = None
    is_mine: bool = False
    may_vote: bool = False

    @property
    def key(self) -> str:
        return str(self.team.pk) if self.team else "train"

    @property
    def label(self) -> str:
        return self.team.name if self.team else "Whole train"

    @property
    def state(self) -> str:
        return self.round.state if self.round else NOT_OPENED

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def is_revealed(self) -> bool:
        return self.state == REVEALED

    @property
    def distribution(self) -> list[tuple[int, int, float]]:
        """(score, votes, share of the largest bar in %) for the bars, 5 down to 1."""
        top = max(self.confidence.distribution.values(), default=0) or 1
        return [
            (n, self.confidence.distribution[n], 100 * self.confidence.distribution[n] / top)
            for n in range(5, 0, -1)
        ]


def confidence_scopes(*, pi: ProgramIncrement, team_id: int | str | None = "all") -> list[VoteScope]:
    """The train's vote first, then each team's: round, result (rules.votes.confidence) and concerns.
    Four queries whatever the number of votes; `team_id` (None for the train) narrows to one."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    rounds = {r.team_id: r for r in VoteRound.objects.filter(pi=pi)}
    scores: dict[int | None, list[int]] = defaultdict(list)
    concerns: dict[int | None, list[Concern]] = defaultdict(list)
    risks = dict(Risk.objects.filter(source_vote__pi=pi).values_list("source_vote_id", "id"))
    for vote_id, team, score, text in (
        Vote.objects.filter(pi=pi).values_list("id", "team_id", "score", "concern").order_by("id")
    ):
        scores[team].append(score)
        if text.strip():
            concerns[team].append(Concern(vote_id, score, text.strip(), risks.get(vote_id)))
    scopes = [
        VoteScope(
            team,
            rounds.get(team.pk if team else None),
            rules.votes.confidence(scores[team.pk if team else None]),
            concerns[team.pk if team else None],
        )
        for team in [None, *teams]
    ]
    if team_id != "all":
        scopes = [s for s in scopes if (s.team.pk if s.team else None) == team_id]
    return scopes


def vote_refusal(*, user: Any, pi: ProgramIncrement, team: Team | None) -> str:
    """Why `user` may not vote in this scope ("" if they may): art.access decides and words it."""
    return access_vote_refusal(user, pi.train_id, team.pk if team else None, team.name if team else "")


def my_votes(*, pi: ProgramIncrement, user: Any) -> dict[int | None, Vote]:
    """The caller's own votes in the PI by scope (team id, None for the train)."""
    if not user.is_authenticated:
        return {}
    return {v.team_id: v for v in Vote.objects.filter(pi=pi, user=user)}
