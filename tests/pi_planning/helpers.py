"""Helpers of the PI planning tests: the world's PI and its iterations as the board sees them,
cards placed on it, and a board of any size built with bulk inserts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.urls import reverse

from art.models import Absence, Feature, Iteration, Milestone, Story, Team, TeamMember
from pi_planning.models import Dependency, Holiday
from pi_planning.services import plan_baseline_commit

#: A day before the world's PI (which starts on Monday 5 January 2026): no iteration is finished,
#: so no team has a measured velocity unless a test gives it one.
BEFORE_PI = dt.date(2026, 1, 1)


@dataclass
class Plan:
    """The world's PI as the board sees it: four development iterations (2 weeks, 10 workdays)
    and the IP iteration."""

    world: object
    iterations: list[Iteration]

    @property
    def pi(self):
        return self.world.pi

    @property
    def ip(self) -> Iteration:
        return self.iterations[-1]

    def it(self, number: int) -> Iteration:
        return self.iterations[number - 1]

    def url(self, view: str = "board", **kwargs) -> str:
        return reverse(
            f"pi_planning:{view}", kwargs={"slug": self.world.train.slug, "pi_id": self.pi.pk, **kwargs}
        )

    def fragment(self, name: str, query: str = "") -> str:
        return self.url("board_fragment", name=name) + (f"?{query}" if query else "")


def feature(world, *, team=None, iteration=None, pi=True, points=8, **fields) -> Feature:
    return Feature.objects.create(
        train=world.train,
        pi=world.pi if pi is True else pi,
        team=team or world.team,
        iteration=iteration,
        iteration_is_explicit=iteration is not None,
        title=fields.pop("title", "A feature"),
        points=points,
        state=fields.pop("state", Feature.State.READY),
        **fields,
    )


def story(world, *, team=None, iteration=None, feature=None, points=3, **fields) -> Story:
    team = team or world.team
    return Story.objects.create(
        train=world.train,
        team=team,
        iteration=iteration,
        feature=feature,
        points=points,
        title=fields.pop("title", "A story"),
        **fields,
    )


def numbered(model, cards):
    """Cards for bulk_create, numbered in their train as a save would (NumberedCard)."""
    cards = list(cards)
    model.number_all(cards)
    return cards


def build_board(world, plan: Plan, *, teams: int, cards: int) -> None:
    """`teams` teams (the world's two among them) with people, absences and a holiday;
    `cards` features and stories spread over them and the iterations; dependencies, a
    milestone per iteration and a committed baseline: everything the board shows, in bulk."""
    existing = list(Team.objects.filter(train=world.train))
    new = Team.objects.bulk_create(
        Team(train=world.train, name=f"Team {i:02d} Customer Identity", abbreviation=f"T{i:02d}")
        for i in range(len(existing), teams)
    )
    all_teams = existing + new
    people = TeamMember.objects.bulk_create(
        TeamMember(team=t, name=f"Person {t.pk}-{n}", fte=Decimal("1.00") if n else Decimal("0.5"))
        for t in all_teams
        for n in range(4)
    )
    work = plan.iterations[:-1]
    Absence.objects.bulk_create(
        Absence(member=p, iteration=work[i % len(work)], days=Decimal(1 + i % 3))
        for i, p in enumerate(people)
    )
    Holiday.objects.get_or_create(
        train=world.train, date=work[1].start_date + dt.timedelta(days=2), name="Holiday"
    )
    Milestone.objects.bulk_create(
        Milestone(pi=world.pi, name=f"Milestone {it.number}", date=it.start_date) for it in plan.iterations
    )
    n_features = max(len(all_teams), cards // 5)
    features = Feature.objects.bulk_create(
        numbered(
            Feature,
            (
                Feature(
                    train=world.train,
                    pi=world.pi,
                    team=all_teams[i % len(all_teams)],
                    iteration=work[i % len(work)] if i % 7 else None,
                    title=f"Feature {i}",
                    points=8,
                    user_business_value=(1, 2, 3, 5, 8)[i % 5],
                    time_criticality=(2, 3, 5)[i % 3],
                    risk_reduction=1,
                    job_size=(1, 2, 3, 5, 8, 13)[i % 6],
                    state=Feature.State.READY,
                )
                for i in range(n_features)
            ),
        )
    )
    Story.objects.bulk_create(
        numbered(
            Story,
            (
                Story(
                    train=world.train,
                    team=f.team,
                    feature=f,
                    iteration=work[(i + j) % len(work)] if (i + j) % 9 else None,
                    title=f"Story {i}-{j}",
                    points=(1, 2, 3, 5, 8)[(i + j) % 5],
                )
                for i, f in enumerate(features)
                for j in range(max(0, (cards - n_features) // n_features))
            ),
        )
    )
    Dependency.objects.bulk_create(
        numbered(
            Dependency,
            (
                Dependency(
                    pi=world.pi,
                    train=world.train,
                    requester_team=features[i].team,
                    provider_team=features[i + 1].team,
                    feature=features[i],
                    provider_feature=features[i + 1],
                    needed_by=work[i % len(work)],
                    title=f"Needs {i}",
                )
                for i in range(0, len(features) - 1, 2)
                if features[i].team_id != features[i + 1].team_id
            ),
        )
    )
    plan_baseline_commit(actor=world.rte, pi=world.pi)


def iterations(pi):
    return list(pi.iterations.order_by("number"))
