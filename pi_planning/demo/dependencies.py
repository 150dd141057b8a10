"""Demo dependencies through their whole lifecycle on top of the planning board's (committed,
counter-proposed, in progress, blocked, delivered, cancelled, aging ones), with owners and
comment threads; delivered and cancelled ones in the closed PIs (dependency age)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.utils import timezone

from art.demo import SeedContext, seed_step
from art.models import Feature, Iteration, ProgramIncrement, Team
from pi_planning import services
from pi_planning.demo.common import at_hour, backdate, not_after_now, owner_names
from pi_planning.models import Dependency

COMMENTS = [
    "We can commit once the API contract is agreed: draft shared in the channel.",
    "Counter-proposal: the iteration after, our capacity is gone before that.",
    "Blocked on the vendor's sandbox credentials; escalated at the ART sync.",
    "Started: first endpoint is on the test environment.",
    "Can you confirm the payload format? We assumed JSON with ISO dates.",
    "Delivered to staging; please verify on your side.",
    "No longer needed: the feature was descoped at the PO sync.",
    "Raised again at today's ART sync; owner agreed to follow up.",
    "Thanks, verified on our side.",
]


def _comment(ctx: SeedContext, dep: Dependency, text: str, when: dt.datetime, team: Team | None) -> None:
    users = ctx.team_users.get(team.pk, []) if team else []
    author = ctx.rng.choice(users) if users else ctx.users["rte"]
    comment = services.dependency_comment_add(actor=author, dependency=dep, body=text)
    type(comment).objects.filter(pk=comment.pk).update(created_at=not_after_now(when))


def _lifecycle(
    ctx: SeedContext, pi: ProgramIncrement, work: list[Iteration]
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Dependencies of the current PI in every state, on top of the board's."""
    rng, rte, now = ctx.rng, ctx.users["rte"], timezone.now()
    teams = ctx.teams
    owners = owner_names(ctx)
    history = []
    features = list(Feature.objects.filter(pi=pi, team__isnull=False).select_related("iteration"))
    by_team: dict[int, list[Feature]] = defaultdict(list)
    for feature in features:
        if feature.team_id is not None:
            by_team[feature.team_id].append(feature)
    last = len(work)
    plans = [
        # (state path, needed-by number, committed number or None, age in days, comments)
        (["committed"], 3, 2, 6, [1, 0]),
        (["committed"], 2, 4, 9, [1]),  # counter-proposal after the needed-by iteration: conflict
        (["committed", "in_progress"], 3, 2, 12, [3]),
        (["committed", "in_progress"], 4, 4, 16, [3, 4]),  # aging and at risk
        (["blocked"], 2, None, 23, [2, 7]),  # aging, blocked
        ([], 3, None, 19, [0]),  # requested long ago and never planned: aging
        (["committed", "in_progress", "delivered"], 2, 1, 10, [5, 8]),
        (["cancelled"], 4, None, 8, [6]),
    ]
    repeat = 1 if ctx.profile.size == "demo" else 3
    serial = 0
    for _ in range(repeat):
        for path, needed, committed, age, comments in plans:
            requester, provider = rng.sample(teams, 2)
            needed_by = work[min(needed, last) - 1]
            requester_feature = rng.choice(by_team[requester.pk]) if by_team[requester.pk] else None
            provider_feature = rng.choice(by_team[provider.pk]) if by_team[provider.pk] else None
            created = now - dt.timedelta(days=age, hours=rng.randint(0, 6))
            dep = services.dependency_create(
                actor=rte,
                pi=pi,
                requester_team=requester,
                provider_team=provider,
                feature=requester_feature,
                provider_feature=provider_feature,
                needed_by=needed_by,
                title=[
                    "Payout status events on the bus",
                    "Sandbox merchant accounts for end-to-end tests",
                    "Fraud score in the authorisation response",
                    "Shared idempotency library v2",
                    "Ledger read API for the dashboard",
                    "Currency conversion rates endpoint",
                    "Webhook retries with back-off",
                    "Consent screen copy in 12 languages",
                ][serial % 8],
                owner=rng.choice(owners),
                created_at=created,
            )
            serial += 1
            for step in path:
                iteration = work[min(committed, last) - 1] if committed and step == "committed" else None
                dep = services.dependency_set_state(
                    actor=rte, dependency=dep, state=step, committed_iteration=iteration
                )
            if dep.is_resolved:
                Dependency.objects.filter(pk=dep.pk).update(resolved_at=created + dt.timedelta(days=age - 1))
            for index, which in enumerate(comments):
                team = provider if index % 2 == 0 else requester
                _comment(ctx, dep, COMMENTS[which], created + dt.timedelta(days=1 + index * 2), team)
            history.append((dep.pk, created, now - dt.timedelta(hours=2)))
    return history


