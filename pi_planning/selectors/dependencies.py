"""Dependencies with their computed health and age, in a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast, overload

from django.db.models import QuerySet
from django.utils import timezone

from art import rules
from art.models import Iteration, Story
from pi_planning.models import Dependency

if TYPE_CHECKING:

    class DependencyWithHealth(Dependency):
        """A dependency as with_health() returns it. For type checking only: the class does not
        exist at runtime, the attributes are set on the Dependency instances."""

        health: rules.dependencies.Health
        age_days: int
        aging: bool


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


def with_health(
    dependencies: Iterable[Dependency], now: dt.datetime | None = None
) -> list[DependencyWithHealth]:
    """Attach `health` (rules.dependencies.Health), `age_days` and `aging` to each dependency (loaded with
    dependency_queryset()). One more query whatever the number: the provider stories that
    can hide a conflict."""
    deps = cast("list[DependencyWithHealth]", list(dependencies))
    now = now or timezone.now()
    wanted = {
        (d.provider_feature_id, d.provider_team_id)
        for d in deps
        if d.provider_feature_id and d.provider_team_id
    }
    stories_by_pair: dict[tuple[int | None, int | None], list[rules.dependencies.StoryRef]] = defaultdict(
        list
    )
    if wanted:
        rows = (
            Story.objects.filter(
                feature_id__in={f for f, _ in wanted},
                team_id__in={t for _, t in wanted},
                iteration__isnull=False,
            )
            .select_related("iteration__pi")
            .only("id", "external_key", "title", "feature_id", "team_id", "iteration")
        )
        for story in rows:
            if story.iteration is not None and (story.feature_id, story.team_id) in wanted:
                stories_by_pair[(story.feature_id, story.team_id)].append(
                    rules.dependencies.StoryRef(story.key, story.title, iteration_ref(story.iteration))
                )
    for dep in deps:
        provider_iteration = (
            dep.provider_feature.iteration if dep.provider_feature_id and dep.provider_feature else None
        )
        dep.health = rules.dependencies.dependency_health(
            state=dep.state,
            needed_by=iteration_ref(dep.needed_by),
            committed=iteration_ref(dep.committed_iteration),
            provider_feature_iteration=iteration_ref(provider_iteration),
            provider_stories=stories_by_pair.get((dep.provider_feature_id, dep.provider_team_id), ()),
            provider_name=dep.provider_name,
        )
        dates = rules.dependencies.DependencyDates(dep.created_at, dep.resolved_at)
        dep.age_days = rules.dependencies.dependency_age_days(dates, now)
        dep.aging = rules.dependencies.age_is_aging(dep.age_days, resolved=dep.is_resolved)
    return deps


def pi_dependencies(*, pi_id: int, include_done: bool = True) -> list[DependencyWithHealth]:
    """Every dependency of a PI with health and age: two queries."""
    qs = dependency_queryset().filter(pi_id=pi_id)
    if not include_done:
        qs = qs.exclude(state__in=Dependency.RESOLVED_STATES)
    return with_health(qs.order_by("needed_by__number", "id"))
