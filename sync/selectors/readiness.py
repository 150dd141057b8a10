"""Reads of a PI's planning readiness: the inputs of the checklist's computed items
(art.rules.readiness), counted in a fixed number of queries whatever the number of features,
teams, people or improvement items, and the page's data: every item with where to fix it, the
RTE's ticks with who and when, the summary and the improvement items targeted at the PI."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse

from art import rules
from art.models import Feature, Iteration, Membership, Milestone, ProgramIncrement, Team
from pi_planning.selectors.board import FINISHED_FEATURE_STATES
from pi_planning.selectors.capacity import NORMALIZED, capacity_inputs
from sync.models import ImprovementItem, ReadinessCheck
from sync.selectors.improvements import improvements_for_pi

if TYPE_CHECKING:
    from sync.selectors.improvements import ImprovementRow

OPEN_STATUSES = (ImprovementItem.Status.OPEN, ImprovementItem.Status.IN_PROGRESS)


@dataclass(frozen=True)
class ReadinessFacts:
    """The inputs of the rules, and what the page links to: the first team lacking capacity and
    the PI before this one."""

    inputs: rules.readiness.ReadinessInputs
    first_team_without_capacity: int | None = None
    previous_pi_id: int | None = None


def readiness_facts(pi: ProgramIncrement) -> ReadinessFacts:
    """Count what the computed items look at. Queries: features (one aggregate), teams,
    development iterations, capacity (art's capacity inputs: five), business owners, milestones,
    the previous PI and its workshop's items (one aggregate): twelve, whatever the data."""
    features = (
        Feature.objects.filter(pi=pi)
        .exclude(state__in=FINISHED_FEATURE_STATES)
        .aggregate(
            count=Count("id"),
            unscored=Count("id", filter=Q(wsjf__isnull=True)),
            points=Coalesce(Sum("points", filter=Q(wsjf__isnull=False)), 0),
        )
    )
    teams = list(Team.objects.filter(train_id=pi.train_id).order_by("name").only("id", "name"))
    iterations = list(Iteration.objects.filter(pi=pi, is_ip=False).order_by("number"))
    capacity = Decimal(0)
    missing: list[str] = []
    first_missing: int | None = None
    if teams and iterations:
        inputs = capacity_inputs(pi=pi, team_ids=[t.pk for t in teams], iterations=iterations)
        for team in teams:
            for iteration in iterations:
                cell = inputs.cell(team.pk, iteration, NORMALIZED)
                capacity += cell.normalized
                if cell.normalized <= 0:
                    missing.append(f"{team.name} · {iteration.name}")
                    first_missing = first_missing or team.pk
    owners = Membership.objects.filter(train_id=pi.train_id, role=Membership.Role.BUSINESS_OWNER).count()
    milestones = Milestone.objects.filter(pi=pi).count()
    previous = (
        ProgramIncrement.objects.filter(train_id=pi.train_id, start_date__lt=pi.start_date)
        .order_by("-start_date", "-id")
        .only("id", "name")
        .first()
    )
    items = {"total": 0, "untargeted": 0}
    if previous is not None:
        items = ImprovementItem.objects.filter(workshop__pi=previous).aggregate(
            total=Count("id"),
            untargeted=Count("id", filter=Q(target_pi__isnull=True, status__in=OPEN_STATUSES)),
        )
    return ReadinessFacts(
        inputs=rules.readiness.ReadinessInputs(
            features=features["count"],
            unscored=features["unscored"],
            feature_points=int(features["points"]),
            capacity=capacity,
            teams=len(teams),
            dev_iterations=len(iterations),
            missing_capacity=tuple(missing),
            business_owners=owners,
            milestones=milestones,
            previous_pi=previous.name if previous else "",
            previous_items=items["total"],
            previous_untargeted=items["untargeted"],
        ),
        first_team_without_capacity=first_missing,
        previous_pi_id=previous.pk if previous else None,
    )


def readiness_inputs(pi: ProgramIncrement) -> rules.readiness.ReadinessInputs:
    """The inputs of art.rules.readiness for `pi`, in a fixed number of queries."""
    return readiness_facts(pi).inputs


@dataclass(frozen=True)
class ReadinessRow:
    """One item of the checklist as the page shows it."""

    item: rules.readiness.ReadinessItem
    fix_url: str = ""
    fix_label: str = ""
    check: ReadinessCheck | None = None


@dataclass(frozen=True)
class Readiness:
    pi: ProgramIncrement
    computed: list[ReadinessRow]
    manual: list[ReadinessRow]
    summary: rules.readiness.ReadinessSummary
    improvements: list[ImprovementRow]

    @property
    def items(self) -> list[rules.readiness.ReadinessItem]:
        return [row.item for row in self.computed + self.manual]


def _fix_links(pi: ProgramIncrement, facts: ReadinessFacts) -> dict[str, tuple[str, str]]:
    slug = pi.train.slug
    board = reverse("pi_planning:board", kwargs={"slug": slug, "pi_id": pi.pk})
    train = reverse("art:train", kwargs={"slug": slug})
    capacity = (
        (
            reverse(
                "pi_planning:team_capacity",
                kwargs={"slug": slug, "team_id": facts.first_team_without_capacity},
            ),
            "Team capacity",
        )
        if facts.first_team_without_capacity
        else (f"{train}#teams", "Teams")
    )
    improvements = reverse("sync:improvements", kwargs={"slug": slug})
    if facts.previous_pi_id:
        improvements += f"?source={facts.previous_pi_id}&target=none"
    return {
        "backlog": (f"{board}?panel=backlog", "Backlog"),
        "capacity": capacity,
        "business_owners": (f"{train}#people", "Train members"),
        "milestones": (
            reverse("art:pi", kwargs={"slug": slug, "pi_id": pi.pk}) + "#milestones-title",
            "PI milestones",
        ),
        "improvements": (improvements, "Improvement backlog"),
    }


def checks_of(pi: ProgramIncrement) -> dict[str, ReadinessCheck]:
    """The RTE's ticks of `pi`, by item, with who ticked: one query."""
    return {c.item: c for c in ReadinessCheck.objects.filter(pi=pi).select_related("checked_by")}


def pi_readiness(pi: ProgramIncrement, *, today: dt.date | None = None) -> Readiness:
    """The readiness page's data for `pi`: the computed items with where to fix each, the manual
    ones with the RTE's ticks, the summary over all of them, the improvement items targeted at the
    PI. Fourteen queries at most, whatever the data."""
    facts = readiness_facts(pi)
    links = _fix_links(pi, facts)
    checks = checks_of(pi)
    computed = [
        ReadinessRow(item, *links.get(item.key, ("", "")))
        for item in rules.readiness.computed_items(facts.inputs)
    ]
    ticked = {key: c.done for key, c in checks.items()}
    notes = {key: c.note for key, c in checks.items()}
    manual = [
        ReadinessRow(item, check=checks.get(item.key)) for item in rules.readiness.manual_items(ticked, notes)
    ]
    summary = rules.readiness.readiness_summary([row.item for row in computed + manual])
    return Readiness(
        pi=pi, computed=computed, manual=manual, summary=summary, improvements=improvements_for_pi(pi=pi)
    )
