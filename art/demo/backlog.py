"""Seed steps of the backlog: the closed PIs' features with their back-dated state history and
their stories, then the current PI's candidates in planning and the train's backlog. All bulk
inserts (features first, for their ids; then stories and transitions)."""

from __future__ import annotations

import datetime as dt
import zlib
from typing import Any

from art.models import FIBONACCI, Feature, FeatureState, FeatureTransition, Iteration, Story

from . import BATCH, SeedContext, data, seed_step
from .timeline import finished_path, history

S = FeatureState
STORY_POINTS = (1, 2, 3, 5, 8)
STORY_POINT_WEIGHTS = (10, 22, 30, 25, 13)


class _Titles:
    """Feature titles: the demo's list first, then generated ones, each used once per train."""

    def __init__(self, ctx: SeedContext) -> None:
        self.rng = ctx.rng
        demo = ctx.profile.size == "demo"
        self.fixed = list(data.PAYMENTS_FEATURES) if demo else []
        self.verbs = data.PAYMENTS_VERBS if demo else data.FREIGHT_VERBS
        self.objects = data.PAYMENTS_OBJECTS if demo else data.FREIGHT_OBJECTS
        self.rng.shuffle(self.fixed)
        self.used: set[str] = set()
        self.serial = 0

    def next(self) -> tuple[str, str]:
        if self.fixed:
            return self.fixed.pop()
        kind = self.rng.choices(["business", "enabler", "defect"], weights=[70, 22, 8])[0]
        for _ in range(20):  # a fresh combination reads better than a numbered repeat
            verb, obj = self.rng.choice(self.verbs), self.rng.choice(self.objects)
            title = f"{verb} {obj}"
            if title not in self.used:
                break
        else:
            self.serial += 1
            title = f"{title} ({self.serial})"
        self.used.add(title)
        if kind == "defect":
            return f"Fix: {title[0].lower()}{title[1:]}", kind
        return title, kind


def _escaped(kind: str, title: str) -> bool:
    """Whether a demo defect was found after release: the demo's named ones, and about one in
    three generated ones, chosen by title so that the random draws (and so the rest of the demo)
    stay the same."""
    if kind != "defect":
        return False
    return title in data.ESCAPED_DEFECTS or zlib.crc32(title.encode()) % 3 == 0


def _wsjf(ctx: SeedContext, kind: str) -> dict[str, int]:
    rng = ctx.rng
    fib = list(FIBONACCI)
    return {
        "user_business_value": rng.choice(fib[:6] if kind != "enabler" else fib[:3]),
        "time_criticality": rng.choice(fib[:5] if kind != "defect" else fib[3:]),
        "risk_reduction": rng.choice(fib[:5] if kind != "enabler" else fib[2:]),
        "job_size": rng.choice(fib[1:]),
    }


def _wsjf_of(feature: Feature) -> float:
    """The feature's WSJF before it is saved (the database computes the stored one)."""
    cost = (
        (feature.user_business_value or 0) + (feature.time_criticality or 0) + (feature.risk_reduction or 0)
    )
    return cost / (feature.job_size or 1)


def _capacity(ctx: SeedContext) -> dict[int, float]:
    """Points a team can deliver in a two-week iteration (domain.md: 8 per full-time person)."""
    out: dict[int, float] = {}
    for person in ctx.people:
        if person.delivering:
            out[person.team_id] = out.get(person.team_id, 0.0) + 8 * float(person.fte)
    return out


def _story_title(ctx: SeedContext, feature_title: str) -> str:
    subject = feature_title.split(" (")[0]
    first, _, rest = subject.partition(" ")
    # Lower-case a leading common word ("Partial captures" -> "partial captures"), never a name
    # ("Apple Pay", "PSD2", "Kafka").
    if first[1:].islower() and not rest[:1].isupper() and first not in data.PROPER_NOUNS:
        subject = first.lower() + (" " + rest if rest else "")
    return ctx.rng.choice(data.STORY_PATTERNS).format(subject)[:240]


class _Batch:
    """Rows waiting for bulk inserts: features first (their ids are needed), then stories and
    transitions."""

    def __init__(self) -> None:
        self.features: list[Feature] = []
        self.stories: list[tuple[Feature | None, Story]] = []
        self.transitions: list[tuple[Feature, str, str, dt.datetime, Any]] = []

    def save(self, ctx: SeedContext) -> None:
        Feature.number_all(self.features)
        Feature.objects.bulk_create(self.features, batch_size=BATCH)
        for feature, story in self.stories:
            if feature is not None:
                story.feature_id = feature.pk
        Story.number_all(s for _, s in self.stories)
        Story.objects.bulk_create([s for _, s in self.stories], batch_size=BATCH)
        FeatureTransition.objects.bulk_create(
            (
                FeatureTransition(feature_id=f.pk, from_state=a, to_state=b, at=at, actor=actor)
                for f, a, b, at, actor in self.transitions
            ),
            batch_size=BATCH,
        )
        ctx.features += self.features
        ctx.count("features", len(self.features))
        ctx.count("stories", len(self.stories))
        ctx.count("feature transitions", len(self.transitions))


