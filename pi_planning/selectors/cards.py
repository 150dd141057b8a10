"""Reads of the card boards: PI objectives and predictability, the confidence vote, the
dependency board and the ROAM board, and the change history shown on each card.

Every function loads what its page needs in a fixed number of queries whatever the number of
cards; the figures come from the one function that owns each rule (metrics.calculations for
predictability, pi_planning.rules for confidence, health, age and ROAM)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.db import models
from django.db.models import Prefetch, Q
from django.utils import timezone

from art import rules
from art.access import vote_refusal as access_vote_refusal
from art.models import ChangeRecord, Feature, Iteration, ProgramIncrement, ReleaseTrain, Team
from pi_planning.models import Dependency, DependencyComment, Objective, Risk, Vote, VoteRound
from pi_planning.selectors.dependencies import dependency_queryset, pi_dependencies, with_health

if TYPE_CHECKING:
    from pi_planning.selectors.dependencies import DependencyWithHealth

    # The cards as the boards below return them. For type checking only: these classes do not
    # exist at runtime, the attributes are set on the model instances.

    class DependencyCard(DependencyWithHealth):
        comment_count: int
        comment_list: list[DependencyComment]  # not when the board is `lazy`
        history_count: int
        history: list[HistoryEntry]  # not when the board is `lazy`
        # set by views.cards._decorate_dependency:
        can_edit: bool
        next_states: list[tuple[str, str]]
        state_label: str
        counter_proposed: bool

    class RiskCard(Risk):
        age_days: int
        next_roams: list[str]
        history_count: int
        history: list[HistoryEntry]
        # set by views.cards._decorate_risk:
        can_edit: bool
        roam_label: str
        moves: list[tuple[str, str]]

# --- change history ---------------------------------------------------------------------------

EMPTY = "—"


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    actor: str
    at: dt.datetime
    action: str  # created, updated, deleted
    changes: tuple[FieldChange, ...]

    @property
    def verb(self) -> str:
        return {"created": "created it", "deleted": "deleted it"}.get(self.action, "changed")


#: Fields each card's history shows, with their labels (bookkeeping fields stay out).
HISTORY_FIELDS: dict[type[models.Model], dict[str, str]] = {
    Objective: {
        "title": "Title",
        "description": "Description",
        "committed": "Commitment",
        "planned_bv": "Planned BV",
        "actual_bv": "Actual BV",
        "features": "Features",
        "external_key": "Key",
    },
    Dependency: {
        "title": "Title",
        "description": "Description",
        "state": "State",
        "provider_team": "Provider",
        "external_provider": "External provider",
        "feature": "Feature",
        "provider_feature": "Provider feature",
        "needed_by": "Needed by",
        "committed_iteration": "Committed iteration",
        "owner": "Owner",
        "external_key": "Key",
    },
    Risk: {
        "title": "Title",
        "description": "Description",
        "roam": "ROAM",
        "owner": "Owner",
        "mitigation_plan": "Mitigation plan",
        "team": "Team",
        "pi": "PI",
        "external_key": "Key",
    },
}
#: On creation, only these are worth repeating in the history (the card shows the rest).
CREATED_FIELDS = {"state", "roam", "owner", "committed", "planned_bv", "actual_bv", "committed_iteration"}


@dataclass
class Labels:
    """How ids in the history read: team, iteration, feature and PI names."""

    teams: Mapping[int, str] = field(default_factory=dict)
    iterations: Mapping[int, str] = field(default_factory=dict)
    features: Mapping[int, str] = field(default_factory=dict)
    pis: Mapping[int, str] = field(default_factory=dict)

    def value(self, model: type[models.Model], name: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        lookups: dict[str, Callable[[Any], str]] = {
            "provider_team": lambda v: self.teams.get(v, f"team {v}"),
            "team": lambda v: self.teams.get(v, f"team {v}"),
            "needed_by": lambda v: self.iterations.get(v, f"iteration {v}"),
            "committed_iteration": lambda v: self.iterations.get(v, f"iteration {v}"),
            "feature": lambda v: self.features.get(v, f"F-{v}"),
            "provider_feature": lambda v: self.features.get(v, f"F-{v}"),
            "pi": lambda v: self.pis.get(v, f"PI {v}"),
            "features": lambda v: ", ".join(self.features.get(i, f"F-{i}") for i in v) or EMPTY,
            "state": lambda v: rules.dependencies.DEPENDENCY_STATE_LABELS.get(v, v),
            "roam": lambda v: Risk.Roam(v).label if v in Risk.Roam.values else v,
            "committed": lambda v: "committed" if v else "uncommitted (stretch)",
        }
        if name in lookups:
            return lookups[name](value)
        text = str(value)
        return text if len(text) <= 120 else text[:117] + "…"


def _feature_ids(rows: Sequence[Mapping[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for row in rows:
        for name in ("feature", "provider_feature", "features"):
            pair = (row["changes"] or {}).get(name)
            for value in pair if isinstance(pair, list | tuple) else ():
                if isinstance(value, int):
                    ids.add(value)
                elif isinstance(value, list | tuple):
                    ids.update(v for v in value if isinstance(v, int))
    return ids


def _records(model: type[models.Model], pks: Iterable[int]) -> models.QuerySet[ChangeRecord]:
    meta = model._meta
    return ChangeRecord.objects.filter(
        content_type__app_label=meta.app_label, content_type__model=meta.model_name, object_id__in=list(pks)
    )


def histories(objects: Sequence[models.Model], labels: Labels | None = None) -> dict[int, list[HistoryEntry]]:
    """The change history of each object (all of one model), newest first: one query, and one
    more for the names of features the history mentions that `labels` does not know."""
    if not objects:
        return {}
    model = type(objects[0])
    shown = HISTORY_FIELDS.get(model, {})
    labels = labels or Labels()
    rows = list(
        _records(model, (o.pk for o in objects))
        .order_by("-at", "-id")
        .values(
            "object_id", "action", "changes", "at", "actor__username", "actor__first_name", "actor__last_name"
        )
    )
    missing = _feature_ids(rows) - set(labels.features)
    if missing:
        labels.features = {
            **labels.features,
            **{
                pk: f"{key or f'F-{pk}'} {title}"
                for pk, key, title in Feature.objects.filter(pk__in=missing).values_list(
                    "id", "external_key", "title"
                )
            },
        }
    out: dict[int, list[HistoryEntry]] = defaultdict(list)
    for row in rows:
        changes = []
        for name, pair in (row["changes"] or {}).items():
            if name not in shown or not isinstance(pair, list | tuple) or len(pair) != 2:
                continue
            if row["action"] == ChangeRecord.Action.CREATED and name not in CREATED_FIELDS:
                continue
            before, after = (labels.value(model, name, v) for v in pair)
            changes.append(FieldChange(name, shown[name], before, after))
        full_name = f"{row['actor__first_name'] or ''} {row['actor__last_name'] or ''}".strip()
        who = full_name or row["actor__username"] or "Railyard"
        out[row["object_id"]].append(HistoryEntry(who, row["at"], row["action"], tuple(changes)))
    return out


def history_counts(objects: Sequence[models.Model]) -> dict[int, int]:
    """How many changes each object's history holds (one query), for cards that load their
    history when it is opened."""
    if not objects:
        return {}
    return dict(
        _records(type(objects[0]), (o.pk for o in objects))
        .values("object_id")
        .annotate(n=models.Count("id"))
        .values_list("object_id", "n")
    )


class _WithHistory(Protocol):
    history: list[HistoryEntry]
    history_count: int


def attach_histories(objects: Sequence[models.Model], labels: Labels | None = None) -> None:
    """Set `history` and `history_count` on each object."""
    found = histories(objects, labels)
    for obj in objects:
        card = cast(_WithHistory, obj)
        card.history = found.get(obj.pk, [])
        card.history_count = len(card.history)


def train_labels(train_id: int, *, pi_id: int | None = None) -> Labels:
    """Names for the ids in histories: the train's teams, iterations (short names for those of
    `pi_id`, "PI · iteration" for others) and PIs: three queries."""
    pis = dict(ProgramIncrement.objects.filter(train_id=train_id).values_list("id", "name"))
    iterations = {
        pk: (name if iteration_pi == pi_id else f"{pis.get(iteration_pi, '')} · {name}")
        for pk, name, iteration_pi in Iteration.objects.filter(pi__train_id=train_id).values_list(
            "id", "name", "pi_id"
        )
    }
    teams = dict(Team.objects.filter(train_id=train_id).values_list("id", "name"))
    return Labels(teams=teams, iterations=iterations, pis=pis)


# --- objectives and predictability ------------------------------------------------------------


@dataclass
class TeamObjectives:
    team: Team
    committed: list[Objective]
    uncommitted: list[Objective]
    predictability: rules.predictability.PredictabilityResult

    @property
    def objectives(self) -> list[Objective]:
        return self.committed + self.uncommitted


def _scores(objectives: Iterable[Objective]) -> list[rules.predictability.ObjectiveScore]:
    return [
        rules.predictability.ObjectiveScore(o.team_id, o.committed, o.planned_bv, o.actual_bv)
        for o in objectives
    ]


def objective_queryset() -> models.QuerySet[Objective]:
    return Objective.objects.select_related("team", "pi").prefetch_related(
        Prefetch("features", queryset=Feature.objects.only("id", "title", "external_key", "team_id"))
    )


def pi_objectives(*, pi: ProgramIncrement) -> dict[str, Any]:
    """Each team's committed and uncommitted objectives of the PI with its predictability, and
    the train's (sum-based): teams, objectives (+ features), history, labels."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    objectives = list(objective_queryset().filter(pi=pi).order_by("team__name", "-committed", "order", "id"))
    result = rules.predictability.train_predictability(_scores(objectives))
    by_team: dict[int, list[Objective]] = defaultdict(list)
    for objective in objectives:
        by_team[objective.team_id].append(objective)
    groups = [
        TeamObjectives(
            team=team,
            committed=[o for o in by_team[team.pk] if o.committed],
            uncommitted=[o for o in by_team[team.pk] if not o.committed],
            predictability=result.teams.get(team.pk) or rules.predictability.predictability([]),
        )
        for team in teams
    ]
    features = list(
        Feature.objects.filter(train_id=pi.train_id, pi=pi)
        .select_related("team")
        .only("id", "title", "external_key", "team_id", "team__name")
        .order_by("team__name", "title")
    )
    labels = Labels(
        teams={t.pk: t.name for t in teams},
        features={f.pk: f"{f.key} {f.title}" for f in features}
        | {f.pk: f"{f.key} {f.title}" for o in objectives for f in o.features.all()},
    )
    attach_histories(objectives, labels)
    return {
        "teams": teams,
        "groups": groups,
        "objectives": objectives,
        "train_predictability": result.train,
        "features": features,
    }


