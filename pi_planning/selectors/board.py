"""The planning board of one PI as data: team rows × iteration cells with their feature and
story cards, capacity and load, milestones, dependencies with health (and where to draw them),
the ranked backlog and the changes since the committed baseline.

One function, `pi_board_data`, feeds the page, each of its fragments, the API, the CSV and the
print layout. It costs a fixed number of queries whatever the number of teams and cards; the
rules it applies live in pi_planning.rules (and art.selectors.FEATURE_RANK_ORDER).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, cast

from django.db.models import Q
from django.utils import timezone

from art import freshness, rules
from art.models import Feature, Iteration, Milestone, ProgramIncrement, Story, Team
from art.selectors import FEATURE_RANK_ORDER
from art.selectors.rows import objects_from_rows
from pi_planning.models import PlanBaseline
from pi_planning.selectors.backlog import BacklogSection, backlog_sections
from pi_planning.selectors.capacity import NORMALIZED, VELOCITY, CapacityCell, capacity_inputs
from pi_planning.selectors.card_deps import HEALTH_ORDER, HEALTH_TONES, CardDeps
from pi_planning.selectors.dependencies import board_dependencies

STATUS_TONES = {"ok": "healthy", "no_slack": "risk", "overloaded": "conflict"}
STATUS_ICONS = {"ok": "✓", "no_slack": "⚠", "overloaded": "✕"}
CHANGE_LABELS = {"moved": "Moved", "added": "Added", "removed": "Removed"}

if TYPE_CHECKING:
    from pi_planning.selectors.dependencies import DependencyWithHealth

    # The cards as pi_board_data() returns them. For type checking only: these classes do not
    # exist at runtime, the attributes are set on the model instances.

    class BoardFeature(Feature):
        rank: int
        ref: str
        dom_id: str
        deps: CardDeps
        change: str | None
        placement: str
        team_obj: Team | None
        on_board: bool

    class BoardStory(Story):
        ref: str
        dom_id: str
        late_for: list[str]
        change: str | None
        team_obj: Team | None
        parent: Feature | None

    class BoardDependency(DependencyWithHealth):
        tone: str


def feature_dom_id(feature_id: int) -> str:
    return f"card-feature-{feature_id}"


def story_dom_id(story_id: int) -> str:
    return f"card-story-{story_id}"


def team_dom_id(team_id: int) -> str:
    return f"team-{team_id}"


@dataclass
class BoardCell:
    team: Team
    iteration: Iteration
    capacity: CapacityCell
    features: list[BoardFeature] = field(default_factory=list)
    stories: list[BoardStory] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"cell-{self.team.pk}-{self.iteration.pk}"

    @property
    def empty(self) -> bool:
        """No capacity and no load (nobody delivering, nothing placed): not "✓ OK", nothing."""
        return self.capacity.empty

    @property
    def tone(self) -> str:
        return "neutral" if self.empty else STATUS_TONES[self.capacity.status]

    @property
    def status_icon(self) -> str:
        return "–" if self.empty else STATUS_ICONS[self.capacity.status]

    @property
    def status_label(self) -> str:
        return "No capacity" if self.empty else self.capacity.load.label


@dataclass
class TeamRow:
    team: Team
    cells: list[BoardCell]
    unplaced_stories: list[BoardStory] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"team-row-{self.team.pk}"

    @property
    def head_id(self) -> str:
        return team_dom_id(self.team.pk)

    @property
    def story_count(self) -> int:
        return sum(len(c.stories) for c in self.cells) + len(self.unplaced_stories)

    @property
    def feature_count(self) -> int:
        return sum(len(c.features) for c in self.cells)

    @property
    def no_people(self) -> bool:
        """Nobody of the team delivers in any iteration: its capacity is 0 everywhere."""
        return all(c.capacity.members == 0 for c in self.cells)

    @property
    def worst_tone(self) -> str:
        work = [c for c in self.cells if not c.iteration.is_ip]
        if work and all(c.empty for c in work):
            return "neutral"
        statuses = {c.capacity.status for c in work}
        for status in ("overloaded", "no_slack"):
            if status in statuses:
                return STATUS_TONES[status]
        return "healthy"


@dataclass
class MilestoneCell:
    iteration: Iteration
    milestones: list[Milestone]


@dataclass(frozen=True)
class DependencyLine:
    """Where a dependency's string goes: from the providing card (or team) to the requesting
    card (or team). `target` is None for an external provider."""

    id: int
    key: str
    health: str
    label: str
    icon: str
    reason: str
    source: str | None  # provider card or team head DOM id
    target: str  # requester card or team head DOM id
    source_team: int | None
    target_team: int
    external: str
    hidden_conflict: bool
    done: bool

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "key": self.key,
            "health": self.health,
            "label": self.label,
            "icon": self.icon,
            "reason": self.reason,
            "from": self.source,
            "to": self.target,
            "fromTeam": team_dom_id(self.source_team) if self.source_team else None,
            "toTeam": team_dom_id(self.target_team),
            "external": self.external,
            "hidden": self.hidden_conflict,
            "done": self.done,
        }


@dataclass
class BoardData:
    pi: ProgramIncrement
    iterations: list[Iteration]
    teams: list[Team]
    rows: list[TeamRow]
    milestone_cells: list[MilestoneCell]
    features: list[BoardFeature]  # the PI's features, ranked
    stories: list[BoardStory]  # the PI's stories (placed in its iterations, or under its features)
    backlog: list[BoardFeature]  # the PI's features and the train's unplanned ones, ranked
    dependencies: list[BoardDependency]  # with .health, .age_days, .aging, .tone
    feature_by_id: dict[int, BoardFeature]  # the backlog's features (ranked) by id
    baseline: PlanBaseline | None
    changes: list[rules.baselines.PlanChange]
    basis: str
    health_counts: dict[str, int]
    team_by_id: dict[int, Team]
    iteration_by_id: dict[int, Iteration]
    #: What readers worked out from the board once for all (the API's answer per time zone):
    #: kept as long as the board is (art.freshness).
    derived: dict[tuple, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def closed(self) -> bool:
        """A closed PI's plan is history: its board moves nothing."""
        return self.pi.state == ProgramIncrement.State.CLOSED

    def row(self, team_id: int) -> TeamRow | None:
        return next((r for r in self.rows if r.team.pk == team_id), None)

    def cell(self, team_id: int, iteration_id: int) -> BoardCell | None:
        row = self.row(team_id)
        if row is None:
            return None
        return next((c for c in row.cells if c.iteration.pk == iteration_id), None)

    def card(self, kind: str, card_id: int) -> BoardFeature | BoardStory | None:
        cards: Iterable[BoardFeature | BoardStory] = self.backlog if kind == "feature" else self.stories
        return next((c for c in cards if c.pk == card_id), None)

    @cached_property
    def backlog_sections(self) -> list[BacklogSection]:
        """The sections other apps add below the ranked backlog (selectors.backlog), loaded only
        when the backlog panel renders: a fixed number of queries per registered section."""
        return backlog_sections(self.pi)

    @cached_property
    def lines(self) -> list[DependencyLine]:
        """Where each dependency's string goes (dependency_lines): worked out when the page
        asks for them, not for the API."""
        return dependency_lines(self.dependencies, self.feature_by_id)

    @property
    def capacity_cells(self) -> list[CapacityCell]:
        return [cell.capacity for row in self.rows for cell in row.cells]

    @property
    def open_dependencies(self) -> list[BoardDependency]:
        return [d for d in self.dependencies if d.health.code != rules.dependencies.DONE]

    @property
    def change_counts(self) -> dict[str, int]:
        counts = {"moved": 0, "added": 0, "removed": 0}
        for change in self.changes:
            counts[change.change] += 1
        return counts


