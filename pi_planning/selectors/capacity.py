"""Capacity and load per team and iteration, in a bounded number of queries.

The rules (normalized points, absences, public holidays, load thresholds, measured velocity)
live in pi_planning.rules; this module only loads their inputs set-based (members, absence
days, holidays, points placed and points done, each summed in SQL) and hands them over. The
board, the capacity page, the API and the exports all read capacity from here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from art import rules
from art.models import Absence, Iteration, ProgramIncrement, Story, Team, TeamMember
from art.selectors.rows import objects_from_rows
from pi_planning.models import Holiday

if TYPE_CHECKING:
    from django.forms import BoundField

    from pi_planning.forms.capacity import MemberCapacityForm

NORMALIZED, VELOCITY = "normalized", "velocity"
ZERO = Decimal(0)
BASES = (NORMALIZED, VELOCITY)
BASIS_LABELS = {NORMALIZED: "Normalized points", VELOCITY: "Measured velocity"}
#: The load statuses of pi_planning.rules.load_status, as choices (the API's enum).
LOAD_STATUSES = [("ok", "OK"), ("no_slack", "No slack"), ("overloaded", "Overloaded")]
TENTH = Decimal("0.1")


def pct_label(pct: Decimal | None) -> str:
    """A load % as the pages write it (the board, the capacity page, the print layout): at most
    one decimal, none when it is zero ("85 %" for 85.0, "85.1 %" for 85.06; ui.md). A figure
    above a threshold of the load rule never reads as the threshold itself: 85.04 % (no slack)
    is written "85.1 %", not "85 %", which is what an OK team at exactly 85 % shows. Empty when
    there is no capacity (no percentage)."""
    if pct is None:
        return ""
    value = pct.quantize(TENTH, rounding=ROUND_HALF_UP)
    for threshold in (rules.capacity.NO_SLACK_ABOVE, rules.capacity.OVERLOADED_ABOVE):
        if pct > threshold and value <= threshold:
            value = threshold + TENTH
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}\u00a0%"


@dataclass(frozen=True)
class VelocityHistory:
    """Points done by a team in its finished development iterations, oldest first: its latest
    ones, at least the 3 the mean takes, or all when it has fewer (velocity_histories)."""

    team_id: int
    iterations: tuple[tuple[str, Decimal], ...]  # (iteration name, points done)

    @cached_property
    def value(self) -> Decimal | None:
        """Worked out once: every cell of the team's row asks for it."""
        return rules.capacity.measured_velocity([points for _, points in self.iterations])

    @property
    def used(self) -> tuple[tuple[str, Decimal], ...]:
        """The iterations the mean is taken over (the last 3)."""
        return self.iterations[-rules.capacity.VELOCITY_ITERATIONS :] if self.value is not None else ()


@dataclass(frozen=True)
class CapacityCell:
    """One team in one iteration: capacity (on the chosen basis), load and its status."""

    team_id: int
    iteration_id: int
    normalized: Decimal
    velocity: Decimal | None
    basis: str  # the basis actually used: velocity only where the team has one
    load: rules.capacity.Load
    members: int  # delivering members
    holiday_days: int
    absence_days: Decimal  # absence days of delivering members, holidays excluded

    @property
    def capacity(self) -> Decimal:
        return self.load.capacity

    @property
    def points(self) -> Decimal:
        return self.load.load

    @property
    def status(self) -> str:
        return self.load.status

    @property
    def pct(self) -> Decimal | None:
        return self.load.pct

    @property
    def pct_label(self) -> str:
        """The load % with at most one decimal, as every page shows it (see pct_label)."""
        return pct_label(self.load.pct)

    @property
    def empty(self) -> bool:
        """No capacity and no load: a team without delivering people and without work here."""
        return self.load.capacity <= 0 and self.load.load <= 0

    @property
    def tone(self) -> str:
        return {"ok": "healthy", "no_slack": "risk", "overloaded": "conflict"}[self.load.status]

    @property
    def icon(self) -> str:
        return {"ok": "✓", "no_slack": "⚠", "overloaded": "✕"}[self.load.status]

    @property
    def bar_pct(self) -> int:
        """Width of the load bar, capped at 100 (the figure itself is never capped)."""
        if self.load.pct is None:
            return 100 if self.load.load > 0 else 0
        return int(min(Decimal(100), self.load.pct))


