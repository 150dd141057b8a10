"""Reads of the improvement backlog: the train's items across PIs, filtered and sorted, with
their source (the Inspect & Adapt they came from, or written directly), their target PI and the
feature that plans them; the counts per status; the items targeted at one PI (its readiness page
and its board's backlog panel). A fixed number of queries whatever the number of items."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from art.models import ProgramIncrement, ReleaseTrain
from pi_planning.selectors.backlog import BacklogSection, BacklogSectionItem
from pi_planning.selectors.history import HISTORY_FIELDS
from sync.models import ImprovementItem, Workshop

if TYPE_CHECKING:

    class ImprovementRow(ImprovementItem):
        overdue: bool


S = ImprovementItem.Status
#: The badge of each status: (css tone, icon). Colour is never the only signal: the word shows.
STATUS_TONES = {
    S.OPEN: ("neutral", "clock"),
    S.IN_PROGRESS: ("info", "arrow-right"),
    S.DONE: ("healthy", "check-circle"),
    S.DROPPED: ("muted", "x"),
}
#: The one-click next step of each status, and its button's words.
NEXT_STATUS = {
    S.OPEN: (S.IN_PROGRESS, "Start"),
    S.IN_PROGRESS: (S.DONE, "Mark done"),
    S.DONE: (S.OPEN, "Reopen"),
    S.DROPPED: (S.OPEN, "Reopen"),
}
STATUS_ORDER = {value: n for n, value in enumerate(S.values)}

#: The orders of the backlog.
BY_STATUS, BY_DUE, NEWEST, BY_TITLE = "status", "due", "newest", "title"
SORTS = {
    BY_STATUS: "Status, then due date",
    BY_DUE: "Due date, soonest first",
    NEWEST: "Newest first",
    BY_TITLE: "Title",
}
#: The target filter's value for items with no target PI; the source filter's for items
#: written directly (not at a workshop).
NO_TARGET = "none"
DIRECT = "direct"

HISTORY_FIELDS[ImprovementItem] = {
    "title": "Title",
    "description": "Description",
    "owner": "Owner",
    "status": "Status",
    "due_date": "Due",
    "target_pi": "Target PI",
    "feature": "Feature",
}


@dataclass(frozen=True)
class ImprovementFilters:
    """What the backlog shows; empty values filter nothing. `target` is a PI id or "none";
    `source` is the PI id of the workshop the items came from, or "direct"."""

    status: str = ""
    target: str = ""
    source: str = ""
    sort: str = BY_STATUS

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ImprovementFilters:
        """Filters from a page's query string; a value the backlog does not know filters nothing."""
        status = params.get("status", "")
        target = params.get("target", "")
        source = params.get("source", "")
        sort = params.get("sort", "") or BY_STATUS
        return cls(
            status=status if status in S.values else "",
            target=target if target == NO_TARGET or target.isdigit() else "",
            source=source if source == DIRECT or source.isdigit() else "",
            sort=sort if sort in SORTS else BY_STATUS,
        )

    @property
    def narrowed(self) -> bool:
        return bool(self.status or self.target or self.source)


@dataclass(frozen=True)
class StatusCount:
    value: str
    label: str
    count: int
    tone: str
    icon: str


@dataclass
class ImprovementBacklog:
    rows: list[ImprovementRow]
    counts: list[StatusCount]
    filters: ImprovementFilters
    total: int
    overdue: int = 0
    workshops: list[Workshop] = field(default_factory=list)


def improvement_queryset() -> QuerySet[ImprovementItem]:
    return ImprovementItem.objects.select_related("target_pi", "workshop__pi", "cause", "feature")


def train_today(train: ReleaseTrain) -> dt.date:
    """Today in the train's time zone: an item is overdue from the day after its due date there."""
    return timezone.now().astimezone(zoneinfo.ZoneInfo(train.time_zone or "UTC")).date()


def with_overdue(rows: list[ImprovementItem], today: dt.date) -> list[ImprovementRow]:
    """Each item with `overdue`: open or in progress, and due before today."""
    for row in rows:
        row.overdue = bool(row.is_open and row.due_date and row.due_date < today)  # type: ignore[attr-defined]
    return cast("list[ImprovementRow]", rows)


