"""The plan of a Jira import: for each row of the export, what the import will create, update or
leave as it is, or why it skips the row (art.rules.jira_import reads the file and the mapping;
docs/domain.md, "Importing from Jira", states the rules)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .jira_import import (
    DEFECT_TYPES,
    FEATURE_TYPES,
    KNOWN_TYPES,
    MAX_FEATURE_POINTS,
    MAX_STORY_POINTS,
    MAX_TITLE,
    STORY_TYPES,
    Export,
    ImportMapping,
    Ref,
    Row,
    norm,
)

CREATE, UPDATE, UNCHANGED, SKIP = "create", "update", "unchanged", "skip"
ACTIONS = (CREATE, UPDATE, UNCHANGED, SKIP)
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


@dataclass(frozen=True)
class Card:
    """A feature or a story of the train, as the plan compares it (by its external key)."""

    kind: str  # "feature" or "story"
    id: int
    key: str
    title: str
    state: str
    points: int | None
    team_id: int | None
    version: int
    feature_kind: str = ""  # a feature's kind
    pi_id: int | None = None  # a feature's PI
    iteration_id: int | None = None  # a story's iteration
    feature_id: int | None = None  # a story's feature


@dataclass
class RowPlan:
    row: int
    key: str
    type: str
    title: str
    action: str = CREATE
    target: str = ""  # "feature" or "story"
    reason: str = ""  # why it is skipped
    warnings: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # what will be written (ids for relations)
    changes: dict[str, list[Any]] = field(default_factory=dict)  # an update's [before, after]
    card_id: int | None = None
    version: int | None = None

    def skip(self, reason: str) -> RowPlan:
        self.action, self.reason = SKIP, reason
        return self


@dataclass
class Plan:
    rows: list[RowPlan]

    @property
    def counts(self) -> dict[str, int]:
        found = Counter(r.action for r in self.rows)
        return {action: found.get(action, 0) for action in ACTIONS} | {
            "warnings": sum(1 for r in self.rows if r.warnings and r.action != SKIP)
        }

    @property
    def digest(self) -> str:
        return plan_digest(self)


def plan_digest(plan: Plan) -> str:
    """A fingerprint of everything the import would do, and of the versions of the cards it would
    change: applying checks it, so that it applies exactly the preview someone saw."""
    shape = [
        [r.row, r.key, r.action, r.target, r.values, sorted(r.changes), r.card_id, r.version]
        for r in plan.rows
    ]
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()[:32]


def clean_title(raw: str) -> tuple[str, str]:
    """The summary as one line (Jira allows line breaks in it), at most MAX_TITLE characters."""
    title = " ".join(_CONTROL.sub(" ", raw).split())
    if len(title) > MAX_TITLE:
        return title[: MAX_TITLE - 1] + "…", f"the summary is longer than {MAX_TITLE} characters: cut"
    return title, ""


def parse_points(raw: str, maximum: int) -> tuple[int | None, bool, str]:
    """(points, given, warning): "5" and "5.0" are 5; a blank cell gives none; anything else is
    imported without points, with a warning."""
    if not raw:
        return None, False, ""
    try:
        number = float(raw.replace(",", "."))
    except ValueError:
        return None, False, f"points “{raw[:40]}” are not a number: imported without points"
    if number != number or not number.is_integer():
        return None, False, f"points {raw[:40]} are not a whole number: imported without points"
    if not 0 <= number <= maximum:
        return None, False, f"points {raw[:40]} are not between 0 and {maximum}: imported without points"
    return int(number), True, ""


@dataclass
class _Context:
    mapping: ImportMapping
    pi_id: int
    features: Mapping[str, Card]
    stories: Mapping[str, Card]
    features_by_title: Mapping[str, list[Card]]
    teams: Mapping[int, str]
    iterations: Mapping[int, Ref]
    story_refusal: Callable[[list[int]], str]
    issue_ids: dict[str, str] = field(default_factory=dict)
    file_features: dict[str, RowPlan] = field(default_factory=dict)
    skipped_features: dict[str, int] = field(default_factory=dict)


def plan_import(
    export: Export,
    mapping: ImportMapping,
    *,
    pi_id: int,
    features: Mapping[str, Card],
    stories: Mapping[str, Card],
    features_by_title: Mapping[str, list[Card]],
    teams: Mapping[int, str],
    iterations: Mapping[int, Ref],
    story_refusal: Callable[[list[int]], str] = lambda teams: "",
) -> Plan:
    """What importing `export` into the PI `pi_id` would do, row by row (features first, so
    that stories find the features of the same file). `features` and `stories` are the train's
    cards by external key; `story_refusal(team_ids)` says why the importer may not change the
    stories of those teams ("" when they may)."""
    ctx = _Context(mapping, pi_id, features, stories, features_by_title, teams, iterations, story_refusal)
    plans: dict[int, RowPlan] = {}
    first: dict[str, int] = {}
    candidates: list[tuple[Row, RowPlan]] = []
    for row in export.rows:
        title, warning = clean_title(row.summary)
        plan = plans.setdefault(row.number, RowPlan(row.number, row.key, row.type, title))
        if warning:
            plan.warnings.append(warning)
        if not row.key:
            plan.skip("no issue key: the import matches items by their Jira key")
        elif row.key in first:
            plan.skip(f"duplicate key: row {first[row.key]} has {row.key} too, and the first row wins")
        else:
            first[row.key] = row.number
            if row.issue_id:
                ctx.issue_ids[row.issue_id] = row.key
            if not title:
                plan.skip("no summary: every item needs a title")
            elif not _classify(row, plan):
                plan.skip(f"unknown issue type “{row.type}”: the import takes {KNOWN_TYPES}")
        if plan.action != SKIP:
            candidates.append((row, plan))
    for row, plan in candidates:
        if plan.target == "feature":
            _plan_feature(ctx, row, plan)
            if plan.action == SKIP:
                ctx.skipped_features[row.key] = row.number
            else:
                ctx.file_features[row.key] = plan
    for row, plan in candidates:
        if plan.target == "story":
            _plan_story(ctx, row, plan)
    return Plan(rows=[plans[row.number] for row in export.rows])


def _classify(row: Row, plan: RowPlan) -> bool:
    kind = norm(row.type)
    if kind in FEATURE_TYPES:
        plan.target, plan.values["kind"] = "feature", FEATURE_TYPES[kind]
    elif kind in DEFECT_TYPES and not (row.parents or row.parent_summary):
        plan.target, plan.values["kind"] = "feature", "defect"
    elif kind in STORY_TYPES or kind in DEFECT_TYPES:
        plan.target = "story"
    else:
        return False
    return True


def _state(ctx: _Context, row: Row, plan: RowPlan) -> str | None:
    if not row.status:
        plan.skip("no status")
        return None
    feature_state, story_state = ctx.mapping.status(row.status)
    state = feature_state if plan.target == "feature" else story_state
    if state is None:
        plan.skip(f"status “{row.status}” is not mapped to a {plan.target} state: choose one in the mapping")
    return state


def _plan_feature(ctx: _Context, row: Row, plan: RowPlan) -> None:
    if row.key in ctx.stories:
        plan.skip(f"{row.key} is a story in Railyard, and the file has it as {row.type}")
        return
    state = _state(ctx, row, plan)
    if state is None:
        return
    values: dict[str, Any] = {"title": plan.title, "kind": plan.values["kind"], "state": state}
    points, given, warning = parse_points(row.points, MAX_FEATURE_POINTS)
    card = ctx.features.get(row.key)
    if warning:
        plan.warnings.append(warning if card is None else warning.replace("imported without", "left its"))
    if given or card is None:
        values["points"] = points
    if row.team:
        team = ctx.mapping.team(row.team)
        if team is None:
            plan.warnings.append(f"team “{row.team}” is not mapped to a team of the train: no owner team")
        else:
            values["team"] = team
    if card is None or card.pi_id is None:
        values["pi"] = ctx.pi_id
    _compare(plan, card, values)


def _plan_story(ctx: _Context, row: Row, plan: RowPlan) -> None:
    if row.key in ctx.features:
        plan.skip(f"{row.key} is a feature in Railyard, and the file has it as {row.type}")
        return
    state = _state(ctx, row, plan)
    if state is None:
        return
    card = ctx.stories.get(row.key)
    values: dict[str, Any] = {"title": plan.title, "state": state}
    points, given, warning = parse_points(row.points, MAX_STORY_POINTS)
    if warning:
        plan.warnings.append(warning if card is None else warning.replace("imported without", "left its"))
    if given or card is None:
        values["points"] = points
    parent_key, parent_team, parent_words = _parent(ctx, row)
    if parent_key:
        values["feature"] = parent_key
    elif parent_words:
        plan.warnings.append(parent_words)
    team = ctx.mapping.team(row.team) if row.team else None
    if row.team and team is None:
        plan.warnings.append(f"team “{row.team}” is not mapped to a team of the train")
    if team is None and parent_team is not None and card is None:
        team = parent_team
        plan.warnings.append(f"takes the team of its feature {parent_key}: {ctx.teams.get(team, team)}")
    if team is not None:
        values["team"] = team
    elif card is None:
        why = "no team" if parent_key else "unknown parent and no team"
        plan.skip(f"{why}: a story needs a team (map the row's team, or give it a feature that has one)")
        return
    iteration = ctx.mapping.sprint(row.sprint) if row.sprint else None
    if row.sprint and iteration is None:
        where = "imported unplanned" if card is None else "left where it is"
        plan.warnings.append(f"sprint “{row.sprint}” is not mapped to an iteration of the PI: {where}")
    ref = ctx.iterations.get(iteration) if iteration is not None else None
    if ref is not None and ref.is_ip and parent_key:
        plan.warnings.append(
            f"{ref.name} is the IP iteration, which carries no planned feature load: unplanned"
        )
        ref = None
    if ref is not None:
        values["iteration"] = ref.id
    teams = sorted({t for t in (card.team_id if card else None, values.get("team")) if t is not None})
    refusal = ctx.story_refusal(teams)
    if refusal:
        plan.skip(refusal)
        return
    _compare(plan, card, values, parent_id=_parent_id(ctx, parent_key))


def _parent(ctx: _Context, row: Row) -> tuple[str, int | None, str]:
    """(the parent feature's key, its team, words when it is not found)."""
    for value in row.parents:
        key = (
            value if value in ctx.file_features or value in ctx.features else ctx.issue_ids.get(value, value)
        )
        if key in ctx.file_features:
            return key, ctx.file_features[key].values.get("team") or _team_of(ctx.features.get(key)), ""
        if key in ctx.features:
            return key, ctx.features[key].team_id, ""
    if row.parent_summary:
        wanted = norm(row.parent_summary)
        in_file = [k for k, p in ctx.file_features.items() if norm(p.title) == wanted]
        if len(in_file) == 1:
            key = in_file[0]
            return key, ctx.file_features[key].values.get("team") or _team_of(ctx.features.get(key)), ""
        in_train = ctx.features_by_title.get(wanted, [])
        if len(in_train) == 1 and in_train[0].key:
            return in_train[0].key, in_train[0].team_id, ""
    named = ", ".join(row.parents) or f"“{row.parent_summary}”"
    if not named or named == "“”":
        return "", None, ""
    skipped = [ctx.skipped_features[k] for k in row.parents if k in ctx.skipped_features]
    if skipped:
        return "", None, f"its feature {named} is skipped (row {skipped[0]}): imported without a feature"
    return "", None, f"its parent {named} is neither in the file nor in the train: imported without a feature"


def _team_of(card: Card | None) -> int | None:
    return card.team_id if card is not None else None


def _parent_id(ctx: _Context, key: str) -> int | None:
    if not key:
        return None
    card = ctx.features.get(key)
    return card.id if card is not None else None


#: The card's attribute each value compares with.
_BEFORE = {
    "title": "title",
    "kind": "feature_kind",
    "state": "state",
    "points": "points",
    "team": "team_id",
    "pi": "pi_id",
    "iteration": "iteration_id",
    "feature": "feature_id",
}


def _compare(plan: RowPlan, card: Card | None, values: dict[str, Any], parent_id: int | None = None) -> None:
    plan.values = values
    if card is None:
        plan.action = CREATE
        return
    plan.card_id, plan.version = card.id, card.version
    for name, value in values.items():
        before = getattr(card, _BEFORE[name])
        after = parent_id if name == "feature" else value
        if name == "feature" and parent_id is None:
            after = f"new {value}"
        if before != after:
            plan.changes[name] = [before, value if name == "feature" else after]
    plan.action = UPDATE if plan.changes else UNCHANGED
