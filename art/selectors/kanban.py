"""The ART Kanban's read (art.rules.kanban): the train's features in columns by state, with the
columns' and team lanes' WIP limits, and aging work against the train's 85th-percentile flow
time. The page, its CSV exports and the API (trains/{id}/kanban/) all read it here, in a fixed
number of queries whatever the number of features."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from art import rules
from art.models import Feature, FeatureTransition, ProgramIncrement, ReleaseTrain, Team
from art.selectors.flow import finished_features, histories

K = rules.kanban
LANE_BY = ("team", "kind", "none")
NO_TEAM = "none"


@dataclass
class KanbanItem:
    id: int
    number: int
    key: str
    title: str
    kind: str
    points: int | None
    state: str
    version: int
    pi_id: int | None
    team_id: int | None
    team_name: str
    team_initials: str
    entered_at: dt.datetime
    days_in_state: float
    flow_started_at: dt.datetime | None
    days_in_flow: float | None
    aging: bool
    #: Set by the page: the columns the viewer may move it to.
    moves: tuple[str, ...] = ()

    @property
    def kind_label(self) -> str:
        return Feature.Kind(self.kind).label

    @property
    def state_label(self) -> str:
        return K.label(self.state)


@dataclass
class KanbanColumn:
    state: str
    items: list[KanbanItem]
    #: What the whole train holds in this state (the WIP limit counts it, whatever the filters).
    train_count: int
    limit: int | None
    policy: str
    #: Done only: features finished before the last 14 days (matching the filters), not shown.
    earlier: int = 0

    @property
    def label(self) -> str:
        return K.label(self.state)

    @property
    def category(self) -> str:
        return K.category(self.state)

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def over_limit(self) -> bool:
        return K.over_limit(self.train_count, self.limit)

    @property
    def at_limit(self) -> bool:
        return self.limit is not None and self.train_count == self.limit


@dataclass
class KanbanLane:
    key: str
    label: str
    team_id: int | None = None
    initials: str = ""
    #: Team lanes: the team's features in flow across the train, and its lane limit.
    in_flow: int = 0
    limit: int | None = None
    cells: dict[str, list[KanbanItem]] = field(default_factory=dict)

    @property
    def over_limit(self) -> bool:
        return K.over_limit(self.in_flow, self.limit)

    @property
    def count(self) -> int:
        return sum(len(items) for items in self.cells.values())


@dataclass
class KanbanBoard:
    train: ReleaseTrain
    columns: list[KanbanColumn]
    lanes: list[KanbanLane]
    lane_by: str
    #: The aging threshold (days) and how many finished features it was worked out from.
    threshold: float | None
    threshold_from: int
    now: dt.datetime
    pi: ProgramIncrement | None = None
    team: Team | None = None
    kind: str = ""
    include_cancelled: bool = False

    @property
    def items(self) -> list[KanbanItem]:
        return [item for column in self.columns for item in column.items]

    @property
    def aging(self) -> list[KanbanItem]:
        """Aging features, longest in flow first (ties: the older key first)."""
        return sorted(
            (item for item in self.items if item.aging),
            key=lambda i: (-(i.days_in_flow or 0), i.number),
        )

    @property
    def over_limit(self) -> list[KanbanColumn]:
        return [column for column in self.columns if column.over_limit]

    @property
    def lanes_over_limit(self) -> list[KanbanLane]:
        return [lane for lane in self.lanes if lane.over_limit]


def _in_flow_since() -> Subquery:
    """The feature's first entry into an in-flow state (rules.flow.first_in_flow_at, in SQL)."""
    return Subquery(
        FeatureTransition.objects.filter(
            feature=OuterRef("pk"), to_state__in=sorted(rules.flow.IN_FLOW_STATES)
        )
        .order_by("at", "id")
        .values("at")[:1]
    )


def _entered_at() -> Subquery:
    """When the feature entered its current state: its latest transition."""
    return Subquery(
        FeatureTransition.objects.filter(feature=OuterRef("pk")).order_by("-at", "-id").values("at")[:1]
    )


def _filtered(
    train: ReleaseTrain, pi: ProgramIncrement | None, team: Team | None, kind: str, include_cancelled: bool
) -> QuerySet[Feature]:
    features = Feature.objects.filter(train=train)
    if pi is not None:
        features = features.filter(pi=pi)
    if team is not None:
        features = features.filter(team=team)
    if kind:
        features = features.filter(kind=kind)
    if not include_cancelled:
        features = features.exclude(state="cancelled")
    return features.annotate(entered_at=_entered_at())


def aging_threshold(*, train: ReleaseTrain, now: dt.datetime | None = None) -> tuple[float | None, int]:
    """The train's aging threshold: the 85th-percentile flow time (rules.flow.flow_times, days)
    of the features finished in the last 12 weeks, and how many there were. Two queries."""
    now = now or timezone.now()
    lo = now - dt.timedelta(weeks=K.AGING_WINDOW_WEEKS)
    items, _ = histories(finished_features(train, lo, now))
    times = rules.flow.flow_times(items, lo, now)
    return K.aging_threshold(times), len(times)