@dataclass
class PIPredictabilityRow:
    pi: ProgramIncrement
    train: rules.predictability.PredictabilityResult
    teams: dict[int, rules.predictability.PredictabilityResult]


def predictability_by_pi(*, train_id: int) -> list[PIPredictabilityRow]:
    """The train's and each team's predictability in every PI of the train, oldest first: two
    queries whatever the number of PIs and objectives."""
    pis = list(ProgramIncrement.objects.filter(train_id=train_id).order_by("start_date"))
    rows: dict[int, list[rules.predictability.ObjectiveScore]] = defaultdict(list)
    for pi_id, team_id, committed, planned, actual in Objective.objects.filter(
        pi__train_id=train_id
    ).values_list("pi_id", "team_id", "committed", "planned_bv", "actual_bv"):
        rows[pi_id].append(rules.predictability.ObjectiveScore(team_id, committed, planned, actual))
    out = []
    for pi in pis:
        result = rules.predictability.train_predictability(rows.get(pi.pk, []))
        out.append(PIPredictabilityRow(pi=pi, train=result.train, teams=result.teams))
    return out


def objective_card(*, pk: int) -> Objective:
    objective = objective_queryset().get(pk=pk)
    attach_histories([objective], Labels(teams={objective.team_id: objective.team.name}))
    return objective