@dataclass
class CapacityInputs:
    """What the capacity rules need for some teams in one PI, loaded in five or six queries."""

    iterations: list[Iteration]
    members: dict[int, list[TeamMember]]  # team id -> members
    absences: dict[tuple[int, int], Decimal]  # (member id, iteration id) -> days
    holidays: list[dt.date]
    loads: dict[tuple[int, int], Decimal]  # (team id, iteration id) -> points placed
    velocity: dict[int, VelocityHistory] = field(default_factory=dict)
    _memo: dict[Any, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def holiday_days(self, iteration: Iteration) -> int:
        return rules.capacity.holiday_days(self.holidays, iteration.start_date, iteration.end_date)

    def member_inputs(self, team_id: int, iteration: Iteration) -> list[rules.capacity.MemberInput]:
        holidays = Decimal(self.holiday_days(iteration))
        return [
            rules.capacity.MemberInput(
                fte=member.fte,
                delivering=member.delivering,
                absence_days=self.absences.get((member.pk, iteration.pk), Decimal(0)) + holidays,
            )
            for member in self.members.get(team_id, ())
        ]

    def cell(self, team_id: int, iteration: Iteration, basis: str = NORMALIZED) -> CapacityCell:
        holiday_days = self._holiday_days(iteration)
        delivering = self._delivering(team_id)
        absences = tuple(self.absences.get((m.pk, iteration.pk), ZERO) for m in delivering)
        normalized = self._normalized(team_id, iteration.workdays, holiday_days, absences)
        history = self.velocity.get(team_id)
        velocity = history.value if history else None
        used = VELOCITY if basis == VELOCITY and velocity is not None else NORMALIZED
        capacity = velocity if used == VELOCITY and velocity is not None else normalized
        return CapacityCell(
            team_id=team_id,
            iteration_id=iteration.pk,
            normalized=normalized,
            velocity=velocity,
            basis=used,
            load=rules.capacity.load_status(self.loads.get((team_id, iteration.pk), ZERO), capacity),
            members=len(delivering),
            holiday_days=holiday_days,
            absence_days=sum(absences, ZERO),
        )

    # A board asks for a cell per team and iteration: what cells share is worked out once.

    def _holiday_days(self, iteration: Iteration) -> int:
        key = (iteration.start_date, iteration.end_date)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self.holiday_days(iteration)
        return found

    def _delivering(self, team_id: int) -> list[TeamMember]:
        key = ("delivering", team_id)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = [m for m in self.members.get(team_id, ()) if m.delivering]
        return found

    def _normalized(
        self, team_id: int, workdays: int, holiday_days: int, absences: tuple[Decimal, ...]
    ) -> Decimal:
        """rules.capacity.team_capacity of the team's delivering members (the members who do
        not deliver count for nothing), once per workdays, holidays and absences."""
        key = ("normalized", team_id, workdays, holiday_days, absences)
        found = self._memo.get(key)
        if found is None:
            holidays = Decimal(holiday_days)
            found = self._memo[key] = rules.capacity.team_capacity(
                [
                    rules.capacity.MemberInput(fte=m.fte, delivering=True, absence_days=absence + holidays)
                    for m, absence in zip(self._delivering(team_id), absences, strict=True)
                ],
                workdays,
            )
        return found


def capacity_inputs(
    *,
    pi: ProgramIncrement,
    team_ids: Iterable[int],
    iterations: Sequence[Iteration] | None = None,
    today: dt.date | None = None,
    velocity: bool = True,
) -> CapacityInputs:
    """Load every input of the capacity rules for `team_ids` in `pi`: iterations (unless
    given), members, absence days, holidays, points placed (summed per team and iteration in
    SQL) and the teams' done points per finished iteration (for measured velocity). Without
    `velocity` the last is not read (one query fewer; no team then has a measured velocity):
    for a caller that shows capacity on the normalized basis only."""
    team_ids = list(team_ids)
    if iterations is None:
        iterations = list(Iteration.objects.filter(pi=pi).order_by("number"))
    members: dict[int, list[TeamMember]] = defaultdict(list)
    member_columns = ("id", "team_id", "fte", "delivering")
    member_rows = TeamMember.objects.filter(team_id__in=team_ids).values_list(*member_columns)
    for member in objects_from_rows(TeamMember, member_columns, member_rows, member_rows.db):
        members[member.team_id].append(member)
    absences = {
        (row["member_id"], row["iteration_id"]): row["total"]
        for row in Absence.objects.filter(iteration__pi=pi, member__team_id__in=team_ids)
        .values("member_id", "iteration_id")
        .annotate(total=Sum("days"))
    }
    holidays = list(
        Holiday.objects.filter(train_id=pi.train_id, date__range=(pi.start_date, pi.end_date)).values_list(
            "date", flat=True
        )
    )
    loads = placed_loads(pi=pi, team_ids=team_ids)
    return CapacityInputs(
        iterations=list(iterations),
        members=dict(members),
        absences=absences,
        holidays=holidays,
        loads=loads,
        velocity=velocity_histories(train_id=pi.train_id, team_ids=team_ids, today=today) if velocity else {},
    )


def placed_loads(
    *, pi: ProgramIncrement, team_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], Decimal]:
    """Load per (team, iteration) of the PI now: the points of the team's stories placed in the
    iteration (art.rules.capacity.placed_load, summed in SQL), for `team_ids` or every team.
    One query."""
    stories = Story.objects.filter(iteration__pi=pi)
    if team_ids is not None:
        stories = stories.filter(team_id__in=list(team_ids))
    return {
        (row["team_id"], row["iteration_id"]): Decimal(row["points"])
        for row in stories.values("team_id", "iteration_id").annotate(points=Coalesce(Sum("points"), 0))
    }


