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

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from art import rules, services
from art.access import Action, authorize
from art.errors import ConflictError
from art.models import Feature, Iteration, ProgramIncrement, Story, Team
from art.services.backlog import card_pi
from art.services.common import update_many
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


def feature_board_stories(*, pi: ProgramIncrement, feature: Feature) -> QuerySet[Story]:
    """The feature's stories on `pi`'s board: placed in one of its iterations, or not planned
    (a story placed in another PI belongs to that PI's board). With what clean() reads loaded."""
    return (
        Story.objects.filter(feature=feature)
        .filter(Q(iteration__isnull=True) | Q(iteration__pi=pi))
        .select_related("team", "iteration__pi", "feature")
        .order_by("id")
    )


def _places(stories: list[Story]) -> list[rules.backlog.StoryPlace]:
    return [
        rules.backlog.StoryPlace(
            id=s.pk,
            team=s.team_id,
            iteration=s.iteration_id,
            iteration_number=s.iteration.number if s.iteration_id and s.iteration else None,
            done=s.state == Story.State.DONE,
        )
        for s in stories
    ]


@dataclass(frozen=True)
class StoriesAlong:
    """What a feature's move to `team` and `iteration` would take along, for the question the
    board asks after a drop (and the move menu): how many unfinished stories change team with
    it, how many are pulled in from after the new delivery iteration, the versions of the
    stories the person saw (sent back with the move), and why the person may not move them
    ("" if they may)."""

    moving: int
    pulled_in: int
    iteration_name: str
    versions: dict[int, int] = field(default_factory=dict)
    refusal: str = ""

    @property
    def asks(self) -> bool:
        return bool(self.moving or self.pulled_in)

    @property
    def versions_text(self) -> str:
        return ",".join(f"{pk}:{version}" for pk, version in sorted(self.versions.items()))


def feature_stories_along(
    *,
    actor: Any,
    pi: ProgramIncrement,
    feature: Feature,
    team: Team | None,
    iteration: Iteration | None,
) -> StoriesAlong:
    """What moving `feature` to `team` (None: any other team, as the move menu asks before a
    team is chosen) and `iteration` would carry along, and whether `actor` may carry it: one
    query."""
    stories = list(feature_board_stories(pi=pi, feature=feature))
    to_team = team.pk if team is not None else -1
    carried = rules.backlog.stories_carried(
        _places(stories),
        from_team=feature.team_id,
        to_team=to_team,
        to_iteration=iteration.pk if iteration is not None else None,
        to_iteration_number=iteration.number if iteration is not None else None,
        move_stories=True,
        pull_in=True,
    )
    by_id = {s.pk: s for s in stories}
    refusal = ""
    for carry in carried:
        target = team if carry.moves_team else None
        refusal = board_access_refusal(actor=actor, pi=pi, card=by_id[carry.id], team=target)
        if refusal:
            break
    return StoriesAlong(
        moving=sum(1 for c in carried if c.moves_team),
        pulled_in=sum(1 for c in carried if c.pulled_in),
        iteration_name=iteration.name if iteration is not None else "",
        versions={s.pk: s.version for s in stories if s.state != Story.State.DONE},
        refusal=refusal,
    )


def _carry_stories(
    *,
    actor: Any,
    pi: ProgramIncrement,
    feature: Feature,
    team: Team,
    iteration: Iteration | None,
    move_stories: bool,
    pull_in_stories: bool,
    story_versions: Mapping[int, int] | None,
) -> list[Story]:
    """Move the stories a feature's move carries, inside the caller's transaction: locked,
    versions compared, access checked per story, then one bulk write (art.services.common.
    update_many). Raises before anything is written."""
    stories = list(feature_board_stories(pi=pi, feature=feature).select_for_update(of=("self",)))
    by_id = {s.pk: s for s in stories}
    if story_versions is not None:
        for pk, version in story_versions.items():
            current = by_id.get(pk)
            if current is None:
                raise ValidationError(
                    {"story_versions": f"story {pk} is not a story of {feature.key} on {pi.name}'s board"}
                )
            if current.version != version:
                raise ConflictError(current, version)
    carried = rules.backlog.stories_carried(
        _places(stories),
        from_team=feature.team_id,
        to_team=team.pk,
        to_iteration=iteration.pk if iteration is not None else None,
        to_iteration_number=iteration.number if iteration is not None else None,
        move_stories=move_stories,
        pull_in=pull_in_stories,
    )
    changes: dict[int, dict[str, Any]] = {}
    for carry in carried:
        story = by_id[carry.id]
        if story_versions is not None and story.pk not in story_versions:
            raise ValidationError(
                {
                    "story_versions": f"{story.key} joined {feature.key} after you looked: nothing "
                    "was moved; look again and move it again"
                }
            )
        refusal = board_access_refusal(
            actor=actor, pi=pi, card=story, team=team if carry.moves_team else None
        )
        if refusal:
            raise PermissionDenied(f"{feature.key} moves without its stories, or not at all: {refusal}")
        changes[story.pk] = {}
        if carry.moves_team:
            changes[story.pk]["team"] = team
        if carry.pulled_in:
            changes[story.pk]["iteration"] = iteration
    return update_many(
        actor=actor,
        objects=[by_id[pk] for pk in changes],
        changes=changes,
        note={"moved_with": ["", feature.key]},
    )


def board_card_move(
    *,
    actor: Any,
    pi: ProgramIncrement,
    card: Feature | Story,
    team: Team,
    iteration: Iteration | None,
    version: int | None = None,
    move_stories: bool = False,
    pull_in_stories: bool = False,
    story_versions: Mapping[int, int] | None = None,
) -> Feature | Story:
    """Place `card` in `team` and `iteration` of `pi` (None: not planned). A feature from the
    train's backlog joins the PI; with `move_stories` / `pull_in_stories` its stories go along
    (feature_stories_along says which), each checked against `story_versions` where given.
    Raises PermissionDenied (not the actor's to move, the card or one of the stories),
    ValidationError (not a card of this board, a team of another train, an iteration of another
    PI) or ConflictError (a stale `version`, or a stale story version); nothing changes then."""
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
        if not (move_stories or pull_in_stories):
            return services.feature_update(actor=actor, feature=card, version=version, **changes)
        with transaction.atomic():
            current = Feature.objects.select_for_update().get(pk=card.pk)
            if version is not None and int(version) != current.version:
                raise ConflictError(current, int(version))
            carried = _carry_stories(
                actor=actor,
                pi=pi,
                feature=current,
                team=team,
                iteration=iteration,
                move_stories=move_stories,
                pull_in_stories=pull_in_stories,
                story_versions=story_versions,
            )
            moved = services.feature_update(actor=actor, feature=current, version=version, **changes)
        moved.carried_stories = carried  # type: ignore[attr-defined]  # what the answer lists
        return moved
    return services.story_move(actor=actor, story=card, iteration=iteration, team=team, version=version)
