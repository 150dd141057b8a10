"""Seed step of the card boards, for both sizes (`manage.py seed_demo [--size large]`):

- PI objectives of every team: scored by the business owners in the closed PIs (so that
  predictability shows, above 100 % for one team, below the band for another), planned but not
  yet scored in the PI in planning (one team still without planned values: n/a);
- the confidence vote: revealed rounds in the closed PIs; in the current PI some teams
  revealed (one accepted, one to rework with concerns, one concern recorded as a risk), one
  team's vote open and the train's not opened yet;
- dependencies through their whole lifecycle on top of the planning board's (committed,
  counter-proposed, in progress, blocked, delivered, cancelled, aging ones), with owners and
  comment threads; delivered and cancelled ones in the closed PIs (dependency age);
- risks in every ROAM column, moved through the services so that each card has its history.

Writes go through pi_planning.services (so histories exist), except the large train's older
closed PIs, whose objectives are bulk inserted. Histories are then back-dated to when the
change would have happened, so that cards read like a PI in progress.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from art.demo import SeedContext, seed_step
from art.models import ChangeRecord, Feature, Iteration, ProgramIncrement, Team
from pi_planning import services
from pi_planning.models import Dependency, Objective, Risk, Vote, VoteRound

CARDS_STEP = 220

OBJECTIVE_TEMPLATES = [
    "Deliver {} to the pilot merchants",
    "Ship {} behind a feature flag",
    "Make {} generally available",
    "Prove {} in production with two customers",
]
GENERIC_OBJECTIVES = [
    "Cut p95 API latency below 300 ms",
    "Pass the yearly security re-certification",
    "Reduce failed payouts by 30 %",
    "Automate the monthly reconciliation report",
    "Retire the legacy rules engine",
    "Self-service onboarding for small customers",
    "Halve the time to restore a broken pipeline",
    "Document the public API with examples",
    "Zero known critical vulnerabilities at PI end",
    "Run a chaos day on the production platform",
]
STRETCH_OBJECTIVES = [
    "Prototype an AI-assisted support triage",
    "Explore event sourcing for the ledger",
    "Spike: open banking account verification",
    "Publish a developer newsletter",
    "Try contract tests with two consumer teams",
]
RISKS = [
    ("Certification slot with the card scheme may slip", "Only two slots left this quarter."),
    ("Key engineer on parental leave in iteration 3", "Knowledge of the ledger sits with one person."),
    ("Shared test environment too small for load tests", "Load tests of two teams collide."),
    ("New strong customer authentication rules", "The regulator publishes the final text mid-PI."),
    ("Vendor SDK end of life", "The fraud vendor drops the SDK version we use."),
    ("Unclear requirements for multi-currency payouts", "Product and finance disagree on rounding."),
    ("Ledger performance under peak load", "Black Friday volumes were 3× the PI's tests."),
    ("Bank API sandbox availability", "The sandbox was down 4 days last PI."),
    ("Hiring freeze delays the platform team", "Two open positions stay open."),
    ("Migration of historic payouts", "Ten years of data, three formats."),
    ("Open findings from the security audit", "Three medium findings without an owner yet."),
    ("Third-party outage during the release window", "Our CDN provider schedules maintenance."),
    ("Scope creep on the merchant dashboard", "Sales promised extra reports."),
    ("Single point of failure in the deployment pipeline", "One runner builds everything."),
    ("Data protection review of new analytics", "The DPO has not seen the design yet."),
]
PLANS = [
    "Book the backup slot now and prepare the evidence pack in iteration 1.",
    "Pair two engineers on the ledger from iteration 1; write the runbook.",
    "Reserve the performance environment for two nights per iteration.",
    "Design for both variants; decide when the final text is out.",
    "Upgrade in iteration 2, with the vendor's migration guide.",
    "Workshop with finance in iteration 1; product owner decides by iteration 2.",
]
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
CONCERNS = [
    "Too much work in iteration 2 while two of us are on vacation.",
    "The dependency on the bank sandbox is not under our control.",
    "Requirements for the payout rounding are still open.",
    "We have not estimated the migration stories yet.",
]


def _at(day: dt.date, tz: Any, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)


def _not_after_now(value: dt.datetime) -> dt.datetime:
    return min(value, timezone.now() - dt.timedelta(minutes=5))


def _backdate(model: type[models.Model], cards: Sequence[tuple[int, dt.datetime, dt.datetime]]) -> None:
    """Spread each card's recorded changes between `start` and `end`, in the order they were
    made (services record them as happening now)."""
    if not cards:
        return
    ct = ContentType.objects.get_for_model(model)
    by_card: dict[int, list[ChangeRecord]] = defaultdict(list)
    for record in ChangeRecord.objects.filter(content_type=ct, object_id__in=[c[0] for c in cards]).order_by(
        "id"
    ):
        by_card[record.object_id].append(record)
    updated = []
    for pk, start, end in cards:
        records = by_card.get(pk, [])
        end = max(start, _not_after_now(end))
        step = (end - start) / max(1, len(records) - 1) if len(records) > 1 else dt.timedelta(0)
        for index, record in enumerate(records):
            record.at = start + step * index
            updated.append(record)
    ChangeRecord.objects.bulk_update(updated, ["at"], batch_size=1000)


def _owners(ctx: SeedContext) -> list[str]:
    return [p.name for p in ctx.people if p.role in ("product_owner", "scrum_master")] or [
        p.name for p in ctx.people
    ]


# --- objectives -------------------------------------------------------------------------------


def _objective_rows(
    ctx: SeedContext, pi: ProgramIncrement, team: Team, features: list[Feature], scored: bool, style: str
) -> list[dict[str, Any]]:
    """A team's objectives for one PI: 3–5 committed, 1–2 stretch. `style` biases the actual
    business value the owners give: "over" (stretch delivered), "under", or "usual"."""
    rng = ctx.rng
    rows: list[dict[str, Any]] = []
    titles = list(GENERIC_OBJECTIVES)
    rng.shuffle(titles)
    own = [f for f in features if f.team_id == team.pk]
    for index in range(rng.randint(3, 5)):
        feature = own[index] if index < len(own) else None
        if feature is not None:
            subject = feature.title.split(" (")[0]
            title = rng.choice(OBJECTIVE_TEMPLATES).format(subject[0].lower() + subject[1:])
        else:
            title = titles.pop()
        planned = rng.choice([3, 5, 5, 7, 8, 8, 10])
        actual = None
        if scored:
            if style == "over":
                actual = planned if rng.random() < 0.8 else max(0, planned - 1)
            elif style == "under":
                actual = max(0, planned - rng.choice([2, 3, 4, 5]))
            else:
                actual = max(0, planned - rng.choice([0, 0, 0, 1, 1, 2, 3]))
        rows.append(
            {
                "title": title[:240],
                "committed": True,
                "planned_bv": planned,
                "actual_bv": actual,
                "features": [feature] if feature else [],
            }
        )
    stretch = list(STRETCH_OBJECTIVES)
    rng.shuffle(stretch)
    for _ in range(rng.randint(1, 2)):
        planned = rng.choice([2, 3, 5])
        actual = None
        if scored:
            actual = planned if style == "over" else rng.choice([0, 0, planned // 2, planned])
        rows.append(
            {
                "title": stretch.pop(),
                "committed": False,
                "planned_bv": planned,
                "actual_bv": actual,
                "features": [],
            }
        )
    return rows


def _objectives(ctx: SeedContext) -> None:
    owner, rte = ctx.users["owner"], ctx.users["rte"]
    members = ctx.team_users
    features_by_pi: dict[int, list[Feature]] = defaultdict(list)
    for feature in Feature.objects.filter(train=ctx.train, pi__isnull=False).only(
        "id", "title", "team_id", "pi_id", "train_id"
    ):
        if feature.pi_id is not None:
            features_by_pi[feature.pi_id].append(feature)
    styles = {ctx.teams[0].pk: "over"}
    if len(ctx.teams) > 2:
        styles[ctx.teams[2].pk] = "under"
    made = 0
    history: list[tuple[int, dt.datetime, dt.datetime]] = []
    bulk: list[Objective] = []
    links: list[tuple[Objective, list[Feature]]] = []
    recent = ctx.closed_pis[-2:]
    for pi in ctx.pis:
        closed = pi.state == ProgramIncrement.State.CLOSED
        through_services = not closed or pi in recent or ctx.profile.size == "demo"
        for team_index, team in enumerate(ctx.teams):
            rows = _objective_rows(
                ctx, pi, team, features_by_pi[pi.pk], scored=closed, style=styles.get(team.pk, "usual")
            )
            # In the PI in planning, the last team has not had its business values yet: n/a.
            unvalued = not closed and team_index == len(ctx.teams) - 1
            writer = (members.get(team.pk) or [rte])[0]
            for order, row in enumerate(rows):
                if unvalued:
                    row["planned_bv"] = None
                if not through_services:
                    objective = Objective(
                        pi=pi,
                        team=team,
                        title=row["title"],
                        committed=row["committed"],
                        planned_bv=row["planned_bv"],
                        actual_bv=row["actual_bv"],
                        order=(order + 1) * 10,
                        created_at=_at(pi.start_date - dt.timedelta(days=7), ctx.tz),
                    )
                    bulk.append(objective)
                    links.append((objective, row["features"]))
                    continue
                objective = services.objective_create(
                    actor=writer,
                    pi=pi,
                    team=team,
                    title=row["title"],
                    committed=row["committed"],
                    features=row["features"],
                )
                if row["planned_bv"] is not None:
                    objective = services.objective_update(
                        actor=owner, objective=objective, planned_bv=row["planned_bv"]
                    )
                if row["actual_bv"] is not None:
                    objective = services.objective_update(
                        actor=owner, objective=objective, actual_bv=row["actual_bv"]
                    )
                start = _at(pi.start_date - dt.timedelta(days=8), ctx.tz, 11)
                end = (
                    _at(pi.end_date - dt.timedelta(days=2), ctx.tz, 15)
                    if closed
                    else _at(ctx.today - dt.timedelta(days=1), ctx.tz, 16)
                )
                Objective.objects.filter(pk=objective.pk).update(created_at=_not_after_now(start))
                history.append((objective.pk, _not_after_now(start), end))
                made += 1
    if bulk:
        Objective.objects.bulk_create(bulk, batch_size=2000)
        through = Objective.features.through
        through.objects.bulk_create(
            [through(objective_id=o.pk, feature_id=f.pk) for o, fs in links for f in fs], batch_size=2000
        )
    _backdate(Objective, history)
    ctx.count("PI objectives", made + len(bulk))


# --- confidence vote --------------------------------------------------------------------------


def _voters(ctx: SeedContext, team: Team | None) -> list[Any]:
    if team is None:
        people = [u for users in ctx.team_users.values() for u in users]
        return [ctx.users["owner"], ctx.users["rte"], *people]
    return list(ctx.team_users.get(team.pk, []))  # each team votes on its own plan


def _votes(ctx: SeedContext) -> None:
    rng, rte = ctx.rng, ctx.users["rte"]
    votes = rounds = 0
    concern_votes: list[Vote] = []
    for pi in ctx.pis:
        closed = pi.state == ProgramIncrement.State.CLOSED
        if closed and ctx.profile.size != "demo" and pi not in ctx.closed_pis[-2:]:
            continue
        scopes: list[tuple[Team | None, str]] = []
        if closed:
            scopes = [(team, "revealed") for team in ctx.teams] + [(None, "revealed")]
        else:
            plan = ["revealed-good", "revealed-rework", "open"]
            scopes = [(team, plan[i]) for i, team in enumerate(ctx.teams[: len(plan)])]
            scopes += [(team, "revealed-good") for team in ctx.teams[len(plan) : len(plan) + 2]]
        for team, how in scopes:
            round_ = services.vote_round_open(actor=rte, pi=pi, team=team)
            rounds += 1
            for voter in _voters(ctx, team):
                if how == "revealed-rework":
                    score = rng.choice([1, 2, 2, 3])
                elif how == "open":
                    if rng.random() < 0.4:
                        continue
                    score = rng.choice([3, 4, 4, 5])
                else:
                    score = rng.choice([3, 4, 4, 5, 5, 2])
                concern = rng.choice(CONCERNS) if score <= 2 else ""
                cast = services.vote_cast(actor=voter, pi=pi, team=team, score=score, concern=concern)
                votes += 1
                if concern and not closed:
                    concern_votes.append(cast)
            if how != "open":
                services.vote_round_reveal(actor=rte, round_=round_)
        at = _at(pi.start_date - dt.timedelta(days=9), ctx.tz, 16)
        Vote.objects.filter(pi=pi).update(created_at=_not_after_now(at))
        VoteRound.objects.filter(pi=pi).update(opened_at=_not_after_now(at))
        VoteRound.objects.filter(pi=pi, state=VoteRound.State.REVEALED).update(
            revealed_at=_not_after_now(at + dt.timedelta(minutes=20))
        )
    if concern_votes:
        services.vote_concern_to_risk(actor=rte, vote=concern_votes[0])
        ctx.count("risks from concerns", 1)
    ctx.count("vote rounds", rounds)
    ctx.count("confidence votes", votes)


# --- dependencies -----------------------------------------------------------------------------


def _comment(ctx: SeedContext, dep: Dependency, text: str, when: dt.datetime, team: Team | None) -> None:
    users = ctx.team_users.get(team.pk, []) if team else []
    author = ctx.rng.choice(users) if users else ctx.users["rte"]
    comment = services.dependency_comment_add(actor=author, dependency=dep, body=text)
    type(comment).objects.filter(pk=comment.pk).update(created_at=_not_after_now(when))


def _lifecycle(
    ctx: SeedContext, pi: ProgramIncrement, work: list[Iteration]
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Dependencies of the current PI in every state, on top of the board's."""
    rng, rte, now = ctx.rng, ctx.users["rte"], timezone.now()
    teams = ctx.teams
    owners = _owners(ctx)
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
    owners = _owners(ctx)
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
            created = _at(pi.start_date - dt.timedelta(days=rng.randint(1, 10)), ctx.tz)
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
            Dependency.objects.filter(pk=dep.pk).update(resolved_at=min(resolved, _at(pi.end_date, ctx.tz)))
            made += 1
    return made


