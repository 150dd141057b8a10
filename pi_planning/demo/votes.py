"""The demo confidence vote: revealed rounds in the closed PIs; in the current PI some teams
revealed (one accepted, one to rework with concerns, one concern recorded as a risk), one
team's vote open and the train's not opened yet."""

from __future__ import annotations

import datetime as dt
from typing import Any

from art.demo import SeedContext, seed_step
from art.models import ProgramIncrement, Team
from pi_planning import services
from pi_planning.demo.common import at_hour, not_after_now
from pi_planning.models import Vote, VoteRound

CONCERNS = [
    "Too much work in iteration 2 while two of us are on vacation.",
    "The dependency on the bank sandbox is not under our control.",
    "Requirements for the payout rounding are still open.",
    "We have not estimated the migration stories yet.",
]


def _voters(ctx: SeedContext, team: Team | None) -> list[Any]:
    if team is None:
        people = [u for users in ctx.team_users.values() for u in users]
        return [ctx.users["owner"], ctx.users["rte"], *people]
    return list(ctx.team_users.get(team.pk, []))  # each team votes on its own plan


def _votes(ctx: SeedContext) -> None:
    rng, rte = ctx.rng, ctx.users["rte"]
    votes = rounds = 0
    concern_votes: list[Vote] = []
    for pi in ctx.pis:
        closed = pi.state == ProgramIncrement.State.CLOSED
        if closed and ctx.profile.size != "demo" and pi not in ctx.closed_pis[-2:]:
            continue
        scopes: list[tuple[Team | None, str]] = []
        if closed:
            scopes = [(team, "revealed") for team in ctx.teams] + [(None, "revealed")]
        else:
            plan = ["revealed-good", "revealed-rework", "open"]
            scopes = [(team, plan[i]) for i, team in enumerate(ctx.teams[: len(plan)])]
            scopes += [(team, "revealed-good") for team in ctx.teams[len(plan) : len(plan) + 2]]
        for team, how in scopes:
            round_ = services.vote_round_open(actor=rte, pi=pi, team=team)
            rounds += 1
            for voter in _voters(ctx, team):
                if how == "revealed-rework":
                    score = rng.choice([1, 2, 2, 3])
                elif how == "open":
                    if rng.random() < 0.4:
                        continue
                    score = rng.choice([3, 4, 4, 5])
                else:
                    score = rng.choice([3, 4, 4, 5, 5, 2])
                concern = rng.choice(CONCERNS) if score <= 2 else ""
                cast = services.vote_cast(actor=voter, pi=pi, team=team, score=score, concern=concern)
                votes += 1
                if concern and not closed:
                    concern_votes.append(cast)
            if how != "open":
                services.vote_round_reveal(actor=rte, round_=round_)
        at = at_hour(pi.start_date - dt.timedelta(days=9), ctx.tz, 16)
        Vote.objects.filter(pi=pi).update(created_at=not_after_now(at))
        VoteRound.objects.filter(pi=pi).update(opened_at=not_after_now(at))
        VoteRound.objects.filter(pi=pi, state=VoteRound.State.REVEALED).update(
            revealed_at=not_after_now(at + dt.timedelta(minutes=20))
        )
    if concern_votes:
        services.vote_concern_to_risk(actor=rte, vote=concern_votes[0])
        ctx.count("risks from concerns", 1)
    ctx.count("vote rounds", rounds)
    ctx.count("confidence votes", votes)


@seed_step(222, "confidence votes")
def votes_step(ctx: SeedContext) -> None:
    if ctx.teams and ctx.pis:
        _votes(ctx)