#: How many of the train's latest finished development iterations velocity_histories reads
#: first: a team with its 3 in them (rules.capacity.VELOCITY_ITERATIONS) is measured from them
#: alone; the others from their whole history (a second query, only when there are any).
VELOCITY_WINDOW = 6


def velocity_histories(
    *, train_id: int, team_ids: Iterable[int], today: dt.date | None = None, recent: bool = True
) -> dict[int, VelocityHistory]:
    """Each team's points done per finished development iteration (ended before today) in
    which it had stories placed, oldest first, summed in SQL.

    With `recent` (the default) a history holds the team's iterations among the train's
    VELOCITY_WINDOW latest finished ones when it has at least the 3 the mean takes there, and
    its whole history otherwise: the same value and `used` as the whole history (those 3 are
    the team's latest), read from a few iterations' stories instead of the train's history.
    One query, and one more for the teams with fewer than 3 in the window (only if any).
    Without `recent`, every team's whole history in one query."""
    today = today or timezone.localdate()
    team_ids = list(team_ids)
    finished = Iteration.objects.filter(pi__train_id=train_id, end_date__lt=today, is_ip=False)
    if not recent:
        return _velocity_of(team_ids, finished.values("id"))
    window = finished.order_by("-end_date", "-id").values("id")[:VELOCITY_WINDOW]
    histories = _velocity_of(team_ids, window)
    short = [
        t
        for t in team_ids
        if t not in histories or len(histories[t].iterations) < rules.capacity.VELOCITY_ITERATIONS
    ]
    if short:
        histories.update(_velocity_of(short, finished.values("id")))
    return histories


def _velocity_of(team_ids: list[int], iteration_ids: QuerySet[Iteration, Any]) -> dict[int, VelocityHistory]:
    """The teams' histories over the iterations `iteration_ids` (a subquery of ids): one query.

    The stories are grouped by (team, iteration) ids alone, so the database hashes two integers
    per story instead of sorting them by names; the iteration's and its PI's names and end date
    are the same on every row of a group (MAX of one value), and the few groups are put in
    order here."""
    rows = (
        Story.objects.filter(team_id__in=team_ids, iteration_id__in=iteration_ids)
        .values("team_id", "iteration_id")
        .annotate(
            done=Coalesce(Sum("points", filter=Q(state=Story.State.DONE)), 0),
            name=Max("iteration__name"),
            pi_name=Max("iteration__pi__name"),
            end_date=Max("iteration__end_date"),
        )
        .order_by()
    )
    by_team: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for row in sorted(rows, key=lambda r: (r["team_id"], r["end_date"], r["iteration_id"])):
        by_team[row["team_id"]].append((f"{row['pi_name']} · {row['name']}", Decimal(row["done"])))
    return {team_id: VelocityHistory(team_id, tuple(items)) for team_id, items in by_team.items()}