def _board_dependencies(ctx: SeedContext, pi: ProgramIncrement) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """The planning board's dependencies get owners, some comments and a few moves on."""
    rng, rte, now = ctx.rng, ctx.users["rte"], timezone.now()
    owners = owner_names(ctx)
    history = []
    board = list(Dependency.objects.filter(pi=pi, owner="").select_related("provider_team", "requester_team"))
    for dep in board:
        if rng.random() < 0.6:
            dep = services.dependency_update(actor=rte, dependency=dep, owner=rng.choice(owners))
        if rng.random() < 0.35:
            _comment(
                ctx,
                dep,
                rng.choice(COMMENTS[:5]),
                dep.created_at + dt.timedelta(days=1),
                dep.provider_team or dep.requester_team,
            )
        if dep.state == Dependency.State.COMMITTED and rng.random() < 0.3:
            dep = services.dependency_set_state(actor=rte, dependency=dep, state=Dependency.State.IN_PROGRESS)
        history.append((dep.pk, dep.created_at, now - dt.timedelta(hours=3)))
    return history


def _closed_dependencies(ctx: SeedContext) -> int:
    """Resolved dependencies of the closed PIs, for dependency age over time."""
    rng, rte = ctx.rng, ctx.users["rte"]
    made = 0
    per_pi = 6 if ctx.profile.size == "demo" else 20
    pis = ctx.closed_pis if ctx.profile.size == "demo" else ctx.closed_pis[-3:]
    for pi in pis:
        work = [i for i in ctx.iterations[pi.pk] if not i.is_ip]
        for _ in range(per_pi):
            requester, provider = rng.sample(ctx.teams, 2)
            needed_by = rng.choice(work)
            created = at_hour(pi.start_date - dt.timedelta(days=rng.randint(1, 10)), ctx.tz)
            dep = services.dependency_create(
                actor=rte,
                pi=pi,
                requester_team=requester,
                provider_team=provider,
                needed_by=needed_by,
                title=rng.choice(
                    ["API contract", "Test data", "Shared component upgrade", "Config change", "Data export"]
                ),
                created_at=created,
            )
            cancelled = rng.random() < 0.15
            steps = ["cancelled"] if cancelled else ["committed", "in_progress", "delivered"]
            for step in steps:
                dep = services.dependency_set_state(actor=rte, dependency=dep, state=step)
            resolved = created + dt.timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8))
            Dependency.objects.filter(pk=dep.pk).update(
                resolved_at=min(resolved, at_hour(pi.end_date, ctx.tz))
            )
            made += 1
    return made


def _dependencies(ctx: SeedContext) -> None:
    pi = ctx.current_pi
    work = [i for i in ctx.iterations[pi.pk] if not i.is_ip]
    if len(ctx.teams) < 2 or len(work) < 4:
        return
    board = _board_dependencies(ctx, pi)
    lifecycle = _lifecycle(ctx, pi, work)
    backdate(Dependency, board + lifecycle)
    ctx.count("dependencies", len(lifecycle))
    ctx.count("resolved dependencies of closed PIs", _closed_dependencies(ctx))


@seed_step(224, "dependency lifecycle")
def dependencies_step(ctx: SeedContext) -> None:
    if ctx.teams and ctx.pis:
        _dependencies(ctx)