def kanban_board(
    *,
    train: ReleaseTrain,
    pi: ProgramIncrement | None = None,
    team: Team | None = None,
    kind: str = "",
    include_cancelled: bool = False,
    lane_by: str = "none",
    now: dt.datetime | None = None,
) -> KanbanBoard:
    """The board: six queries (features, the done column's earlier count, the train's counts by
    state and team, its teams, and the two of the aging threshold)."""
    now = now or timezone.now()
    cutoff = K.done_cutoff(now)
    features = _filtered(train, pi, team, kind, include_cancelled)
    shown = features.filter(~Q(state="done") | Q(entered_at__gte=cutoff)).annotate(
        flow_since=_in_flow_since()
    )
    rows = shown.order_by("number").values_list(
        "id",
        "number",
        "external_key",
        "title",
        "kind",
        "points",
        "state",
        "version",
        "pi_id",
        "team_id",
        "team__name",
        "team__shown_initials",
        "created_at",
        "entered_at",
        "flow_since",
    )
    earlier = features.filter(state="done", entered_at__lt=cutoff).count()  # type: ignore[misc]
    threshold, threshold_from = aging_threshold(train=train, now=now)

    by_state: dict[str, list[KanbanItem]] = defaultdict(list)
    for (
        fid,
        number,
        ext,
        title,
        kind_,
        points,
        state,
        version,
        pi_id,
        team_id,
        tname,
        tinit,
        created,
        entered,
        since,
    ) in rows:
        entered = entered or created
        in_flow_days = K.elapsed_days(since, now) if state in rules.flow.IN_FLOW_STATES else None
        by_state[state].append(
            KanbanItem(
                id=fid,
                number=number,
                key=rules.keys.card_key(rules.keys.FEATURE, number, ext),
                title=title,
                kind=kind_,
                points=points,
                state=state,
                version=version,
                pi_id=pi_id,
                team_id=team_id,
                team_name=tname or "",
                team_initials=tinit or "",
                entered_at=entered,
                days_in_state=K.elapsed_days(entered, now) or 0.0,
                flow_started_at=since if in_flow_days is not None else None,
                days_in_flow=in_flow_days,
                aging=K.is_aging(state, in_flow_days, threshold),
            )
        )
    for items in by_state.values():  # longest in its state first: what waits shows at the top
        items.sort(key=lambda i: (i.entered_at, i.number))

    state_counts: dict[str, int] = defaultdict(int)
    lane_in_flow: dict[int | None, int] = defaultdict(int)
    for state, team_id, n in (
        Feature.objects.filter(train=train).values_list("state", "team_id").annotate(n=Count("id")).order_by()
    ):
        state_counts[state] += n
        if state in rules.flow.IN_FLOW_STATES:
            lane_in_flow[team_id] += n

    limits = train.wip_limits or {}
    policies = train.kanban_policies or {}
    states = [s for s in K.COLUMNS if include_cancelled or s not in K.HIDDEN_BY_DEFAULT]
    columns = [
        KanbanColumn(
            state=s,
            items=by_state.get(s, []),
            train_count=state_counts.get(s, 0),
            limit=limits.get(s),
            policy=policies.get(s, ""),
            earlier=earlier if s == "done" else 0,
        )
        for s in states
    ]
    board = KanbanBoard(
        train=train,
        columns=columns,
        lanes=[],
        lane_by=lane_by if lane_by in LANE_BY else "none",
        threshold=threshold,
        threshold_from=threshold_from,
        now=now,
        pi=pi,
        team=team,
        kind=kind,
        include_cancelled=include_cancelled,
    )
    board.lanes = _lanes(board, lane_in_flow)
    return board


def _lanes(board: KanbanBoard, lane_in_flow: dict[int | None, int]) -> list[KanbanLane]:
    items = board.items
    if board.lane_by == "kind":
        lanes = [KanbanLane(key=value, label=label) for value, label in Feature.Kind.choices]
        key_of: Any = lambda item: item.kind  # noqa: E731
    elif board.lane_by == "team":
        teams = Team.objects.filter(train=board.train).order_by("name")
        if board.team is not None:
            teams = teams.filter(pk=board.team.pk)
        lanes = [
            KanbanLane(
                key=str(t.pk),
                label=t.name,
                team_id=t.pk,
                initials=t.initials,
                in_flow=lane_in_flow.get(t.pk, 0),
                limit=t.wip_limit,
            )
            for t in teams
        ]
        if any(item.team_id is None for item in items):
            lanes.append(KanbanLane(key=NO_TEAM, label="No team", in_flow=lane_in_flow.get(None, 0)))
        key_of = lambda item: str(item.team_id) if item.team_id is not None else NO_TEAM  # noqa: E731
    else:
        lanes = [KanbanLane(key="all", label="All features")]
        key_of = lambda item: "all"  # noqa: E731
    by_key = {lane.key: lane for lane in lanes}
    for lane in lanes:
        lane.cells = {column.state: [] for column in board.columns}
    for column in board.columns:
        for item in column.items:
            target = by_key.get(key_of(item))
            if target is not None:
                target.cells[column.state].append(item)
    if board.lane_by == "team":  # a team with nothing on the board and no limit adds only a gap
        lanes = [lane for lane in lanes if lane.count or lane.limit is not None]
    return lanes