def pi_capacity(
    *,
    pi: ProgramIncrement,
    teams: Sequence[Team] | None = None,
    iterations: Sequence[Iteration] | None = None,
    basis: str = NORMALIZED,
    today: dt.date | None = None,
) -> dict[tuple[int, int], CapacityCell]:
    """Capacity, load and status of every team of the PI's train in every iteration of the PI,
    keyed by (team id, iteration id). Six queries whatever the number of teams and stories
    (five more than the iterations and teams, when these are given)."""
    if teams is None:
        teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    inputs = capacity_inputs(pi=pi, team_ids=[t.pk for t in teams], iterations=iterations, today=today)
    return {
        (team.pk, iteration.pk): inputs.cell(team.pk, iteration, basis)
        for team in teams
        for iteration in inputs.iterations
    }


# --- the team capacity page -----------------------------------------------------------------


@dataclass(frozen=True)
class MemberIteration:
    iteration: Iteration
    absence_days: Decimal
    capacity: Decimal


@dataclass
class MemberRow:
    member: TeamMember
    iterations: list[MemberIteration]
    # The capacity page's form for the row, set by views.board._capacity_context.
    form: MemberCapacityForm | None = None
    form_id: str = ""
    cells: list[tuple[MemberIteration, BoundField]] = field(default_factory=list)

    @property
    def counts(self) -> bool:
        return self.member.delivering


@dataclass(frozen=True)
class TeamCapacity:
    team: Team
    pi: ProgramIncrement
    iterations: list[Iteration]
    members: list[MemberRow]
    cells: list[CapacityCell]  # one per iteration, in order
    holidays: list[Holiday]
    velocity: VelocityHistory | None
    basis: str

    @property
    def total_capacity(self) -> Decimal:
        return sum((c.capacity for c in self.cells), Decimal(0))

    @property
    def total_load(self) -> Decimal:
        return sum((c.points for c in self.cells), Decimal(0))


def team_capacity_table(
    *, team: Team, pi: ProgramIncrement, basis: str = NORMALIZED, today: dt.date | None = None
) -> TeamCapacity:
    """The capacity page of one team in one PI: each member's capacity per iteration (with
    absences and public holidays), the team's capacity, load and status per iteration, and its
    measured velocity once it has 3 finished iterations."""
    iterations = list(Iteration.objects.filter(pi=pi).order_by("number"))
    inputs = capacity_inputs(pi=pi, team_ids=[team.pk], iterations=iterations, today=today)
    members = list(TeamMember.objects.filter(team=team).select_related("user").order_by("name"))
    rows = []
    for member in members:
        cells = []
        for iteration in iterations:
            absence = inputs.absences.get((member.pk, iteration.pk), Decimal(0))
            holiday_days = Decimal(inputs.holiday_days(iteration))
            capacity = (
                rules.capacity.member_capacity(member.fte, iteration.workdays, absence + holiday_days)
                if member.delivering
                else Decimal(0)
            )
            cells.append(MemberIteration(iteration, absence, capacity))
        rows.append(MemberRow(member, cells))
    holidays = list(
        Holiday.objects.filter(train_id=pi.train_id, date__range=(pi.start_date, pi.end_date)).order_by(
            "date"
        )
    )
    return TeamCapacity(
        team=team,
        pi=pi,
        iterations=iterations,
        members=rows,
        cells=[inputs.cell(team.pk, iteration, basis) for iteration in iterations],
        holidays=holidays,
        velocity=inputs.velocity.get(team.pk),
        basis=basis,
    )
