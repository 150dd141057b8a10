"""Demo PI objectives of every team: scored by the business owners in the closed PIs (so that
predictability shows, above 100 % for one team, below the band for another), planned but not
yet scored in the PI in planning (one team still without planned values: n/a)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from art.demo import SeedContext, seed_step
from art.models import Feature, ProgramIncrement, Team
from pi_planning import services
from pi_planning.demo.common import at_hour, backdate, not_after_now
from pi_planning.models import Objective

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
                        created_at=at_hour(pi.start_date - dt.timedelta(days=7), ctx.tz),
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
                start = at_hour(pi.start_date - dt.timedelta(days=8), ctx.tz, 11)
                end = (
                    at_hour(pi.end_date - dt.timedelta(days=2), ctx.tz, 15)
                    if closed
                    else at_hour(ctx.today - dt.timedelta(days=1), ctx.tz, 16)
                )
                Objective.objects.filter(pk=objective.pk).update(created_at=not_after_now(start))
                history.append((objective.pk, not_after_now(start), end))
                made += 1
    if bulk:
        Objective.objects.bulk_create(bulk, batch_size=2000)
        through = Objective.features.through
        through.objects.bulk_create(
            [through(objective_id=o.pk, feature_id=f.pk) for o, fs in links for f in fs], batch_size=2000
        )
    backdate(Objective, history)
    ctx.count("PI objectives", made + len(bulk))


@seed_step(220, "PI objectives")
def objectives_step(ctx: SeedContext) -> None:
    if ctx.teams and ctx.pis:
        _objectives(ctx)