# --- confidence vote --------------------------------------------------------------------------

NOT_OPENED, OPEN, REVEALED = "not_opened", VoteRound.State.OPEN.value, VoteRound.State.REVEALED.value


@dataclass
class Concern:
    """A voter's concern, never who voted: the vote id only lets the RTE raise it as a risk."""

    vote_id: int
    score: int
    text: str
    risk_id: int | None = None
    team: int | None = None


@dataclass
class VoteScope:
    team: Team | None
    round: VoteRound | None
    confidence: rules.votes.Confidence
    concerns: list[Concern]
    # The caller's own vote, set by views.cards._vote_context.
    my_vote: Vote | None = None
    is_mine: bool = False
    may_vote: bool = False

    @property
    def key(self) -> str:
        return str(self.team.pk) if self.team else "train"

    @property
    def label(self) -> str:
        return self.team.name if self.team else "Whole train"

    @property
    def state(self) -> str:
        return self.round.state if self.round else NOT_OPENED

    @property
    def is_open(self) -> bool:
        return self.state == OPEN

    @property
    def is_revealed(self) -> bool:
        return self.state == REVEALED

    @property
    def distribution(self) -> list[tuple[int, int, float]]:
        """(score, votes, share of the largest bar in %) for the bars, 5 down to 1."""
        top = max(self.confidence.distribution.values(), default=0) or 1
        return [
            (n, self.confidence.distribution[n], 100 * self.confidence.distribution[n] / top)
            for n in range(5, 0, -1)
        ]