#: Features in these states are history: the backlog offers them to no board (pi_board_data).
FINISHED_FEATURE_STATES = (Feature.State.DONE, Feature.State.CANCELLED)
#: A feature's columns no part of the board (page, fragments, API, CSV, print) reads: not loaded.
BOARD_FEATURE_UNUSED = ("description", "found_after_release", "created_at", "updated_at")


#: The columns of a feature the board reads (all but BOARD_FEATURE_UNUSED).
_BOARD_FEATURE_COLUMNS = tuple(
    f.attname for f in Feature._meta.concrete_fields if f.name not in BOARD_FEATURE_UNUSED
)


def _placement_label(iteration_by_id: dict[int, Iteration], iteration_id: int | None) -> str:
    iteration = iteration_by_id.get(iteration_id) if iteration_id else None
    return iteration.name if iteration else "Not planned"


#: A story's columns the board reads.
_BOARD_STORY_COLUMNS = (
    "id",
    "number",
    "external_key",
    "title",
    "points",
    "state",
    "team_id",
    "iteration_id",
    "feature_id",
    "version",
    "train_id",
)
#: What the board shows of a story's feature that is not one of its own (of another PI, or
#: finished): its key and title.
_PARENT_COLUMNS = ("id", "number", "external_key", "title")


def _pi_stories(iteration_ids: list[int], feature_ids: list[int]) -> Q:
    """The PI's stories: placed in one of its iterations, or not placed and under one of its
    features, by the ids the board has read. Lists of ids let the database read both from the
    story's indexes (subqueries in an OR made it scan the train's whole history, and an OR
    across two LEFT JOINs joined it first)."""
    return Q(iteration_id__in=iteration_ids) | Q(iteration__isnull=True, feature_id__in=feature_ids)


