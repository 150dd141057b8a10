"""Demo and benchmark data: a registry of seed steps that `manage.py seed_demo` runs in order.

Every app adds its own data for both sizes by registering steps in a `demo.py` module of its
own (found by autodiscovery, like admin.py):

    # pi_planning/demo.py
    from art.demo import SeedContext, seed_step

    @seed_step(210, "objectives")
    def objectives(ctx: SeedContext) -> None:
        for team in ctx.teams: ...
        ctx.count("PI objectives", len(rows))

Order numbers leave room between apps: 100–199 the train's core (art/demo/trains.py, pis.py,
backlog.py), 200–299 planning (objectives, dependencies, risks, baselines), 300–399 the train's
events, 900–999 metrics (snapshots computed from everything before them). A step reads what
earlier steps made from the context (train, teams, people, PIs, features, users), draws
randomness only from `ctx.rng` so that a run is repeatable, dates everything from `ctx.today`,
and writes with bulk_create where rows are many (`ctx.profile.size` says which size is being
built).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils.module_loading import autodiscover_modules

from art.models import (
    ChangeRecord,
    Feature,
    Iteration,
    Membership,
    ProgramIncrement,
    ReleaseTrain,
    Team,
    TeamMember,
)

#: One password for every demo login; printed by seed_demo and shown in the README.
DEMO_PASSWORD = "railyard-demo"
#: Rows per bulk insert where a step writes many.
BATCH = 2000


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    role: str  # a Membership.Role, or "admin" for the superuser (who needs no seat)


#: One login per role, in every train seed_demo builds; `member` sits in the first team.
DEMO_LOGINS = (
    DemoLogin("admin", "Ada", "Admin", "admin"),
    DemoLogin("rte", "Rita", "Engel", Membership.Role.RTE),
    DemoLogin("product", "Priya", "Nair", Membership.Role.PRODUCT),
    DemoLogin("owner", "Olivier", "Bernard", Membership.Role.BUSINESS_OWNER),
    DemoLogin("member", "Mateo", "Silva", Membership.Role.MEMBER),
    DemoLogin("viewer", "Vera", "Lindqvist", Membership.Role.VIEWER),
)
DEMO_USERNAMES = frozenset(login.username for login in DEMO_LOGINS)


@dataclass(frozen=True)
class Profile:
    """How big a train to build. `demo` is what `make run` shows; `large` is the benchmark
    train; tests build reduced copies with dataclasses.replace()."""

    size: str
    train_name: str
    train_slug: str
    description: str
    time_zone: str
    teams: int
    people_per_team: tuple[int, int]
    closed_pis: int
    features_per_team_pi: tuple[int, int]
    stories_per_feature: tuple[int, int]
    #: Extra rounds of rework (review -> in progress) or blocking per finished feature, at most.
    churn: int
    #: Features of the current PI (ready, with stories, some placed) and of the train's backlog.
    current_pi_features_per_team: tuple[int, int]
    backlog_features: int
    #: Share of team members who also have a login (role: member of their team).
    login_share: float
    seed: int = 2024

    def scaled(self, **changes: Any) -> Profile:
        return replace(self, **changes)


PROFILES: dict[str, Profile] = {
    "demo": Profile(
        size="demo",
        train_name="Payments ART",
        train_slug="payments-art",
        description="Card acquiring, payouts and the merchant platform of an online payments company.",
        time_zone="Europe/Berlin",
        teams=8,
        people_per_team=(6, 9),
        closed_pis=1,
        features_per_team_pi=(4, 6),
        stories_per_feature=(4, 8),
        churn=2,
        current_pi_features_per_team=(4, 6),
        backlog_features=14,
        login_share=0.25,
    ),
    "large": Profile(
        size="large",
        train_name="Freight ART",
        train_slug="freight-art",
        description="Benchmark train: routing, dispatch and billing of freight; ten PIs of history.",
        time_zone="Europe/Amsterdam",
        teams=24,
        people_per_team=(7, 10),
        closed_pis=10,
        features_per_team_pi=(19, 25),
        stories_per_feature=(1, 3),
        churn=4,
        current_pi_features_per_team=(4, 7),
        backlog_features=120,
        login_share=0.1,
    ),
}


@dataclass
class SeedContext:
    """What the steps share: the profile, a seeded random source, today, and what earlier
    steps made. Steps add to the lists and report what they made with count()."""

    profile: Profile
    today: dt.date
    rng: random.Random
    actor: Any = None  # the admin user: services record it as the author
    users: dict[str, Any] = field(default_factory=dict)  # demo username -> User
    train: ReleaseTrain = None  # type: ignore[assignment]  # made by the "train" step, first of all
    teams: list[Team] = field(default_factory=list)
    people: list[TeamMember] = field(default_factory=list)
    pis: list[ProgramIncrement] = field(default_factory=list)  # oldest first; the last is current
    iterations: dict[int, list[Iteration]] = field(default_factory=dict)  # pi id -> by number
    features: list[Feature] = field(default_factory=list)
    team_users: dict[int, list[Any]] = field(default_factory=dict)  # team id -> users seated there
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)  # step name -> how long it took

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.profile.time_zone)

    @property
    def closed_pis(self) -> list[ProgramIncrement]:
        return [pi for pi in self.pis if pi.state == ProgramIncrement.State.CLOSED]

    @property
    def current_pi(self) -> ProgramIncrement:
        return self.pis[-1]

    def count(self, label: str, n: int) -> None:
        self.counts[label] = self.counts.get(label, 0) + n


@dataclass(frozen=True)
class SeedStep:
    order: int
    name: str
    run: Callable[[SeedContext], None]


_STEPS: dict[str, SeedStep] = {}


def seed_step(order: int, name: str | None = None) -> Callable[[Callable[[SeedContext], None]], Callable]:
    """Register a function as a seed step; a later registration of the same name replaces it."""

    def register(fn: Callable[[SeedContext], None]) -> Callable[[SeedContext], None]:
        key = name or fn.__name__
        _STEPS[key] = SeedStep(order=order, name=key, run=fn)
        return fn

    return register


def seed_steps() -> list[SeedStep]:
    """Every registered step, in order: the core's and those of each app's demo.py."""
    from . import backlog, kanban, pis, trains

    autodiscover_modules("demo")
    return sorted(_STEPS.values(), key=lambda step: (step.order, step.name))


def existing_train(profile: Profile) -> ReleaseTrain | None:
    return ReleaseTrain.objects.filter(slug=profile.train_slug).first()


def remove(profile: Profile) -> bool:
    """Delete the profile's train with its history (demo data, rebuilt from scratch: unlike a
    real train's, its history does not outlive it), and the logins of its people that sit in no
    other train (the demo logins stay; the next build resets their passwords). True if there was
    one."""
    train = existing_train(profile)
    if train is None:
        return False
    User = get_user_model()
    with transaction.atomic():
        people = set(
            Membership.objects.filter(train=train)
            .exclude(user__username__in=DEMO_USERNAMES)
            .values_list("user_id", flat=True)
        )
        elsewhere = set(
            Membership.objects.filter(user_id__in=people)
            .exclude(train=train)
            .values_list("user_id", flat=True)
        )
        train_id = train.pk
        _delete_with_protected(train)
        ChangeRecord.objects.filter(train_id=train_id).delete()
        User.objects.filter(pk__in=people - elsewhere).delete()
    return True


def _delete_with_protected(obj: Any, depth: int = 0) -> None:
    """Delete `obj` and its cascade; rows that protect it (PROTECT or RESTRICT foreign keys, such
    as a dependency's PI) belong to the same demo train here, so they go first."""
    try:
        obj.delete()
    except (ProtectedError, RestrictedError) as error:
        if depth > 10:
            raise
        blockers = getattr(error, "protected_objects", ()) or getattr(error, "restricted_objects", ())
        for blocker in blockers:
            _delete_with_protected(blocker, depth + 1)
        _delete_with_protected(obj, depth + 1)


def build(profile: Profile, *, today: dt.date | None = None, reset: bool = False) -> SeedContext | None:
    """Build the profile's train with every seed step, in one transaction: a failed run leaves
    nothing behind. If the train exists already it does nothing and returns None, unless
    `reset`, which deletes it first and builds it anew."""
    from django.utils import timezone

    with transaction.atomic():
        if existing_train(profile) is not None:
            if not reset:
                return None
            remove(profile)
        ctx = SeedContext(
            profile=profile, today=today or timezone.localdate(), rng=random.Random(profile.seed)
        )
        for step in seed_steps():
            started = time.perf_counter()
            step.run(ctx)
            ctx.seconds[step.name] = time.perf_counter() - started
    return ctx


def refresh_planner_statistics() -> None:
    """ANALYZE after a seed: thousands of rows arrive at once, and until autovacuum gets round to
    them PostgreSQL's planner guesses from empty tables (28 rows estimated for 15,000) and picks
    plans to match. On SQLite it fills sqlite_stat1, which its planner reads too: harmless."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def demo_password_hash() -> str:
    # Hashing once: PBKDF2 at Django's default cost takes a good fraction of a second per call.
    return make_password(DEMO_PASSWORD)
