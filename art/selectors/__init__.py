"""Reads shared by pages, API and tasks. Each owns its select_related/prefetch/annotate so that
the number of queries does not grow with rows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, F, Prefetch, Q, QuerySet

from art.access import visible
from art.models import (
    Absence,
    ChangeRecord,
    Feature,
    FeatureTransition,
    Iteration,
    Membership,
    Milestone,
    ProgramIncrement,
    ReleaseTrain,
    Story,
    Team,
    TeamMember,
)
from art.selectors.tokens import api_tokens_of, train_api_tokens

if TYPE_CHECKING:

    class PIIteration(Iteration):
        """An iteration as pi_detail() returns it (for type checking only: the counts are
        annotations, the milestones are set on the instances)."""

        story_count: int
        feature_count: int
        milestone_list: list[Milestone]


#: The backlog's WSJF order (domain.md): highest WSJF first; ties: higher cost of delay, then
#: higher time criticality, then smaller job size, then the older feature. Unscored features last.
FEATURE_RANK_ORDER = [
    F("wsjf").desc(nulls_last=True),
    F("cost_of_delay").desc(nulls_last=True),
    F("time_criticality").desc(nulls_last=True),
    F("job_size").asc(nulls_last=True),
    F("created_at").asc(),
    F("id").asc(),
]


def train_list(*, user: Any) -> QuerySet[ReleaseTrain]:
    """The trains a user belongs to, with counts for the 'my trains' page."""
    return (
        visible(user, ReleaseTrain.objects.all())
        .annotate(
            team_count=Count("teams", distinct=True),
            people_count=Count("memberships", distinct=True),
        )
        .order_by("name")
    )


def team_list(*, train: ReleaseTrain) -> QuerySet[Team]:
    return (
        Team.objects.filter(train=train)
        .annotate(
            member_count=Count("members", distinct=True),
        )
        .order_by("name")
    )


def membership_list(*, train: ReleaseTrain) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(train=train)
        .select_related("user", "team")
        .order_by("role", "user__username")
    )


def pi_list(*, train: ReleaseTrain) -> QuerySet[ProgramIncrement]:
    return (
        ProgramIncrement.objects.filter(train=train)
        .annotate(
            iteration_count=Count("iterations", distinct=True),
            feature_count=Count("features", distinct=True),
        )
        .order_by("-start_date")
    )


def pi_current(*, train: ReleaseTrain) -> ProgramIncrement | None:
    """The PI being executed, else the next one in planning, else the latest."""
    pis = ProgramIncrement.objects.filter(train=train)
    return (
        pis.filter(state=ProgramIncrement.State.EXECUTING).order_by("start_date").first()
        or pis.filter(state=ProgramIncrement.State.PLANNING).order_by("start_date").first()
        or pis.order_by("-start_date").first()
    )


def pi_detail(*, pi: ProgramIncrement) -> dict[str, Any]:
    iterations = cast(
        "list[PIIteration]",
        list(
            Iteration.objects.filter(pi=pi)
            .annotate(
                story_count=Count("stories", distinct=True), feature_count=Count("features", distinct=True)
            )
            .order_by("number")
        ),
    )
    milestones = list(Milestone.objects.filter(pi=pi).order_by("date", "name"))
    for iteration in iterations:
        iteration.milestone_list = [
            m for m in milestones if iteration.start_date <= m.date <= iteration.end_date
        ]
    return {"pi": pi, "iterations": iterations, "milestones": milestones}


def feature_list(*, user: Any) -> QuerySet[Feature]:
    return visible(user, Feature.objects.all()).select_related("team", "iteration", "pi")


def feature_ranked(queryset: QuerySet[Feature]) -> QuerySet[Feature]:
    return queryset.order_by(*FEATURE_RANK_ORDER)


def feature_transitions(*, feature: Feature) -> QuerySet[FeatureTransition]:
    return FeatureTransition.objects.filter(feature=feature).select_related("actor").order_by("at", "id")


def story_list(*, user: Any) -> QuerySet[Story]:
    """The stories the user sees, as the API lists them: its serializer outputs the team's,
    iteration's and feature's ids only, so no related rows are joined (they cost the 500-story
    page half its time)."""
    return visible(user, Story.objects.all())


def stories_of_pi(stories: QuerySet[Story], *, pi_id: int) -> QuerySet[Story]:
    """The stories placed in the PI: by their iteration or under one of its features. Two
    IN-subqueries on the story's own columns (each answered by index from the PI's iterations
    or features) rather than an OR across two LEFT JOINs, which joined every story of the train
    to both tables before it could filter, for the list's count and again for its page."""
    return stories.filter(
        Q(iteration_id__in=Iteration.objects.filter(pi_id=pi_id).values("pk"))
        | Q(feature_id__in=Feature.objects.filter(pi_id=pi_id).values("pk"))
    )


def team_member_list(*, team: Team) -> QuerySet[TeamMember]:
    return (
        TeamMember.objects.filter(team=team)
        .select_related("user")
        .prefetch_related(Prefetch("absences", queryset=Absence.objects.select_related("iteration")))
    )


def change_history(*, obj: Any, limit: int = 50) -> QuerySet[ChangeRecord]:
    from django.contrib.contenttypes.models import ContentType

    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    ).select_related("actor")[:limit]


def train_recent_changes(*, train: ReleaseTrain, limit: int = 20) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(train=train).select_related("actor", "content_type")[:limit]


def pi_current_by_train(*, train_ids: list[int]) -> dict[int, ProgramIncrement]:
    """pi_current for many trains in one query (the 'my trains' cards)."""
    by_train: dict[int, list[ProgramIncrement]] = {}
    for pi in ProgramIncrement.objects.filter(train_id__in=train_ids).order_by("start_date"):
        by_train.setdefault(pi.train_id, []).append(pi)
    current = {}
    for train_id, pis in by_train.items():
        executing = [p for p in pis if p.state == ProgramIncrement.State.EXECUTING]
        planning = [p for p in pis if p.state == ProgramIncrement.State.PLANNING]
        current[train_id] = (executing or planning or pis[::-1])[0]
    return current