def confidence_scopes(*, pi: ProgramIncrement, team_id: int | str | None = "all") -> list[VoteScope]:
    """The train's vote first, then each team's: round, result (rules.votes.confidence) and concerns.
    Four queries whatever the number of votes; `team_id` (None for the train) narrows to one."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    rounds = {r.team_id: r for r in VoteRound.objects.filter(pi=pi)}
    scores: dict[int | None, list[int]] = defaultdict(list)
    concerns: dict[int | None, list[Concern]] = defaultdict(list)
    risks = dict(Risk.objects.filter(source_vote__pi=pi).values_list("source_vote_id", "id"))
    for vote_id, team, score, text in (
        Vote.objects.filter(pi=pi).values_list("id", "team_id", "score", "concern").order_by("id")
    ):
        scores[team].append(score)
        if text.strip():
            concerns[team].append(Concern(vote_id, score, text.strip(), risks.get(vote_id)))
    scopes = [
        VoteScope(
            team,
            rounds.get(team.pk if team else None),
            rules.votes.confidence(scores[team.pk if team else None]),
            concerns[team.pk if team else None],
        )
        for team in [None, *teams]
    ]
    if team_id != "all":
        scopes = [s for s in scopes if (s.team.pk if s.team else None) == team_id]
    return scopes


def vote_refusal(*, user: Any, pi: ProgramIncrement, team: Team | None) -> str:
    """Why `user` may not vote in this scope ("" if they may): art.access decides and words it."""
    return access_vote_refusal(user, pi.train_id, team.pk if team else None, team.name if team else "")


def my_votes(*, pi: ProgramIncrement, user: Any) -> dict[int | None, Vote]:
    """The caller's own votes in the PI by scope (team id, None for the train)."""
    if not user.is_authenticated:
        return {}
    return {v.team_id: v for v in Vote.objects.filter(pi=pi, user=user)}


# --- dependency board -------------------------------------------------------------------------

DEPENDENCY_VIEWS = {
    "provider": "By providing team",
    "requester": "By requesting team",
    "aging": "Aging first",
}
HEALTH_ORDER = {
    rules.dependencies.RED: 0,
    rules.dependencies.AMBER: 1,
    rules.dependencies.GREEN: 2,
    rules.dependencies.DONE: 3,
}


