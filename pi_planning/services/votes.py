"""The confidence vote: the RTE opens a round per team and for the train, people vote 1–5
(re-voting replaces), the RTE reveals the result; a concern can become a risk in one click."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from art.access import Action, authorize, vote_refusal
from art.live import events as live
from art.models import ProgramIncrement, Team
from art.services.common import author, record_change
from pi_planning.models import Risk, Vote, VoteRound


def _scope(team: Team | None) -> str:
    return f"{team.name}'s vote" if team else "the train's vote"


def vote_round_open(*, actor: Any, pi: ProgramIncrement, team: Team | None = None) -> VoteRound:
    """Open (or reopen) the vote of one scope; reopening keeps the votes cast so far."""
    authorize(actor, Action.RUN_EVENTS, pi.train_id)
    if team is not None and team.train_id != pi.train_id:
        raise ValidationError({"team": "team must belong to the PI's train"})
    with transaction.atomic():
        round_, created = VoteRound.objects.select_for_update().get_or_create(
            pi=pi, team=team, defaults={"opened_by": author(actor)}
        )
        if not created and round_.state != VoteRound.State.OPEN:
            round_.state, round_.revealed_at = VoteRound.State.OPEN, None
            round_.save(update_fields=["state", "revealed_at"])
        record_change(
            actor=actor,
            obj=round_,
            action="created" if created else "updated",
            changes={"state": [None if created else "revealed", "open"]},
        )
    return round_


def vote_round_reveal(*, actor: Any, round_: VoteRound) -> VoteRound:
    authorize(actor, Action.RUN_EVENTS, round_.pi.train_id)
    with transaction.atomic():
        current = VoteRound.objects.select_for_update().get(pk=round_.pk)
        if current.state != VoteRound.State.REVEALED:
            current.state, current.revealed_at = VoteRound.State.REVEALED, timezone.now()
            current.save(update_fields=["state", "revealed_at"])
            record_change(actor=actor, obj=current, action="updated", changes={"state": ["open", "revealed"]})
    return current


def vote_cast(*, actor: Any, pi: ProgramIncrement, team: Team | None, score: int, concern: str = "") -> Vote:
    """One vote per person and scope; voting again replaces it. Only while the vote is open.
    Each team votes on its own plan, the whole train on the train's (art.access.can_vote_in)."""
    return vote_place(actor=actor, pi=pi, team=team, score=score, concern=concern)[0]


def vote_place(
    *, actor: Any, pi: ProgramIncrement, team: Team | None, score: int, concern: str = ""
) -> tuple[Vote, bool]:
    """vote_cast, saying whether this call made the vote (True) or replaced one (False): decided
    inside the write, so that the same person's identical votes at the same instant make one vote
    and only one of them says it made it."""
    authorize(actor, Action.VOTE, pi.train_id)
    errors: dict[str, str] = {}
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = "score must be a whole number between 1 and 5"
    if team is not None and team.train_id != pi.train_id:
        errors["team"] = "team must belong to the PI's train"
    concern = (concern or "").strip()
    if len(concern) > 2000:
        errors["concern"] = "concern must be at most 2000 characters"
    if errors:
        raise ValidationError(errors)
    refusal = vote_refusal(actor, pi.train_id, team.pk if team else None, team.name if team else "")
    if refusal:
        raise PermissionDenied(refusal[:1].upper() + refusal[1:] + ".")
    round_ = VoteRound.objects.filter(pi=pi, team=team).first()
    if round_ is None or round_.state != VoteRound.State.OPEN:
        raise ValidationError({"team": f"{_scope(team)} is not open: the RTE opens it"})
    created = False
    with transaction.atomic():
        vote = Vote.objects.select_for_update().filter(pi=pi, team=team, user=actor).first()
        if vote is None:
            try:
                with transaction.atomic():
                    vote = Vote.objects.create(pi=pi, team=team, user=actor, score=score, concern=concern)
                    created = True
            except IntegrityError:  # the same person voting twice at the same instant
                vote = Vote.objects.select_for_update().get(pi=pi, team=team, user=actor)
        if not created:
            vote.score, vote.concern = score, concern
            vote.save(update_fields=["score", "concern", "updated_at"])
    # Votes are secret (no history entry); the open confidence pages still hear that one came in.
    live.notify(pi.train_id, {"model": "vote", "pi": pi.pk, "teams": [team.pk] if team else []})
    return vote, created


def vote_concern_to_risk(*, actor: Any, vote: Vote, title: str | None = None) -> Risk:
    """Turn a voter's concern into an un-ROAMed risk of the PI (once per vote). Concerns are the
    RTE's to read and record (docs/domain.md, "Confidence vote")."""
    authorize(actor, Action.RUN_EVENTS, vote.pi.train_id)
    from .risks import risk_create

    if not (vote.concern or "").strip():
        raise ValidationError({"concern": "this vote has no concern to record"})
    existing = Risk.objects.filter(source_vote=vote).first()
    if existing is not None:
        return existing
    text = vote.concern.strip()
    return risk_create(
        actor=actor,
        train=vote.pi.train,
        pi=vote.pi,
        team=vote.team,
        title=(title or text.split("\n")[0])[:240],
        description=text,
        source_vote=vote,
    )