def _sorted(rows: list[ImprovementRow], sort: str) -> list[ImprovementRow]:
    far = dt.date.max
    if sort == NEWEST:
        return sorted(rows, key=lambda r: (r.created_at, r.pk), reverse=True)
    if sort == BY_TITLE:
        return sorted(rows, key=lambda r: (r.title.casefold(), r.pk))
    if sort == BY_DUE:
        return sorted(rows, key=lambda r: (r.due_date or far, STATUS_ORDER[r.status], r.pk))
    return sorted(rows, key=lambda r: (STATUS_ORDER[r.status], r.due_date or far, r.created_at, r.pk))


def filter_queryset(
    queryset: QuerySet[ImprovementItem], filters: ImprovementFilters
) -> QuerySet[ImprovementItem]:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.target == NO_TARGET:
        queryset = queryset.filter(target_pi__isnull=True)
    elif filters.target:
        queryset = queryset.filter(target_pi_id=int(filters.target))
    if filters.source == DIRECT:
        queryset = queryset.filter(workshop__isnull=True)
    elif filters.source:
        queryset = queryset.filter(workshop__pi_id=int(filters.source))
    return queryset


def improvement_counts(*, train: ReleaseTrain) -> list[StatusCount]:
    """How many items of the train have each status, in the order of the statuses. One query."""
    found = dict(
        ImprovementItem.objects.filter(train=train)
        .values("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return [
        StatusCount(value, str(label), found.get(value, 0), *STATUS_TONES[S(value)])
        for value, label in S.choices
    ]


def improvement_backlog(
    *, train: ReleaseTrain, filters: ImprovementFilters | None = None, today: dt.date | None = None
) -> ImprovementBacklog:
    """The backlog as the page shows it: the items matching `filters`, sorted, each with
    `overdue`; the counts per status; the train's workshops (the source filter). Three queries."""
    filters = filters or ImprovementFilters()
    today = today or train_today(train)
    rows = with_overdue(list(filter_queryset(improvement_queryset().filter(train=train), filters)), today)
    counts = improvement_counts(train=train)
    workshops = list(Workshop.objects.filter(train=train).select_related("pi").order_by("pi__start_date"))
    return ImprovementBacklog(
        rows=_sorted(rows, filters.sort),
        counts=counts,
        filters=filters,
        total=sum(c.count for c in counts),
        overdue=sum(1 for r in rows if r.overdue),
        workshops=workshops,
    )


def improvement_card(*, pk: int, train: ReleaseTrain) -> ImprovementRow:
    """One item with `overdue`."""
    return with_overdue([improvement_queryset().get(pk=pk, train=train)], train_today(train))[0]


def improvements_for_pi(*, pi: ProgramIncrement) -> list[ImprovementRow]:
    """The items targeted at `pi`, open ones first: one query."""
    rows = list(improvement_queryset().filter(target_pi=pi))
    return _sorted(with_overdue(rows, train_today(pi.train)), BY_STATUS)


def improvement_board_section(pi: ProgramIncrement) -> BacklogSection:
    """The board's backlog panel section of `pi`: its improvement items, as plain data (the
    planning board does not know this app). One query."""
    slug = pi.train.slug
    backlog_url = reverse("sync:improvements", kwargs={"slug": slug})
    items = []
    for row in improvements_for_pi(pi=pi):
        tone, icon = STATUS_TONES[S(row.status)]
        plannable = row.feature_id is None and row.is_open
        items.append(
            BacklogSectionItem(
                id=row.pk,
                title=row.title,
                meta=row.owner or "no owner yet",
                status=row.get_status_display(),
                tone=tone,
                icon=icon,
                link_label=f"{row.feature.key} {row.feature.title}" if row.feature else "",
                link_url=f"{backlog_url}?target={pi.pk}#improvement-{row.pk}",
                action_url=reverse("sync:improvement_plan", kwargs={"slug": slug, "item_id": row.pk})
                if plannable
                else "",
            )
        )
    return BacklogSection(
        key="improvements",
        title="Improvements from Inspect & Adapt",
        items=items,
        empty="",
        more_url=f"{backlog_url}?target={pi.pk}",
        more_label="Improvement backlog",
        action_label="Plan it",
        action_hint="Turns the item into an enabler feature of this PI, titled after it.",
    )