@dataclass(frozen=True)
class DependencyFilters:
    team: int | None = None
    state: str | None = None
    health: str | None = None
    aging: bool = False
    show_done: bool = False

    @property
    def active(self) -> bool:
        return bool(self.team or self.state or self.health or self.aging or self.show_done)

    def keep(self, dep: DependencyWithHealth) -> bool:
        if self.team and self.team not in (dep.requester_team_id, dep.provider_team_id):
            return False
        if self.state and dep.state != self.state:
            return False
        if self.health and dep.health.code != self.health:
            return False
        if self.aging and not dep.aging:
            return False
        # Delivered and cancelled ones are grey and hidden by default (domain.md), unless asked for.
        asked_for_done = (
            self.show_done
            or self.state in Dependency.RESOLVED_STATES
            or self.health == rules.dependencies.DONE
        )
        return dep.health.code != rules.dependencies.DONE or asked_for_done


@dataclass
class DependencyGroup:
    key: str
    title: str
    subtitle: str
    cards: list[DependencyCard]


def _comment_counts(deps: Sequence[DependencyCard]) -> None:
    found: dict[int, int] = {}
    if deps:
        found = dict(
            DependencyComment.objects.filter(dependency_id__in=[d.pk for d in deps])
            .values("dependency_id")
            .annotate(n=models.Count("id"))
            .values_list("dependency_id", "n")
        )
    for dep in deps:
        dep.comment_count = found.get(dep.pk, 0)


def _comments(deps: Sequence[DependencyCard]) -> None:
    found: dict[int, list[DependencyComment]] = defaultdict(list)
    if deps:
        for comment in (
            DependencyComment.objects.filter(dependency_id__in=[d.pk for d in deps])
            .select_related("author")
            .order_by("created_at", "id")
        ):
            found[comment.dependency_id].append(comment)
    for dep in deps:
        dep.comment_list = found.get(dep.pk, [])
        dep.comment_count = len(dep.comment_list)


def _card_sort(dep: DependencyWithHealth) -> tuple:
    return (dep.needed_by.number, HEALTH_ORDER[dep.health.code], dep.pk)


def dependency_board(
    *,
    pi: ProgramIncrement,
    view: str = "provider",
    filters: DependencyFilters | None = None,
    now: dt.datetime | None = None,
    lazy: bool = False,
) -> dict[str, Any]:
    """The dependency board of a PI: every card with health, age, comments and history (or,
    `lazy`, their counts), filtered and grouped by the view. At most seven queries whatever
    the number of cards."""
    filters = filters or DependencyFilters()
    view = view if view in DEPENDENCY_VIEWS else "provider"
    everything = cast(
        "list[DependencyCard]",
        pi_dependencies(pi_id=pi.pk)
        if now is None
        else with_health(dependency_queryset().filter(pi_id=pi.pk).order_by("needed_by__number", "id"), now),
    )
    shown = [d for d in everything if filters.keep(d)]
    shown_ids = {d.pk for d in shown}
    if lazy:
        # Each card's comments and history load when the card opens them (a board of hundreds
        # of cards stays light); their counts come with the board.
        _comment_counts(shown)
        counts = history_counts(shown)
        for dep in shown:
            dep.history_count = counts.get(dep.pk, 0)
    else:
        _comments(shown)
        attach_histories(shown, train_labels(pi.train_id, pi_id=pi.pk))
    groups: list[DependencyGroup] = []
    if view == "aging":
        cards = sorted(shown, key=lambda d: (not d.aging, -d.age_days, d.pk))
        groups.append(DependencyGroup("all", "Oldest first", "Open ones older than 14 days are aging", cards))
    else:
        attr = "provider_team" if view == "provider" else "requester_team"
        buckets: dict[str, list[DependencyCard]] = defaultdict(list)
        names: dict[str, str] = {}
        for dep in shown:
            team = getattr(dep, attr) if getattr(dep, f"{attr}_id") else None
            key = f"team-{team.pk}" if team else "external"
            names[key] = team.name if team else "Outside the train"
            buckets[key].append(dep)
        for key in sorted(buckets, key=lambda k: (k == "external", names[k].lower())):
            cards = sorted(buckets[key], key=_card_sort)
            if view == "provider":
                subtitle = "What others need from us" if key != "external" else "Providers outside the train"
            else:
                subtitle = "What we need from others"
            groups.append(DependencyGroup(key, names[key], subtitle, cards))
    health_counts = {code: 0 for code in HEALTH_ORDER}
    for dep in everything:
        health_counts[dep.health.code] += 1
    return {
        "groups": groups,
        "shown": len(shown),
        "total": len(everything),
        "health_counts": health_counts,
        "aging_count": sum(1 for d in everything if d.aging),
        "hidden_done": sum(
            1 for d in everything if d.health.code == rules.dependencies.DONE and d.pk not in shown_ids
        ),
        "view": view,
        "filters": filters,
    }


