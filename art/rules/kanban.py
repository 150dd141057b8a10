"""The ART Kanban (docs/domain.md, "The ART Kanban"): the train's features in columns by state,
WIP limits per column and per team lane, the breach a move makes, who may move what, aging
work against the train's 85th-percentile flow time, and the columns' policies.

Pure functions of plain values; the selector (art.selectors.kanban) loads the counts and times
and the service (art.services.backlog.feature_transition_add) asks here before it moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from art.rules.flow import FEATURE_STATES, IN_FLOW_STATES, STATE_CATEGORY
from art.rules.stats import days, percentile_nearest_rank, round2

#: The board's columns, left to right: every feature state (cancelled is hidden unless asked for).
COLUMNS: tuple[str, ...] = FEATURE_STATES
HIDDEN_BY_DEFAULT = frozenset({"cancelled"})
#: Columns that may carry a WIP limit: a limit on finished or cancelled work limits nothing.
LIMITABLE: tuple[str, ...] = tuple(s for s in COLUMNS if s not in {"done", "cancelled"})
#: (product rule) Team members move their own team's features among these states only; product
#: management and the RTE move any feature to any state.
TEAM_MOVE_STATES: tuple[str, ...] = ("in_progress", "review", "blocked", "awaiting_deploy")
#: (product rule) The done column shows what was finished in the last 14 days, with a count of
#: the rest.
DONE_SHOWN_DAYS = 14
#: (product rule) Aging work: in flow longer than the 85th percentile of the flow times of the
#: features finished in the last 12 weeks (the window of the dashboard's cycle-time figure).
AGING_PERCENTILE = 85
AGING_WINDOW_WEEKS = 12
MAX_LIMIT = 1000
MAX_POLICY = 280
MAX_REASON = 500

LABELS: Mapping[str, str] = {
    "funnel": "Funnel",
    "analyzing": "Analyzing",
    "ready": "Ready",
    "in_progress": "In progress",
    "review": "Review",
    "blocked": "Blocked",
    "awaiting_deploy": "Awaiting deploy",
    "done": "Done",
    "cancelled": "Cancelled",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029]")


def label(state: str) -> str:
    return LABELS.get(state, state)


def _labels(states: Iterable[str]) -> str:
    names = [label(s) for s in states]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


# --- limits and policies: what may be set ----------------------------------------------------


def _whole_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def wip_limits_errors(value: Any) -> dict[str, str]:
    """Why a set of WIP limits may not be stored, by column ({} when it may): a JSON object
    mapping a limitable column to a whole number from 1 to 1000, or null for no limit."""
    if not isinstance(value, dict):
        return {"wip_limits": 'wip_limits must be an object such as {"in_progress": 8}'}
    errors = {}
    for state, limit in value.items():
        if state not in LIMITABLE:
            errors[str(state)[:40]] = (
                f"{str(state)[:40]!r} is not a column that takes a WIP limit: one of {', '.join(LIMITABLE)}"
            )
        elif limit is not None and not (_whole_number(limit) and 1 <= limit <= MAX_LIMIT):
            errors[state] = f"the WIP limit of {label(state)} must be a whole number from 1 to {MAX_LIMIT}"
    return errors


def wip_limits_clean(value: Mapping[str, int | None]) -> dict[str, int]:
    """The limits as stored: in column order, a null (no limit) left out."""
    return {s: int(value[s]) for s in LIMITABLE if value.get(s) is not None}  # type: ignore[arg-type]


def policies_errors(value: Any) -> dict[str, str]:
    """Why a set of column policies may not be stored ({} when it may): an object mapping a
    column to its definition of done for entering it, up to 280 characters of text (line breaks
    allowed, no other control character); empty or null for none."""
    if not isinstance(value, dict):
        return {"kanban_policies": 'kanban_policies must be an object such as {"review": "Code reviewed"}'}
    errors = {}
    for state, text in value.items():
        if state not in COLUMNS:
            errors[str(state)[:40]] = f"{str(state)[:40]!r} is not a column: one of {', '.join(COLUMNS)}"
        elif text is not None and not isinstance(text, str):
            errors[state] = f"the policy of {label(state)} must be text"
        elif text and len(text) > MAX_POLICY:
            errors[state] = (
                f"the policy of {label(state)} may hold at most {MAX_POLICY} characters ({len(text)} given)"
            )
        elif text and _CONTROL.search(text):
            errors[state] = f"the policy of {label(state)} may not hold control characters (such as NUL)"
    return errors


def policies_clean(value: Mapping[str, str | None]) -> dict[str, str]:
    return {s: (value[s] or "").strip() for s in COLUMNS if (value.get(s) or "").strip()}


def reason_refusal(reason: str) -> str:
    """Why a reason for going over a WIP limit may not be recorded ("" when it may)."""
    if len(reason) > MAX_REASON:
        return f"reason may hold at most {MAX_REASON} characters ({len(reason)} given)"
    if _CONTROL.search(reason):
        return "reason may not hold control characters (such as NUL)"
    if _LINE_BREAK.search(reason):
        return "reason must be one line: line breaks are not allowed"
    return ""


# --- counts and breaches -----------------------------------------------------------------------


def over_limit(count: int, limit: int | None) -> bool:
    """A column (or lane) is over its limit when it holds more than the limit; at the limit is full,
    not over."""
    return limit is not None and count > limit


@dataclass(frozen=True)
class Breach:
    """A move that takes a column, or a team's lane, over its WIP limit: `count` is what it holds
    after the move."""

    scope: str  # "column" or "lane"
    state: str
    count: int
    limit: int
    team: str = ""

    @property
    def words(self) -> str:
        held = self.count - 1
        where = f"{self.team}'s lane" if self.scope == "lane" else label(self.state)
        what = " features in flow" if self.scope == "lane" else ""
        if held == self.limit:
            return f"{where} is at its WIP limit of {self.limit}{what}"
        return f"{where} already holds {held}{what}, over its WIP limit of {self.limit}"


def move_breaches(
    *,
    from_state: str,
    to_state: str,
    column_count: int,
    column_limit: int | None,
    lane_count: int = 0,
    lane_limit: int | None = None,
    team: str = "",
) -> list[Breach]:
    """The limits a move would take the board over. `column_count` is what the target column
    holds before the move (the feature not among them); `lane_count` the team's features in flow
    before it. A move within the flow does not change the lane's count."""
    breaches = []
    if from_state != to_state and over_limit(column_count + 1, column_limit):
        breaches.append(Breach("column", to_state, column_count + 1, column_limit or 0))
    enters_flow = to_state in IN_FLOW_STATES and from_state not in IN_FLOW_STATES
    if enters_flow and over_limit(lane_count + 1, lane_limit):
        breaches.append(Breach("lane", to_state, lane_count + 1, lane_limit or 0, team))
    return breaches