def _other_parents(stories: list[BoardStory], features: dict[int, BoardFeature]) -> dict[int, Feature]:
    """The stories' features that are not the board's own (of another PI, or finished), each
    built once with only its key and title: one query, and only when there are any."""
    wanted = {s.feature_id for s in stories if s.feature_id and s.feature_id not in features}
    if not wanted:
        return {}
    rows = Feature.objects.filter(id__in=wanted).values_list(*_PARENT_COLUMNS)
    return {f.pk: f for f in objects_from_rows(Feature, _PARENT_COLUMNS, rows, rows.db)}


def pi_board_data(
    *,
    pi: ProgramIncrement,
    basis: str = NORMALIZED,
    today: dt.date | None = None,
    velocity: bool = True,
) -> BoardData:
    """Everything the board shows for `pi` (see build_board_data), remembered while its train does
    not change (art.freshness): the page, its fragments, the live updates of every open page
    and the API read one board, built once per change. Read only: the same BoardData serves
    every request of the process until the train changes, the day ends or a dependency's age
    moves on. With `today` given it is built afresh (and not kept)."""
    velocity = velocity or basis == VELOCITY

    def build() -> tuple[BoardData, dt.datetime | None]:
        now = timezone.now()
        board = build_board_data(pi=pi, basis=basis, today=today, velocity=velocity, now=now)
        changes = [d.age_changes_at for d in board.dependencies if d.age_changes_at is not None]
        return board, min(changes, default=None)

    if today is not None:
        return build()[0]
    key = ("planning-board", pi.pk, basis, velocity, timezone.localdate())
    return freshness.remembered(pi.train_id, key, build)


