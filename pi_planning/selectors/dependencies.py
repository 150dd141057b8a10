"""Reads of dependencies: each with its computed health and age (with_health), and the
dependency board (by providing team, by requesting team, aging first, with filters), in a
bounded number of queries whatever the number of cards."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast, overload

from django.db import models
from django.db.models import QuerySet
from django.utils import timezone

from art import rules
from art.models import Feature, Iteration, ProgramIncrement, Story, Team
from art.rules.keys import STORY, card_key
from art.selectors.rows import objects_from_rows
from pi_planning.models import Dependency, DependencyComment
from pi_planning.selectors.history import HistoryEntry, attach_histories, history_counts, train_labels

if TYPE_CHECKING:

    class DependencyWithHealth(Dependency):
        """A dependency as with_health() returns it. For type checking only: the class does not
        exist at runtime, the attributes are set on the Dependency instances."""

        health: rules.dependencies.Health
        age_days: int
        aging: bool
        age_changes_at: dt.datetime | None  # when age_days next moves on (None: resolved)

    class DependencyCard(DependencyWithHealth):
        """A dependency as the dependency board shows it (dependency_board, dependency_card)."""

        comment_count: int
        comment_list: list[DependencyComment]  # not when the board is `lazy`
        history_count: int
        history: list[HistoryEntry]  # not when the board is `lazy`
        # set by views.dependencies._decorate_dependency:
        can_edit: bool
        next_states: list[tuple[str, str]]
        can_commit: bool
        state_label: str
        counter_proposed: bool
        # set by views.dependencies._dependencies_context: the card a link opened on its own
        opened: bool


def dependency_queryset() -> QuerySet[Dependency]:
    """Dependencies with everything health and cards need, joined in one query."""
    return Dependency.objects.select_related(
        "pi",
        "requester_team",
        "provider_team",
        "feature",
        "provider_feature__iteration__pi",
        "needed_by__pi",
        "committed_iteration__pi",
    )


@overload
def iteration_ref(iteration: Iteration) -> rules.dependencies.IterationRef: ...
@overload
def iteration_ref(iteration: None) -> None: ...
@overload
def iteration_ref(iteration: Iteration | None) -> rules.dependencies.IterationRef | None: ...
def iteration_ref(iteration: Iteration | None) -> rules.dependencies.IterationRef | None:
    if iteration is None:
        return None
    return rules.dependencies.IterationRef(
        id=iteration.pk,
        pi_id=iteration.pi_id,
        number=iteration.number,
        name=iteration.name,
        is_ip=iteration.is_ip,
        start_date=iteration.start_date,
        pi_name=iteration.pi.name if "pi" in iteration._state.fields_cache else "",
    )


def _provider_stories(
    wanted: set[tuple[int, int]],
) -> dict[tuple[int | None, int | None], list[rules.dependencies.StoryRef]]:
    """The placed stories of each (provider feature, providing team) pair in `wanted`, the ones
    that can hide a conflict: one query of plain rows (no model objects), each iteration's
    IterationRef built once."""
    stories_by_pair: dict[tuple[int | None, int | None], list[rules.dependencies.StoryRef]] = defaultdict(
        list
    )
    if not wanted:
        return stories_by_pair
    rows = Story.objects.filter(
        feature_id__in={f for f, _ in wanted},
        team_id__in={t for _, t in wanted},
        iteration__isnull=False,
    ).values_list(
        "number", "external_key", "title", "feature_id", "team_id", "iteration_id", *_ITERATION_COLUMNS
    )
    refs: dict[int, rules.dependencies.IterationRef] = {}
    for number, external_key, title, feature_id, team_id, iteration_id, *iteration in rows:
        if (feature_id, team_id) not in wanted:
            continue
        ref = refs.get(iteration_id)
        if ref is None:
            ref = refs[iteration_id] = _iteration_ref_of_row(iteration_id, iteration)
        stories_by_pair[(feature_id, team_id)].append(
            rules.dependencies.StoryRef(card_key(STORY, number, external_key), title, ref)
        )
    return stories_by_pair


#: An iteration's columns an IterationRef needs, from a query of a row that points at it.
_ITERATION_COLUMNS = (
    "iteration__pi_id",
    "iteration__number",
    "iteration__name",
    "iteration__is_ip",
    "iteration__start_date",
    "iteration__pi__name",
)


def _iteration_ref_of_row(iteration_id: int, columns: Sequence[Any]) -> rules.dependencies.IterationRef:
    pi_id, number, name, is_ip, start_date, pi_name = columns
    return rules.dependencies.IterationRef(
        id=iteration_id,
        pi_id=pi_id,
        number=number,
        name=name,
        is_ip=is_ip,
        start_date=start_date,
        pi_name=pi_name or "",
    )


def _attach_health(
    dep: DependencyWithHealth,
    *,
    needed_by: rules.dependencies.IterationRef,
    committed: rules.dependencies.IterationRef | None,
    provider_feature_iteration: rules.dependencies.IterationRef | None,
    stories_by_pair: dict[tuple[int | None, int | None], list[rules.dependencies.StoryRef]],
    now: dt.datetime,
) -> None:
    """Health, age (and when it next moves on) and aging of one dependency, by the rules
    (art.rules.dependencies)."""
    dep.health = rules.dependencies.dependency_health(
        state=dep.state,
        needed_by=needed_by,
        committed=committed,
        provider_feature_iteration=provider_feature_iteration,
        provider_stories=stories_by_pair.get((dep.provider_feature_id, dep.provider_team_id), ()),
        provider_name=dep.provider_name,
    )
    dates = rules.dependencies.DependencyDates(dep.created_at, dep.resolved_at)
    dep.age_days = rules.dependencies.dependency_age_days(dates, now)
    dep.age_changes_at = rules.dependencies.next_age_change(dates, now)
    dep.aging = rules.dependencies.age_is_aging(dep.age_days, resolved=dep.is_resolved)


def _wanted_pairs(deps: Iterable[Dependency]) -> set[tuple[int, int]]:
    return {
        (d.provider_feature_id, d.provider_team_id)
        for d in deps
        if d.provider_feature_id and d.provider_team_id
    }


def with_health(
    dependencies: Iterable[Dependency], now: dt.datetime | None = None
) -> list[DependencyWithHealth]:
    """Attach `health` (rules.dependencies.Health), `age_days` and `aging` to each dependency (loaded with
    dependency_queryset()). One more query whatever the number: the provider stories that
    can hide a conflict. (The board reads them without model objects: board_dependencies.)"""
    deps = cast("list[DependencyWithHealth]", list(dependencies))
    now = now or timezone.now()
    stories_by_pair = _provider_stories(_wanted_pairs(deps))
    for dep in deps:
        provider_iteration = (
            dep.provider_feature.iteration if dep.provider_feature_id and dep.provider_feature else None
        )
        _attach_health(
            dep,
            needed_by=iteration_ref(dep.needed_by),
            committed=iteration_ref(dep.committed_iteration),
            provider_feature_iteration=iteration_ref(provider_iteration),
            stories_by_pair=stories_by_pair,
            now=now,
        )
    return deps


#: A dependency's columns the planning board never reads: not loaded by board_dependencies.
_BOARD_DEPENDENCY_UNUSED = ("description", "owner", "created_by", "updated_at")
#: What the board reads of a feature that is not one of its own (of another PI, or finished).
_BOARD_FEATURE_FIELDS = ("id", "number", "external_key", "title", "pi_id", "team_id", "iteration_id")


def _board_ref(iteration: Iteration, pi: ProgramIncrement) -> rules.dependencies.IterationRef:
    """An iteration's IterationRef, named with its PI's name (the board's PI's for its own)."""
    return replace(
        iteration_ref(iteration), pi_name=pi.name if iteration.pi_id == pi.pk else iteration.pi.name
    )


def board_dependencies(
    *,
    pi: ProgramIncrement,
    teams: Mapping[int, Team],
    iterations: Mapping[int, Iteration],
    features: Mapping[int, Feature],
    now: dt.datetime | None = None,
) -> list[DependencyWithHealth]:
    """Every dependency of `pi` with health and age (as pi_dependencies, in the same order and
    with the same figures), for the planning board. The relations the board shows (teams,
    needed-by and committed iteration, requesting and providing feature) are the board's own
    objects from `teams`, `iterations` and `features` (by id), so no model object is built per
    dependency besides the dependency itself, from its own columns, with no join; the provider
    stories that can hide a conflict are plain rows of one query. The few relations that are
    not among the board's objects (a feature or an iteration of another PI, a team of no row)
    are read once each, by id: a query for each kind only when there are any. Each
    iteration's IterationRef is built once."""
    now = now or timezone.now()
    own = [f.attname for f in Dependency._meta.concrete_fields if f.name not in _BOARD_DEPENDENCY_UNUSED]
    rows = Dependency.objects.filter(pi_id=pi.pk).order_by("needed_by__number", "id").values_list(*own)
    deps = cast("list[DependencyWithHealth]", objects_from_rows(Dependency, own, rows, rows.db))

    all_features: dict[int, Feature] = dict(features)
    wanted = {f for d in deps for f in (d.feature_id, d.provider_feature_id) if f and f not in all_features}
    if wanted:
        feature_rows = Feature.objects.filter(id__in=wanted).values_list(*_BOARD_FEATURE_FIELDS)
        for found in objects_from_rows(Feature, _BOARD_FEATURE_FIELDS, feature_rows, feature_rows.db):
            all_features[found.pk] = found
    all_iterations: dict[int, Iteration] = dict(iterations)
    wanted = {
        i
        for d in deps
        for i in (
            d.needed_by_id,
            d.committed_iteration_id,
            all_features[d.provider_feature_id].iteration_id if d.provider_feature_id else None,
        )
        if i and i not in all_iterations
    }
    # The stories that can hide a conflict: plain rows, their iterations read with the others.
    pairs = _wanted_pairs(deps)
    story_rows = (
        list(
            Story.objects.filter(
                feature_id__in=sorted({f for f, _ in pairs}),
                team_id__in=sorted({t for _, t in pairs}),
                iteration__isnull=False,
            ).values_list("number", "external_key", "title", "feature_id", "team_id", "iteration_id")
        )
        if pairs
        else []
    )
    wanted |= {row[5] for row in story_rows if row[5] not in all_iterations}
    if wanted:
        all_iterations.update(
            (i.pk, i)
            for i in Iteration.objects.filter(id__in=wanted)
            .select_related("pi")
            .only(*_ITERATION_FIELDS, "pi__name")
        )
    all_teams: dict[int, Team] = dict(teams)
    wanted = {t for d in deps for t in (d.requester_team_id, d.provider_team_id) if t and t not in all_teams}
    if wanted:
        all_teams.update((t.pk, t) for t in Team.objects.filter(id__in=wanted).only("id", "name"))

    refs: dict[int, rules.dependencies.IterationRef] = {}

    def ref_of(iteration_id: int) -> rules.dependencies.IterationRef:
        found = refs.get(iteration_id)
        if found is None:
            found = refs[iteration_id] = _board_ref(all_iterations[iteration_id], pi)
        return found

    def ref(iteration_id: int | None) -> rules.dependencies.IterationRef | None:
        return None if iteration_id is None else ref_of(iteration_id)

    stories_by_pair: dict[tuple[int | None, int | None], list[rules.dependencies.StoryRef]] = defaultdict(
        list
    )
    for number, external_key, title, feature_id, team_id, iteration_id in story_rows:
        if (feature_id, team_id) in pairs:
            stories_by_pair[(feature_id, team_id)].append(
                rules.dependencies.StoryRef(
                    card_key(STORY, number, external_key), title, ref_of(iteration_id)
                )
            )

    for dep in deps:
        cache = dep._state.fields_cache
        cache["pi"] = pi
        cache["requester_team"] = all_teams[dep.requester_team_id]
        cache["provider_team"] = all_teams[dep.provider_team_id] if dep.provider_team_id else None
        cache["feature"] = all_features[dep.feature_id] if dep.feature_id else None
        provider_feature = all_features[dep.provider_feature_id] if dep.provider_feature_id else None
        cache["provider_feature"] = provider_feature
        cache["needed_by"] = all_iterations[dep.needed_by_id]
        cache["committed_iteration"] = (
            all_iterations[dep.committed_iteration_id] if dep.committed_iteration_id else None
        )
        needed_by = ref(dep.needed_by_id)
        assert needed_by is not None
        _attach_health(
            dep,
            needed_by=needed_by,
            committed=ref(dep.committed_iteration_id),
            provider_feature_iteration=ref(provider_feature.iteration_id) if provider_feature else None,
            stories_by_pair=stories_by_pair,
            now=now,
        )
    return deps