def reason_needed(breaches: list[Breach]) -> str:
    """The words that ask for a reason before a move goes over a limit."""
    return "; ".join(b.words for b in breaches) + ": give a reason to go over it"


# --- who may move what -----------------------------------------------------------------------


def team_move_refusal(from_state: str, to_state: str) -> str:
    """Why a team member may not make this move of their own team's feature ("" when they may)."""
    if from_state in TEAM_MOVE_STATES and to_state in TEAM_MOVE_STATES:
        return ""
    return (
        f"Team members move their own team's features among {_labels(TEAM_MOVE_STATES)} only: "
        f"moving from {label(from_state)} to {label(to_state)} is for product management and the RTE."
    )


def team_move_targets(from_state: str) -> tuple[str, ...]:
    """The columns a team member may move their own team's feature to from `from_state`."""
    if from_state not in TEAM_MOVE_STATES:
        return ()
    return tuple(s for s in TEAM_MOVE_STATES if s != from_state)


# --- aging -----------------------------------------------------------------------------------


def aging_threshold(flow_times_days: Iterable[float]) -> float | None:
    """The 85th-percentile flow time (nearest rank, days) of the recently finished features;
    None when none finished (then nothing is flagged)."""
    value = percentile_nearest_rank(flow_times_days, AGING_PERCENTILE)
    return None if value is None else round2(value)


def elapsed_days(since: datetime | None, now: datetime) -> float | None:
    return None if since is None else round2(max(days(now - since), 0.0))


def is_aging(state: str, flow_age_days: float | None, threshold: float | None) -> bool:
    """A feature in flow whose time in flow (now − its first entry into the flow) exceeds the
    threshold."""
    return (
        state in IN_FLOW_STATES
        and flow_age_days is not None
        and threshold is not None
        and flow_age_days > threshold
    )


def done_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=DONE_SHOWN_DAYS)


def category(state: str) -> str:
    return STATE_CATEGORY[state]
