"""Reads of the impediment log: the train's impediments with their age and aging (computed by
art.rules.syncs), filtered and sorted, and the figures of the log's header. A fixed number of
queries whatever the number of impediments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, cast

from django.db.models import QuerySet
from django.utils import timezone

from art import rules
from art.models import ReleaseTrain
from sync.models import Impediment

if TYPE_CHECKING:
    # The rows as the selectors return them. For type checking only: the attributes are set on
    # the model instances.

    class ImpedimentRow(Impediment):
        age_days: int
        aging: bool


#: The orders of the log: by age, oldest first (the default), or newest first.
AGE, NEWEST = "age", "newest"
SORTS = {AGE: "Oldest first", NEWEST: "Newest first"}
#: The status filter: open (the default), resolved, or every impediment.
ALL = "all"
STATUSES = {Impediment.Status.OPEN.value: "Open", Impediment.Status.RESOLVED.value: "Resolved", ALL: "All"}


@dataclass(frozen=True)
class ImpedimentFilters:
    """What the log shows. Empty values filter nothing; `status` is open unless asked otherwise."""

    team: int | None = None
    category: str = ""
    status: str = Impediment.Status.OPEN
    escalation: str = ""
    aging: bool = False
    sort: str = AGE

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ImpedimentFilters:
        """Filters from a page's query string; a value the log does not know filters nothing."""
        team = params.get("team", "")
        category = params.get("category", "")
        escalation = params.get("escalation", "")
        status = params.get("status", "") or Impediment.Status.OPEN
        sort = params.get("sort", "") or AGE
        return cls(
            team=int(team) if team.isdigit() else None,
            category=category if category in Impediment.Category.values else "",
            status=status if status in STATUSES else Impediment.Status.OPEN,
            escalation=escalation if escalation in Impediment.Escalation.values else "",
            aging=params.get("aging", "") in ("1", "true", "on", "yes"),
            sort=sort if sort in SORTS else AGE,
        )

    @property
    def is_default(self) -> bool:
        return self == ImpedimentFilters()

    @property
    def narrowed(self) -> bool:
        """Whether anything beyond the status is filtered (the empty state says so)."""
        return bool(self.team or self.category or self.escalation or self.aging)


@dataclass(frozen=True)
class CategoryCount:
    value: str
    label: str
    open: int
    aging: int


@dataclass(frozen=True)
class ImpedimentCounts:
    """The log's header: the train's open impediments, how many are aging, and by category."""

    open: int
    aging: int
    resolved: int
    by_category: list[CategoryCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.open + self.resolved


@dataclass
class ImpedimentLog:
    rows: list[ImpedimentRow]
    counts: ImpedimentCounts
    filters: ImpedimentFilters


def impediment_queryset() -> QuerySet[Impediment]:
    return Impediment.objects.select_related("team")


ImpT = TypeVar("ImpT", bound=Impediment)


def with_age(impediments: Iterable[ImpT], now: dt.datetime | None = None) -> list[ImpT]:
    """Each impediment with `age_days` and `aging`, by the rules (a resolved one keeps its age)."""
    now = now or timezone.now()
    rows = list(impediments)
    for row in rows:
        age = rules.syncs.impediment_age_days(row.created_at, row.resolved_at, now)
        row.age_days = age  # type: ignore[attr-defined]
        row.aging = rules.syncs.impediment_is_aging(age, open_=row.status == Impediment.Status.OPEN)  # type: ignore[attr-defined]
    return rows


def by_age(rows: Sequence[ImpT]) -> list[ImpT]:
    """Oldest first: by age in whole days, descending; ties by creation, then id."""
    return sorted(rows, key=lambda r: (-r.age_days, r.created_at, r.pk))  # type: ignore[attr-defined]


def filter_queryset(queryset: QuerySet[Impediment], filters: ImpedimentFilters) -> QuerySet[Impediment]:
    """The filters the database answers (aging is the rule's, applied on the rows)."""
    if filters.team:
        queryset = queryset.filter(team_id=filters.team)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.status and filters.status != ALL:
        queryset = queryset.filter(status=filters.status)
    if filters.escalation:
        queryset = queryset.filter(escalation=filters.escalation)
    return queryset


def impediment_counts(*, train: ReleaseTrain, now: dt.datetime | None = None) -> ImpedimentCounts:
    """Open, aging and resolved impediments of the train, and the open and aging ones by
    category (in the order of the categories). One query."""
    now = now or timezone.now()
    open_by: dict[str, int] = {}
    aging_by: dict[str, int] = {}
    resolved = 0
    rows = Impediment.objects.filter(train=train).values_list(
        "category", "status", "created_at", "resolved_at"
    )
    for category, status, created_at, resolved_at in rows:
        if status != Impediment.Status.OPEN:
            resolved += 1
            continue
        open_by[category] = open_by.get(category, 0) + 1
        age = rules.syncs.impediment_age_days(created_at, resolved_at, now)
        if rules.syncs.impediment_is_aging(age, open_=True):
            aging_by[category] = aging_by.get(category, 0) + 1
    return ImpedimentCounts(
        open=sum(open_by.values()),
        aging=sum(aging_by.values()),
        resolved=resolved,
        by_category=[
            CategoryCount(value, str(label), open_by.get(value, 0), aging_by.get(value, 0))
            for value, label in Impediment.Category.choices
        ],
    )


def impediment_list(
    *, train: ReleaseTrain, filters: ImpedimentFilters | None = None, now: dt.datetime | None = None
) -> ImpedimentLog:
    """The log as the page shows it: the train's impediments matching `filters`, each with its
    age and aging, sorted by age (oldest first) or newest first, and the header's counts. Two
    queries whatever the number of impediments."""
    filters = filters or ImpedimentFilters()
    now = now or timezone.now()
    queryset = filter_queryset(impediment_queryset().filter(train=train), filters)
    rows = cast("list[ImpedimentRow]", with_age(queryset, now))
    if filters.aging:
        rows = [row for row in rows if row.aging]
    if filters.sort == NEWEST:
        rows.sort(key=lambda r: (r.created_at, r.pk), reverse=True)
    else:
        rows = by_age(rows)
    return ImpedimentLog(rows=rows, counts=impediment_counts(train=train, now=now), filters=filters)


def impediment_card(*, pk: int, now: dt.datetime | None = None) -> ImpedimentRow:
    """One impediment with its age and aging."""
    return cast("ImpedimentRow", with_age([impediment_queryset().get(pk=pk)], now)[0])