#: What an IterationRef reads of an iteration (and its PI's name, through `pi`).
_ITERATION_FIELDS = ("id", "pi_id", "number", "name", "is_ip", "start_date")


def pi_dependencies(*, pi_id: int, include_done: bool = True) -> list[DependencyWithHealth]:
    """Every dependency of a PI with health and age: two queries."""
    qs = dependency_queryset().filter(pi_id=pi_id)
    if not include_done:
        qs = qs.exclude(state__in=Dependency.RESOLVED_STATES)
    return with_health(qs.order_by("needed_by__number", "id"))


# --- the dependency board -------------------------------------------------------------------


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
    """A group of the board (a team, outside the train, or every card for the aging view) as one
    page shows it: `cards` are the page's, `count` is the whole group's; `continued` when the
    group began on an earlier page, `continues` when it goes on on a later one."""

    key: str
    title: str
    subtitle: str
    cards: list[DependencyCard]
    count: int = 0
    continued: bool = False
    continues: bool = False
    later: int = 0


#: Cards on one page of the dependency board (the rest come with "Load more", or ?page=).
BOARD_PAGE_SIZE = 50


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


def _grouped(shown: list[DependencyCard], view: str) -> list[DependencyGroup]:
    """Every shown card in its group, in the board's order (the groups' `cards` whole)."""
    if view == "aging":
        cards = sorted(shown, key=lambda d: (not d.aging, -d.age_days, d.pk))
        return [DependencyGroup("all", "Oldest first", "Open ones older than 14 days are aging", cards)]
    groups: list[DependencyGroup] = []
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
    return groups


