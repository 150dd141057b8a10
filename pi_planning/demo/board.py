"""The demo planning board of the current PI: public holidays and vacations (capacity),
dependencies drawn between cards in every health, the committed baseline and moves after it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import cast

from django.utils import timezone

from art import services
from art.demo import SeedContext, seed_step
from art.models import Absence, Feature, Iteration, Story, Team
from pi_planning import services as planning
from pi_planning.models import Dependency, PlanBaseline

BOARD_STEP = 205


NEEDS = [
    "settlement file export",
    "risk score API v2",
    "merchant ledger accounts",
    "3-D Secure challenge flow",
    "payout schedule events",
    "test environment with card scheme simulator",
    "API gateway rate limits",
    "KYC status webhook",
    "refund reconciliation feed",
    "feature flag service",
]


EXTERNAL = [
    "Card scheme certification lab",
    "Bank API vendor",
    "Security audit firm",
    "Cloud provider support",
]


def _workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _holidays(ctx: SeedContext, work: list[Iteration]) -> None:
    rte = ctx.users["rte"]
    made = 0
    holiday = _workday(work[1].start_date + dt.timedelta(days=3))
    planning.holiday_create(actor=rte, train=ctx.train, date=holiday, name="Regional holiday")
    made += 1
    if ctx.closed_pis:
        last = ctx.iterations[ctx.closed_pis[-1].pk]
        planning.holiday_create(
            actor=rte,
            train=ctx.train,
            date=_workday(last[2].start_date + dt.timedelta(days=1)),
            name="Bank holiday",
        )
        made += 1
    ctx.count("public holidays", made)


def _vacations(ctx: SeedContext, work: list[Iteration]) -> None:
    """A summer of vacations in the first iteration for a few teams: their planned load now
    leaves no slack, or overloads."""
    rng = ctx.rng
    teams = ctx.teams[: max(2, len(ctx.teams) // 4)]
    by_team: dict[int, list] = defaultdict(list)
    for person in ctx.people:
        if person.delivering:
            by_team[person.team_id].append(person)
    existing = set(Absence.objects.filter(iteration__in=work).values_list("member_id", "iteration_id"))
    rows = []
    for team in teams:
        for person in rng.sample(by_team[team.pk], k=min(2, len(by_team[team.pk]))):
            if (person.pk, work[0].pk) not in existing:
                rows.append(
                    Absence(
                        member=person,
                        iteration=work[0],
                        days=Decimal(rng.choice([3, 4, 5])),
                        reason="Vacation",
                    )
                )
    Absence.objects.bulk_create(rows)
    ctx.count("absences", len(rows))


class _Pairs:
    """Requesting and providing features of the current PI, by how the provider's plan
    compares with the requester's delivery iteration."""

    def __init__(self, ctx: SeedContext, features: list[Feature]) -> None:
        self.rng = ctx.rng
        self.features = features
        self.used: set[tuple[int, int]] = set()

    def pick(self, test) -> tuple[Feature, Feature] | None:
        candidates = [
            (r, p)
            for r in self.features
            for p in self.features
            if r.team_id != p.team_id and r.iteration_id and (r.pk, p.pk) not in self.used and test(r, p)
        ]
        if not candidates:
            return None
        pair = self.rng.choice(candidates)
        self.used.add((pair[0].pk, pair[1].pk))
        return pair