def _dependencies(ctx: SeedContext) -> None:
    pi = ctx.current_pi
    work = [i for i in ctx.iterations[pi.pk] if not i.is_ip]
    if len(ctx.teams) < 2 or len(work) < 4:
        return
    board = _board_dependencies(ctx, pi)
    lifecycle = _lifecycle(ctx, pi, work)
    _backdate(Dependency, board + lifecycle)
    ctx.count("dependencies", len(lifecycle))
    ctx.count("resolved dependencies of closed PIs", _closed_dependencies(ctx))


# --- risks ------------------------------------------------------------------------------------


def _risks(ctx: SeedContext) -> None:
    rng, now = ctx.rng, timezone.now()
    owners = _owners(ctx)
    movers = [ctx.users["rte"], ctx.users["member"]]
    paths = [
        [],  # un-ROAMed
        [],
        [],
        [("owned", True, False)],
        [("owned", True, False)],
        [("accepted", False, False)],
        [("accepted", False, False)],
        [("owned", True, False), ("mitigated", True, True)],
        [("mitigated", True, True)],
        [("resolved", False, False)],
        [("owned", True, False), ("resolved", False, False)],
        [("accepted", False, False), ("mitigated", True, True)],
        [("owned", True, False), ("accepted", False, False)],
    ]
    repeat = 1 if ctx.profile.size == "demo" else 4
    made = 0
    history = []
    catalogue = list(RISKS)
    for round_index in range(repeat):
        rng.shuffle(catalogue)
        for index, path in enumerate(paths):
            title, description = catalogue[index % len(catalogue)]
            if round_index:
                title = f"{title} ({ctx.teams[(index + round_index) % len(ctx.teams)].name})"
            team = rng.choice(ctx.teams) if rng.random() < 0.7 else None
            age = rng.randint(1, 30)
            created = now - dt.timedelta(days=age, hours=rng.randint(0, 8))
            risk = services.risk_create(
                actor=rng.choice(movers),
                train=ctx.train,
                pi=ctx.current_pi,
                team=team,
                title=title,
                description=description,
                created_at=created,
            )
            for roam, needs_owner, needs_plan in path:
                risk = services.risk_roam(
                    actor=rng.choice(movers),
                    risk=risk,
                    roam=roam,
                    owner=rng.choice(owners) if needs_owner and not risk.owner else None,
                    mitigation_plan=rng.choice(PLANS) if needs_plan and not risk.mitigation_plan else None,
                )
            history.append((risk.pk, created, now - dt.timedelta(hours=1)))
            made += 1
    # The last closed PI's risks, resolved or accepted by now.
    if ctx.closed_pis:
        pi = ctx.closed_pis[-1]
        for title, description in catalogue[:4]:
            created = _at(pi.start_date - dt.timedelta(days=5), ctx.tz)
            risk = services.risk_create(
                actor=ctx.users["rte"],
                train=ctx.train,
                pi=pi,
                title=title,
                description=description,
                created_at=created,
            )
            risk = services.risk_roam(
                actor=ctx.users["rte"], risk=risk, roam=rng.choice(["resolved", "accepted"])
            )
            Risk.objects.filter(pk=risk.pk).update(roamed_at=_at(pi.end_date - dt.timedelta(days=10), ctx.tz))
            history.append((risk.pk, created, _at(pi.end_date - dt.timedelta(days=10), ctx.tz)))
            made += 1
    # Risks raised from concerns: dated at the vote.
    for risk in Risk.objects.filter(train=ctx.train, source_vote__isnull=False):
        history.append((risk.pk, risk.created_at, risk.created_at))
    _backdate(Risk, history)
    ctx.count("risks", made)


@seed_step(CARDS_STEP, "objectives, votes, dependencies and risks")
def cards(ctx: SeedContext) -> None:
    if not ctx.teams or not ctx.pis:
        return
    _objectives(ctx)
    _votes(ctx)
    _dependencies(ctx)
    _risks(ctx)