def dependency_card(*, pk: int, now: dt.datetime | None = None) -> DependencyCard:
    """One card as the board shows it (health, age, comments, history)."""
    dep = cast("DependencyCard", with_health(dependency_queryset().filter(pk=pk), now)[0])
    _comments([dep])
    attach_histories([dep], train_labels(dep.pi.train_id, pi_id=dep.pi_id))
    return dep


def dependency_form_choices(*, pi: ProgramIncrement) -> dict[str, Any]:
    """Teams, iterations (this PI's, and later PIs' for counter-proposals) and features to pick
    from on the board's forms, loaded once for all cards."""
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name"))
    iterations = list(
        Iteration.objects.filter(pi__train_id=pi.train_id, pi__start_date__gte=pi.start_date)
        .select_related("pi")
        .order_by("pi__start_date", "number")
    )
    features = list(
        Feature.objects.filter(train_id=pi.train_id, pi=pi)
        .only("id", "title", "external_key", "team_id")
        .order_by("title")
    )
    return {
        "teams": teams,
        "iterations": iterations,
        "pi_iterations": [i for i in iterations if i.pi_id == pi.pk],
        "features": features,
    }


# --- ROAM board -------------------------------------------------------------------------------

ROAM_COLUMNS = [
    (Risk.Roam.UNROAMED, "Every new risk starts here"),
    (Risk.Roam.RESOLVED, "No longer a concern"),
    (Risk.Roam.OWNED, "Someone on the train owns it"),
    (Risk.Roam.ACCEPTED, "Understood and accepted as is"),
    (Risk.Roam.MITIGATED, "A plan reduces its impact"),
]


@dataclass
class RoamColumn:
    roam: str
    label: str
    hint: str
    risks: list[RiskCard]


def risk_age_days(risk: Risk, now: dt.datetime) -> int:
    """Whole days since the risk was raised; a resolved one keeps the age it had when it was
    resolved (the dependency-age rule, applied to risks)."""
    resolved_at = risk.roamed_at if risk.roam == Risk.Roam.RESOLVED else None
    return rules.dependencies.dependency_age_days(
        rules.dependencies.DependencyDates(risk.created_at, resolved_at), now
    )


def risk_queryset() -> models.QuerySet[Risk]:
    return Risk.objects.select_related("team", "pi")


def _with_age(risks: Sequence[RiskCard], now: dt.datetime | None) -> None:
    now = now or timezone.now()
    for risk in risks:
        risk.age_days = risk_age_days(risk, now)
        risk.next_roams = [
            value for value, _ in ROAM_COLUMNS if rules.risks.roam_move_allowed(risk.roam, value)
        ]


def risk_board(
    *,
    train: ReleaseTrain,
    pi: ProgramIncrement | None,
    team: int | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ROAM board: the PI's risks and the train's risks without a PI, in their columns,
    with age and history. Five queries whatever the number of risks."""
    qs = risk_queryset().filter(train=train)
    if pi is not None:
        qs = qs.filter(Q(pi=pi) | Q(pi__isnull=True))
    if team:
        qs = qs.filter(team_id=team)
    risks = cast("list[RiskCard]", list(qs.order_by("-created_at", "-id")))
    _with_age(risks, now)
    attach_histories(risks, train_labels(train.pk, pi_id=pi.pk if pi else None))
    columns = [
        RoamColumn(value, Risk.Roam(value).label, hint, [r for r in risks if r.roam == value])
        for value, hint in ROAM_COLUMNS
    ]
    return {"columns": columns, "total": len(risks)}


def risk_card(*, pk: int, now: dt.datetime | None = None) -> RiskCard:
    risk = cast("RiskCard", risk_queryset().get(pk=pk))
    _with_age([risk], now)
    attach_histories([risk], train_labels(risk.train_id))
    return risk