def _page_of(groups: list[DependencyGroup], start: int, stop: int) -> list[DependencyGroup]:
    """The groups cut to the cards at positions start..stop-1 of the board's order, each keeping
    its whole count."""
    page: list[DependencyGroup] = []
    first = 0  # position of the group's first card on the whole board
    for group in groups:
        count = len(group.cards)
        last = first + count
        if last > start and first < stop:
            cards = group.cards[max(start - first, 0) : min(stop - first, count)]
            page.append(
                DependencyGroup(
                    group.key,
                    group.title,
                    group.subtitle,
                    cards,
                    count=count,
                    continued=first < start,
                    continues=last > stop,
                    later=max(last - stop, 0),
                )
            )
        first = last
    return page


def dependency_board(
    *,
    pi: ProgramIncrement,
    view: str = "provider",
    filters: DependencyFilters | None = None,
    now: dt.datetime | None = None,
    lazy: bool = False,
    page: int = 1,
    pages: int = 1,
    page_size: int | None = None,
    focus: int | None = None,
) -> dict[str, Any]:
    """The dependency board of a PI, filtered and grouped by the view: the cards of one page
    (`page_size` cards from `page`, or `pages` pages from it; every card when `page_size` is
    None) with health, age, comments and history (or, `lazy`, their counts); the counts (shown,
    total, health, aging, hidden done, each group's) are the whole board's. `focus`, a card's
    id, picks the page that shows it when the filters show it. A page past the last is the last
    (`page_past_end` says so). At most seven queries whatever the number of cards."""
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
    groups = _grouped(shown, view)
    size = page_size or max(len(shown), 1)
    page_count = max(1, -(-len(shown) // size))
    if focus is not None and focus in shown_ids:
        order = [d.pk for group in groups for d in group.cards]
        page, pages = order.index(focus) // size + 1, 1
    page_past_end = page > page_count
    page = min(max(page, 1), page_count)
    pages = min(max(pages, 1), page_count - page + 1)
    start, stop = (page - 1) * size, min((page - 1 + pages) * size, len(shown))
    groups = _page_of(groups, start, stop)
    on_page = [d for group in groups for d in group.cards]
    if lazy:
        # Each card's comments and history load when the card opens them (a board of hundreds
        # of cards stays light); their counts come with the board.
        _comment_counts(on_page)
        counts = history_counts(on_page)
        for dep in on_page:
            dep.history_count = counts.get(dep.pk, 0)
    else:
        _comments(on_page)
        attach_histories(on_page, train_labels(pi.train_id, pi_id=pi.pk))
    health_counts = {code: 0 for code in HEALTH_ORDER}
    for dep in everything:
        health_counts[dep.health.code] += 1
    last_page = page + pages - 1
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
        "page": page,
        "last_page": last_page,
        "page_count": page_count,
        "page_size": size,
        "page_past_end": page_past_end,
        "first_index": start + 1 if on_page else 0,
        "last_index": stop,
        "next_page": last_page + 1 if last_page < page_count else None,
        "previous_page": page - 1 if page > 1 else None,
        "next_count": min(size, len(shown) - stop),
    }


def dependency_card(*, pk: int, now: dt.datetime | None = None) -> DependencyCard:
    """One card as the board shows it (health, age, comments, history)."""
    dep = cast("DependencyCard", with_health(dependency_queryset().filter(pk=pk), now)[0])
    _comments([dep])
    attach_histories([dep], train_labels(dep.pi.train_id, pi_id=dep.pi_id))
    return dep