def _transitions(
    batch: _Batch, ctx: SeedContext, feature: Feature, steps: list[tuple[str, str, dt.datetime]]
):
    doers = ctx.team_users.get(feature.team_id or 0) or [None]
    for before, after, at in steps:
        actor = (
            ctx.users["product"]
            if after in (S.FUNNEL, S.ANALYZING, S.READY, S.CANCELLED)
            else ctx.rng.choice(doers)
        )
        batch.transitions.append((feature, before, after, at, actor))
    feature.state = steps[-1][1]
    feature.created_at = steps[0][2]  # as feature_create does: the history starts at creation


@seed_step(150, "closed PI history")
def closed_pi_history(ctx: SeedContext) -> None:
    """Each closed PI: each team's features with their whole state history, back-dated; their
    stories done in the PI's iterations, and smaller unplanned work filling the iterations to a
    believable load. Some features of the last closed PI are carried over, unfinished."""
    rng, tz, p = ctx.rng, ctx.tz, ctx.profile
    titles = _Titles(ctx)
    capacity = _capacity(ctx)
    now = dt.datetime.now(tz=tz)
    batch = _Batch()
    for pi in ctx.closed_pis:
        iterations = ctx.iterations[pi.pk]
        work = [i for i in iterations if not i.is_ip]
        last_closed = pi == ctx.closed_pis[-1]
        for team in ctx.teams:
            load = {i.pk: 0 for i in work}
            for _ in range(rng.randint(*p.features_per_team_pi)):
                title, kind = titles.next()
                created = pi.start_date - dt.timedelta(days=rng.randint(20, 130))
                ready_by = pi.start_date - dt.timedelta(days=rng.randint(1, 12))
                feature = Feature(
                    train=ctx.train,
                    pi=pi,
                    team=team,
                    title=title,
                    kind=kind,
                    found_after_release=_escaped(kind, title),
                    created_at=dt.datetime.combine(created, dt.time(9), tzinfo=tz),
                    **_wsjf(ctx, kind),
                )
                batch.features.append(feature)
                if rng.random() < 0.04:  # dropped at or after planning
                    path = (
                        [S.FUNNEL, S.ANALYZING, S.CANCELLED]
                        if rng.random() < 0.5
                        else [S.FUNNEL, S.ANALYZING, S.READY, S.CANCELLED]
                    )
                    _transitions(
                        batch,
                        ctx,
                        feature,
                        history(
                            rng,
                            tz,
                            path=path,
                            created=created,
                            ready_by=ready_by,
                            work_start=pi.start_date,
                            work_end=pi.start_date + dt.timedelta(days=20),
                        ),
                    )
                    continue
                first = rng.randrange(len(work))
                span = work[first : first + rng.randint(1, 3)]
                carried = last_closed and rng.random() < 0.1
                points = 0
                stories = rng.randint(*p.stories_per_feature)
                for n in range(stories):
                    iteration: Iteration | None = span[min(n * len(span) // stories, len(span) - 1)]
                    size = rng.choices(STORY_POINTS, weights=STORY_POINT_WEIGHTS)[0]
                    points += size
                    state = Story.State.DONE
                    if carried and iteration == span[-1] and n >= stories // 2:
                        iteration, state = None, rng.choice([Story.State.TODO, Story.State.IN_PROGRESS])
                    elif iteration is not None:
                        load[iteration.pk] += size
                    batch.stories.append(
                        (
                            feature,
                            Story(
                                train=ctx.train,
                                team=team,
                                iteration=iteration,
                                title=_story_title(ctx, title),
                                points=size,
                                state=state,
                                created_at=feature.created_at + dt.timedelta(days=rng.randint(1, 9)),
                            ),
                        )
                    )
                feature.points = points
                feature.iteration = span[-1]
                if carried:
                    # Unfinished at the PI's end: moved to the current PI, its open stories unplanned.
                    path = [S.FUNNEL, S.ANALYZING, S.READY, S.IN_PROGRESS]
                    path += rng.choice([[], [S.REVIEW], [S.BLOCKED], [S.REVIEW, S.IN_PROGRESS]])
                    feature.pi, feature.iteration = ctx.current_pi, None
                    steps = history(
                        rng,
                        tz,
                        path=path,
                        created=created,
                        ready_by=ready_by,
                        work_start=span[0].start_date,
                        work_end=pi.end_date,
                        not_after=now,
                    )
                else:
                    steps = history(
                        rng,
                        tz,
                        path=finished_path(rng, p.churn),
                        created=created,
                        ready_by=ready_by,
                        work_start=span[0].start_date,
                        work_end=span[-1].end_date,
                        finish_by=min(span[-1].end_date + dt.timedelta(days=9), pi.end_date),
                        not_after=now,
                    )
                _transitions(batch, ctx, feature, steps)
            # Unplanned work (defects, support, tech debt) fills each iteration to 75–95 %.
            for iteration in work:
                target = capacity.get(team.pk, 0) * rng.uniform(0.75, 0.95)
                while load[iteration.pk] + 1 <= target:
                    size = min(rng.choice((1, 2, 3, 5)), int(target - load[iteration.pk]))
                    load[iteration.pk] += size
                    batch.stories.append(
                        (
                            None,
                            Story(
                                train=ctx.train,
                                team=team,
                                iteration=iteration,
                                points=size,
                                state=Story.State.DONE,
                                title=rng.choice(["Bug: ", "Support: ", "Tech debt: ", "Chore: "])
                                + rng.choice(
                                    [
                                        "flaky test in CI",
                                        "alert noise on weekends",
                                        "upgrade dependencies",
                                        "customer escalation",
                                        "slow query on reports",
                                        "log retention",
                                        "expired certificate warning",
                                        "clean up feature flags",
                                    ]
                                ),
                                created_at=dt.datetime.combine(iteration.start_date, dt.time(10), tzinfo=tz),
                            ),
                        )
                    )
    batch.save(ctx)


@seed_step(160, "current PI and backlog")
def current_pi(ctx: SeedContext) -> None:
    """The PI in planning: each team's candidate features, ready and scored, their stories
    placed in iterations in WSJF order as far as the team's planners got (some teams past
    their capacity); then the train's backlog in the funnel and in analysis."""
    rng, tz, p = ctx.rng, ctx.tz, ctx.profile
    pi = ctx.current_pi
    titles = _Titles(ctx)
    titles.fixed = [t for t in titles.fixed if t[0] not in {f.title for f in ctx.features}]
    capacity = _capacity(ctx)
    now = dt.datetime.now(tz=tz)
    work = [i for i in ctx.iterations[pi.pk] if not i.is_ip]
    batch = _Batch()
    today = ctx.today
    for team in ctx.teams:
        candidates = []
        for _ in range(rng.randint(*p.current_pi_features_per_team)):
            title, kind = titles.next()
            created = today - dt.timedelta(days=rng.randint(25, 160))
            feature = Feature(
                train=ctx.train,
                pi=pi,
                team=team,
                title=title,
                kind=kind,
                found_after_release=_escaped(kind, title),
                created_at=dt.datetime.combine(created, dt.time(9), tzinfo=tz),
                **_wsjf(ctx, kind),
            )
            batch.features.append(feature)
            _transitions(
                batch,
                ctx,
                feature,
                history(
                    rng,
                    tz,
                    path=[S.FUNNEL, S.ANALYZING, S.READY],
                    created=created,
                    ready_by=today - dt.timedelta(days=rng.randint(1, 14)),
                    not_after=now,
                ),
            )
            candidates.append(feature)
        candidates.sort(key=_wsjf_of, reverse=True)
        # How far this team's planning got: most plan to 60–100 % of capacity, a few overload.
        fill = rng.choice([0.0, 0.6, 0.75, 0.85, 0.95, 1.15])
        load = {i.pk: 0 for i in work}
        for feature in candidates:
            points, placed = 0, None
            for _ in range(rng.randint(*p.stories_per_feature)):
                size = rng.choices(STORY_POINTS, weights=STORY_POINT_WEIGHTS)[0]
                points += size
                iteration = next(
                    (i for i in work if load[i.pk] + size <= capacity.get(team.pk, 0) * fill), None
                )
                if iteration is not None:
                    load[iteration.pk] += size
                    placed = iteration if placed is None or iteration.number > placed.number else placed
                batch.stories.append(
                    (
                        feature,
                        Story(
                            train=ctx.train,
                            team=team,
                            iteration=iteration,
                            title=_story_title(ctx, feature.title),
                            points=size,
                            created_at=feature.created_at + dt.timedelta(days=rng.randint(1, 20)),
                        ),
                    )
                )
            feature.points, feature.iteration = points, placed
    for _ in range(p.backlog_features):
        title, kind = titles.next()
        created = today - dt.timedelta(days=rng.randint(3, 200))
        scored = rng.random() < 0.8
        feature = Feature(
            train=ctx.train,
            title=title,
            kind=kind,
            found_after_release=_escaped(kind, title),
            created_at=dt.datetime.combine(created, dt.time(9), tzinfo=tz),
            **(_wsjf(ctx, kind) if scored else {}),
        )
        batch.features.append(feature)
        path = [S.FUNNEL, S.ANALYZING] if scored and rng.random() < 0.6 else [S.FUNNEL]
        _transitions(
            batch, ctx, feature, history(rng, tz, path=path, created=created, ready_by=today, not_after=now)
        )
    batch.save(ctx)
