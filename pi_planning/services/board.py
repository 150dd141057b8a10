"""Moves on the planning board: one service for the page (drag and drop, the keyboard's move
menu) and the API (`POST pis/{id}/board/moves/`), so that the two refuse exactly the same moves.

A move is refused when the card is not the person's to move (art.access: features belong to
product management and the RTE; a story to its team, and moving it to another team needs that
team too), when the card is not one this board moves (board_rule_refusal: another PI's card, a
finished feature outside any PI, anything of a closed PI), and by the services it calls (a stale
version is a conflict; an iteration of another PI is refused). Conflicts it creates, such as an
overloaded iteration or a late dependency, are never refused: the board shows them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from art import services
from art.access import Action, authorize
from art.models import Feature, Iteration, ProgramIncrement, Story, Team
from art.services.backlog import card_pi
from pi_planning.selectors.board import FINISHED_FEATURE_STATES


def board_rule_refusal(pi: ProgramIncrement, card: Feature | Story) -> str | None:
    """Why `card` may not be moved on `pi`'s board, in words naming the card and its own PI, or
    None if it may. A card belongs to the board it shows on (the same cards pi_board_data
    loads): a feature of this PI, or an open feature of the train's backlog (no PI, not done or
    cancelled) dragged onto it; a story placed in an iteration of this PI, a story of a feature
    of this PI (placed or not). Nothing of a closed PI moves: its plan is history."""
    label = f"{card.key} “{card.title}”"
    own = card_pi(card)
    if own is not None and own.state == ProgramIncrement.State.CLOSED:
        return f"{label} belongs to {own.name}, which is closed: its plan is history and its cards stay put."
    if own is None:
        if isinstance(card, Feature):
            if card.state in FINISHED_FEATURE_STATES:
                return (
                    f"{label} is {card.get_state_display().lower()} and in no PI: only open features "
                    f"of the backlog are planned onto {pi.name}'s board."
                )
        elif card.feature_id and card.feature is not None:
            return (
                f"{label} is in no PI: its feature {card.feature.key} is not planned in a PI yet. "
                f"Plan the feature into {pi.name} first."
            )
        else:
            return f"{label} is in no PI and has no feature: it is not on {pi.name}'s board."
    else:
        feature_pi_id = (
            card.feature.pi_id if isinstance(card, Story) and card.feature_id and card.feature else None
        )
        if own.pk != pi.pk and feature_pi_id != pi.pk:
            return f"{label} belongs to {own.name}, not to {pi.name}: move it on {own.name}'s board."
    if pi.state == ProgramIncrement.State.CLOSED:
        return f"{pi.name} is closed: its plan is history and its cards stay put."
    return None


def board_access_refusal(
    *, actor: Any, pi: ProgramIncrement, card: Feature | Story, team: Team | None = None
) -> str:
    """Why `actor` may not move `card` (to `team`), in words ("" if they may): features are the
    backlog's (product management, RTE); a story is its team's, and another team's seat is
    needed to move it there."""
    try:
        if isinstance(card, Feature):
            authorize(actor, Action.EDIT_BACKLOG, pi.train_id)
        else:
            authorize(actor, Action.EDIT_TEAM, pi.train_id, [card.team_id])
            if team is not None and team.pk != card.team_id:
                authorize(actor, Action.EDIT_TEAM, pi.train_id, [team.pk])
    except PermissionDenied as exc:
        return f"{card.key} is not yours to move: {exc}"
    return ""


def board_move_refusal(*, actor: Any, pi: ProgramIncrement, card: Feature | Story) -> str:
    """Why the move menu of `card` offers no move on `pi`'s board ("" if it offers one)."""
    return board_access_refusal(actor=actor, pi=pi, card=card) or board_rule_refusal(pi, card) or ""


def board_card_move(
    *,
    actor: Any,
    pi: ProgramIncrement,
    card: Feature | Story,
    team: Team,
    iteration: Iteration | None,
    version: int | None = None,
) -> Feature | Story:
    """Place `card` in `team` and `iteration` of `pi` (None: not planned). A feature from the
    train's backlog joins the PI. Raises PermissionDenied (not the actor's to move),
    ValidationError (not a card of this board, a team of another train, an iteration of another
    PI) or ConflictError (stale `version`); nothing changes then."""
    refusal = board_access_refusal(actor=actor, pi=pi, card=card, team=team)
    if refusal:
        raise PermissionDenied(refusal)
    rule = board_rule_refusal(pi, card)
    if rule:
        raise ValidationError({"card": rule})
    if team.train_id != pi.train_id:
        raise ValidationError({"team": "team must be one of this train's teams"})
    if iteration is not None and iteration.pi_id != pi.pk:
        raise ValidationError({"iteration": f"iteration must be one of {pi.name}'s iterations"})
    if isinstance(card, Feature):
        changes: dict[str, Any] = {"team": team, "iteration": iteration}
        if card.pi_id != pi.pk:
            changes["pi"] = pi
        return services.feature_update(actor=actor, feature=card, version=version, **changes)
    return services.story_move(actor=actor, story=card, iteration=iteration, team=team, version=version)