def build_board_data(
    *,
    pi: ProgramIncrement,
    basis: str = NORMALIZED,
    today: dt.date | None = None,
    velocity: bool = True,
    now: dt.datetime | None = None,
) -> BoardData:
    """Everything the board shows for `pi`, read now. Queries: teams, iterations, milestones,
    features (ranked), stories (and any other PI's features they are under), five to seven for
    capacity, two for dependencies (and one per kind of relation of theirs outside the PI, if
    any), one for the baseline; none per team, card or dependency. Without `velocity` the
    teams' measured velocity is not read: the page on the normalized basis shows none (the API
    shows it on every cell, the velocity basis plans with it). Dependencies' ages are counted
    at `now` (the current time by default)."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    iterations = list(Iteration.objects.filter(pi=pi).order_by("number"))
    milestones = list(Milestone.objects.filter(pi=pi).order_by("date", "name"))
    team_by_id = {t.pk: t for t in teams}
    iteration_by_id = {i.pk: i for i in iterations}

    # Features: the PI's and the train's unplanned backlog, in WSJF order (one query).
    # Model objects made from plain rows (art.selectors.rows): hundreds of cards.
    feature_rows = (
        Feature.objects.filter(train_id=pi.train_id)
        .filter(Q(pi=pi) | Q(pi__isnull=True))
        .exclude(Q(pi__isnull=True) & Q(state__in=FINISHED_FEATURE_STATES))
        .order_by(*FEATURE_RANK_ORDER)
        .values_list(*_BOARD_FEATURE_COLUMNS)
    )
    ranked = cast(
        "list[BoardFeature]",
        objects_from_rows(Feature, _BOARD_FEATURE_COLUMNS, feature_rows, feature_rows.db),
    )
    features = [f for f in ranked if f.pi_id == pi.pk]
    feature_by_id = {f.pk: f for f in ranked}
    story_rows = Story.objects.filter(
        _pi_stories(list(iteration_by_id), [f.pk for f in features])
    ).values_list(*_BOARD_STORY_COLUMNS)
    stories = cast(
        "list[BoardStory]", objects_from_rows(Story, _BOARD_STORY_COLUMNS, story_rows, story_rows.db)
    )
    # By iteration (the unplaced last), feature (those without one last), id.
    stories.sort(
        key=lambda s: (
            s.iteration_id is None,
            iteration_by_id[s.iteration_id].number if s.iteration_id is not None else 0,
            s.feature_id is None,
            s.feature_id or 0,
            s.pk,
        )
    )
    other_parents = _other_parents(stories, feature_by_id)

    capacity = capacity_inputs(
        pi=pi,
        team_ids=list(team_by_id),
        iterations=iterations,
        today=today,
        velocity=velocity or basis == VELOCITY,
    )
    dependencies = cast(
        "list[BoardDependency]",
        board_dependencies(
            pi=pi, teams=team_by_id, iterations=iteration_by_id, features=feature_by_id, now=now
        ),
    )
    baseline = (
        PlanBaseline.objects.filter(pi=pi)
        .select_related("committed_by")
        .order_by("-committed_at", "-id")
        .first()
    )

    # Dependency badges per card and the stories a hidden conflict names.
    deps_by_feature: dict[int, CardDeps] = defaultdict(CardDeps)
    late_story_keys: dict[str, list[str]] = defaultdict(list)
    health_counts = {code: 0 for code in HEALTH_ORDER}
    for dep in dependencies:
        dep.tone = HEALTH_TONES[dep.health.code]
        health_counts[dep.health.code] += 1
        if dep.health.code == rules.dependencies.DONE:
            continue
        if dep.feature_id:
            deps_by_feature[dep.feature_id].add(dep, "requester")
        if dep.provider_feature_id:
            deps_by_feature[dep.provider_feature_id].add(dep, "provider")
        for key in dep.health.late_stories:
            late_story_keys[key].append(dep.key)

    # Changes since the committed plan, from what is loaded (the same shape as plan_snapshot).
    changes: list[rules.baselines.PlanChange] = []
    change_of: dict[tuple[str, int], str] = {}
    if baseline is not None:
        current = {
            "features": {str(f.pk): {"team": f.team_id, "iteration": f.iteration_id} for f in features},
            "stories": {
                str(s.pk): {"team": s.team_id, "iteration": s.iteration_id}
                for s in stories
                if s.iteration_id in iteration_by_id
            },
        }
        changes = rules.baselines.plan_changes(baseline.snapshot, current)
        for change in changes:
            change_of[(change.kind, change.id)] = change.change

    for rank, feature in enumerate(ranked, start=1):
        feature.rank = rank
        feature.ref, feature.dom_id = f"feature-{feature.pk}", feature_dom_id(feature.pk)
        feature.deps = deps_by_feature.get(feature.pk) or CardDeps()
        feature.change = change_of.get(("feature", feature.pk))
        feature.placement = _placement_label(iteration_by_id, feature.iteration_id)
        feature.team_obj = team_by_id.get(feature.team_id) if feature.team_id else None
        feature.on_board = bool(
            feature.pi_id == pi.pk
            and feature.team_id in team_by_id
            and feature.iteration_id in iteration_by_id
        )
    for story in stories:
        story.ref, story.dom_id = f"story-{story.pk}", story_dom_id(story.pk)
        story.late_for = late_story_keys.get(story.key, [])
        story.change = change_of.get(("story", story.pk))
        story.team_obj = team_by_id.get(story.team_id)
        story.parent = (
            (feature_by_id.get(story.feature_id) or other_parents[story.feature_id])
            if story.feature_id
            else None
        )
        if story.parent is not None:
            story._state.fields_cache["feature"] = story.parent

    cells: dict[tuple[int, int], BoardCell] = {
        (team.pk, it.pk): BoardCell(team=team, iteration=it, capacity=capacity.cell(team.pk, it, basis))
        for team in teams
        for it in iterations
    }
    for feature in features:
        if feature.on_board and feature.team_id is not None and feature.iteration_id is not None:
            cells[(feature.team_id, feature.iteration_id)].features.append(feature)
    unplaced: dict[int, list[BoardStory]] = defaultdict(list)
    for story in stories:
        if story.iteration_id in iteration_by_id and story.team_id in team_by_id:
            cells[(story.team_id, story.iteration_id)].stories.append(story)
        elif story.iteration_id is None and story.team_id in team_by_id:
            unplaced[story.team_id].append(story)
    rows = [
        TeamRow(
            team=team,
            cells=[cells[(team.pk, it.pk)] for it in iterations],
            unplaced_stories=unplaced.get(team.pk, []),
        )
        for team in teams
    ]
    milestone_cells = [
        MilestoneCell(it, [m for m in milestones if it.start_date <= m.date <= it.end_date])
        for it in iterations
    ]

    return BoardData(
        pi=pi,
        iterations=iterations,
        teams=teams,
        rows=rows,
        milestone_cells=milestone_cells,
        features=features,
        stories=stories,
        backlog=ranked,
        dependencies=dependencies,
        feature_by_id=feature_by_id,
        baseline=baseline,
        changes=changes,
        basis=basis,
        health_counts=health_counts,
        team_by_id=team_by_id,
        iteration_by_id=iteration_by_id,
    )


def dependency_lines(
    dependencies: Iterable[BoardDependency], feature_by_id: dict[int, BoardFeature]
) -> list[DependencyLine]:
    """Each dependency's string: from the providing card (its team's head when the card is not
    on the board, nothing for an external provider) to the requesting card (or team)."""
    lines = []
    for dep in dependencies:
        requester = dep.feature_id and feature_by_id.get(dep.feature_id)
        provider = dep.provider_feature_id and feature_by_id.get(dep.provider_feature_id)
        target = (
            feature_dom_id(requester.pk)
            if requester and requester.on_board
            else team_dom_id(dep.requester_team_id)
        )
        if not dep.provider_team_id:  # an external provider (dep.is_external)
            source = None
        elif provider and provider.on_board:
            source = feature_dom_id(provider.pk)
        else:
            source = team_dom_id(dep.provider_team_id)
        lines.append(
            DependencyLine(
                id=dep.pk,
                key=dep.key,
                health=dep.health.code,
                label=dep.health.label,
                icon=dep.health.icon,
                reason=f"{dep.key} · {dep.requester_team.name} needs {dep.title or 'it'} from "
                f"{dep.provider_name} by {dep.needed_by.name}. {dep.health.label}: {dep.health.reason}",
                source=source,
                target=target,
                source_team=dep.provider_team_id,
                target_team=dep.requester_team_id,
                external=dep.external_provider,
                hidden_conflict=dep.health.hidden_conflict,
                done=dep.health.code == rules.dependencies.DONE,
            )
        )
    return lines