def _dependencies(ctx: SeedContext, work: list[Iteration], ip: Iteration | None) -> list[Dependency]:
    rng, pi = ctx.rng, ctx.current_pi
    features = list(Feature.objects.filter(pi=pi, team__isnull=False).select_related("team", "iteration"))
    if len(features) < 2:
        return []
    # The last iteration in which each feature has stories of its own team (for hidden conflicts).
    last_story: dict[int, int] = {}
    for feature_id, team_id, story_number in Story.objects.filter(
        feature__pi=pi, iteration__pi=pi
    ).values_list("feature_id", "team_id", "iteration__number"):
        owner = next((f.team_id for f in features if f.pk == feature_id), None)
        if team_id == owner:
            last_story[feature_id] = max(last_story.get(feature_id, 0), story_number)
    pairs = _Pairs(ctx, features)
    number = {i.pk: i.number for i in work}

    def n(feature: Feature) -> int | None:
        return number.get(feature.iteration_id) if feature.iteration_id else None

    def earlier(a: int | None, b: int | None) -> bool:
        return a is not None and b is not None and a < b

    kinds = {
        "green": lambda r, p: earlier(n(p), n(r)),
        "amber": lambda r, p: n(p) is not None and n(p) == n(r),
        "late": lambda r, p: earlier(n(r), n(p)),
        "unplanned": lambda r, p: p.iteration_id is None and n(r) is not None,
        "hidden": lambda r, p: last_story.get(p.pk, 0) >= 3 and n(r) is not None,
    }
    if ctx.profile.size == "demo":
        plan = (
            ["green"] * 4 + ["amber"] * 2 + ["late"] * 3 + ["unplanned", "hidden", "ip", "ext", "ext", "done"]
        )
    else:
        mix = ["green"] * 9 + ["amber"] * 4 + ["late"] * 4 + ["unplanned"] * 2 + ["hidden", "ext"]
        plan = ["green", "amber", "late", "unplanned", "hidden", "ip", "ext", "done"]
        plan += [rng.choice(mix) for _ in range(min(320, len(features) * 2))]
    rte = ctx.users["rte"]
    made: list[Dependency] = []
    by_number = {i.number: i for i in work}
    for serial, kind in enumerate(plan):
        need = NEEDS[serial % len(NEEDS)]
        if kind == "ext":
            requester = rng.choice([f for f in features if f.iteration_id] or features)
            needed_by = requester.iteration or work[-1]
            committed = by_number.get(max(1, needed_by.number - 1)) if rng.random() < 0.6 else None
            made.append(
                planning.dependency_create(
                    actor=rte,
                    pi=pi,
                    requester_team=cast(Team, requester.team),  # features with a team only
                    feature=requester,
                    external_provider=rng.choice(EXTERNAL),
                    needed_by=needed_by,
                    title=f"{need.capitalize()} sign-off",
                    committed_iteration=committed,
                    state=Dependency.State.COMMITTED if committed else Dependency.State.REQUESTED,
                )
            )
            continue
        test = kinds.get(kind, kinds["green"])
        pair = pairs.pick(test) or pairs.pick(lambda r, p: n(r) is not None)
        if pair is None:
            continue
        requester, provider = pair
        needed_by = cast(Iteration, requester.iteration)  # pairs only hold planned requesters
        committed, state = None, Dependency.State.REQUESTED
        if kind == "hidden" and last_story.get(provider.pk, 0) >= 2:
            # Committed early, but the provider's own stories run past the needed-by iteration.
            late = last_story[provider.pk]
            needed_by = by_number[max(1, late - 1)]
            committed, state = by_number[1], Dependency.State.COMMITTED
        elif kind == "ip" and ip is not None:
            committed, state = ip, Dependency.State.COMMITTED
        elif kind in ("green", "amber", "late") and provider.iteration_id and rng.random() < 0.3:
            committed, state = provider.iteration, Dependency.State.COMMITTED
        dependency = planning.dependency_create(
            actor=rte,
            pi=pi,
            requester_team=cast(Team, requester.team),  # features with a team only
            feature=requester,
            provider_team=provider.team,
            provider_feature=provider,
            needed_by=needed_by,
            committed_iteration=committed,
            state=state,
            title=need.capitalize(),
            created_at=timezone.now() - dt.timedelta(days=rng.randint(0, 20)),
        )
        if kind == "done":
            for step in ("committed", "in_progress", "delivered"):
                dependency = planning.dependency_set_state(actor=rte, dependency=dependency, state=step)
        made.append(dependency)
    ctx.count("dependencies", len(made))
    return made


def _baseline_and_moves(ctx: SeedContext, work: list[Iteration]) -> None:
    """The RTE commits the plan at the end of PI planning; the teams then move a few stories
    (into the iteration with the holiday, mostly) and add one."""
    rng, pi, rte = ctx.rng, ctx.current_pi, ctx.users["rte"]
    baseline = planning.plan_baseline_commit(actor=rte, pi=pi, note="Committed at the end of PI planning")
    committed_at = dt.datetime.combine(ctx.today, dt.time(16, 30), tzinfo=ctx.tz) - dt.timedelta(days=1)
    PlanBaseline.objects.filter(pk=baseline.pk).update(committed_at=min(committed_at, timezone.now()))
    placed = list(
        Story.objects.filter(iteration__in=work[:2], feature__pi=pi).select_related(
            "team", "iteration", "feature"
        )
    )
    moves = 0
    for story in rng.sample(placed, k=min(len(placed), 4 if ctx.profile.size == "demo" else 12)):
        target = work[1] if story.iteration_id == work[0].pk else work[2]
        services.story_move(actor=rte, story=story, iteration=target, version=story.version)
        moves += 1
    if placed:
        source = rng.choice(placed)
        services.story_create(
            actor=rte,
            team=source.team,
            feature=source.feature,
            iteration=work[1],
            points=3,
            title="Hardening: feedback from the management review",
        )
    ctx.count("plan baselines", 1)
    ctx.count("moves after the baseline", moves)


@seed_step(BOARD_STEP, "planning board")
def board(ctx: SeedContext) -> None:
    pi = ctx.current_pi
    iterations = ctx.iterations[pi.pk]
    work = [i for i in iterations if not i.is_ip]
    ip = next((i for i in iterations if i.is_ip), None)
    if len(work) < 3:
        return
    _holidays(ctx, work)
    _vacations(ctx, work)
    _dependencies(ctx, work, ip)
    _baseline_and_moves(ctx, work)
