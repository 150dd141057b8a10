"""The ranked backlog: WSJF (docs/domain.md, "WSJF"), and the stories a feature's move on the
board carries along."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# --- WSJF ------------------------------------------------------------------------------------


def wsjf(user_business_value: int, time_criticality: int, risk_reduction: int, job_size: int) -> float:
    """Cost of delay ÷ job size. The database derives the same figure (Feature.wsjf) for SQL
    ordering; this function is the reference the tests hold it to."""
    return (user_business_value + time_criticality + risk_reduction) / job_size


# --- A feature's move with its stories --------------------------------------------------------


@dataclass(frozen=True)
class StoryPlace:
    """Where a story of the feature is: its team, its iteration (None: not planned) and that
    iteration's number in the PI, and whether it is finished."""

    id: int
    team: int
    iteration: int | None
    iteration_number: int | None
    done: bool


@dataclass(frozen=True)
class StoryCarry:
    """A story a feature's move takes along: where it goes (team, iteration) and why."""

    id: int
    team: int
    iteration: int | None
    moves_team: bool
    pulled_in: bool


def stories_carried(
    stories: Iterable[StoryPlace],
    *,
    from_team: int | None,
    to_team: int,
    to_iteration: int | None,
    to_iteration_number: int | None,
    move_stories: bool,
    pull_in: bool,
) -> list[StoryCarry]:
    """The stories a feature's move carries (docs/domain.md, "A feature's move with its
    stories"). Finished stories never move. With `move_stories`, a feature that changes team
    takes its unfinished stories of the team it leaves (other teams' stories are their
    contribution and stay). With `pull_in`, its unfinished stories placed in an iteration after
    the new delivery iteration are pulled in to it (unplanned ones stay unplanned).

    >>> a = StoryPlace(1, team=10, iteration=101, iteration_number=1, done=False)
    >>> b = StoryPlace(2, team=10, iteration=103, iteration_number=3, done=False)
    >>> [(s.id, s.team, s.iteration) for s in stories_carried([a, b], from_team=10, to_team=20,
    ...     to_iteration=102, to_iteration_number=2, move_stories=True, pull_in=True)]
    [(1, 20, 101), (2, 20, 102)]
    """
    carried = []
    for story in stories:
        if story.done:
            continue
        moves_team = move_stories and from_team != to_team and story.team == from_team
        pulled_in = (
            pull_in
            and to_iteration is not None
            and to_iteration_number is not None
            and story.iteration_number is not None
            and story.iteration_number > to_iteration_number
        )
        if moves_team or pulled_in:
            carried.append(
                StoryCarry(
                    id=story.id,
                    team=to_team if moves_team else story.team,
                    iteration=to_iteration if pulled_in else story.iteration,
                    moves_team=moves_team,
                    pulled_in=pulled_in,
                )
            )
    return carried
