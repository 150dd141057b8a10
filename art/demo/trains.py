"""Seed steps of the train and its people: the demo logins, the train, its teams and their
members (some of whom log in), with their seats in the train. Few rows go through the services
(the train, teams); the many (people, logins, memberships) are bulk inserts."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

from django.contrib.auth import get_user_model

from art import services
from art.models import Membership, TeamMember

from . import BATCH, DEMO_LOGINS, SeedContext, data, demo_password_hash, seed_step


def _team_specs(ctx: SeedContext) -> list[tuple[str, str, str, str]]:
    specs: list[tuple[str, str, str, str]]
    if ctx.profile.size == "demo":
        specs = list(data.PAYMENTS_TEAMS)
    else:
        specs = [(name, kind, "", "") for name, kind in data.FREIGHT_TEAMS]
    out: list[tuple[str, str, str, str]] = []
    for index in range(ctx.profile.teams):
        name, kind, abbreviation, description = specs[index % len(specs)]
        if index >= len(specs):
            name, abbreviation = f"{name} {index // len(specs) + 1}", ""
        out.append((name, kind, abbreviation, description))
    return out


def _username(first: str, last: str, taken: set[str]) -> str:
    base = unicodedata.normalize("NFKD", f"{first}.{last}".lower()).encode("ascii", "ignore").decode()
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}{n}"
    taken.add(name)
    return name


@seed_step(100, "logins")
def logins(ctx: SeedContext) -> None:
    """One login per role and an admin, with the shared demo password (reset on every build)."""
    User = get_user_model()
    password = demo_password_hash()
    for login in DEMO_LOGINS:
        admin = login.role == "admin"
        user, _ = User.objects.update_or_create(
            username=login.username,
            defaults={
                "first_name": login.first_name,
                "last_name": login.last_name,
                "email": f"{login.username}@railyard.example",
                "password": password,
                "is_staff": admin,
                "is_superuser": admin,
                "is_active": True,
            },
        )
        ctx.users[login.username] = user
    ctx.actor = ctx.users["admin"]
    ctx.count("demo logins", len(DEMO_LOGINS))


@seed_step(110, "train")
def train(ctx: SeedContext) -> None:
    p = ctx.profile
    # The RTE creates the train, and so holds its RTE seat.
    ctx.train = services.train_create(
        actor=ctx.users["rte"],
        name=p.train_name,
        slug=p.train_slug,
        description=p.description,
        time_zone=p.time_zone,
    )
    ctx.count("trains", 1)


@seed_step(120, "teams")
def teams(ctx: SeedContext) -> None:
    for name, kind, abbreviation, description in _team_specs(ctx):
        ctx.teams.append(
            services.team_create(
                actor=ctx.users["rte"],
                train=ctx.train,
                name=name,
                kind=kind,
                abbreviation=abbreviation,
                description=description,
            )
        )
    ctx.count("teams", len(ctx.teams))


@seed_step(130, "people")
def people(ctx: SeedContext) -> None:
    """Each team: a product owner, a scrum master, developers and a tester or two; some part
    time. The demo's `member` login is a developer of the first team; some others log in too."""
    rng, User = ctx.rng, get_user_model()
    taken = set(User.objects.values_list("username", flat=True))
    used_names: set[str] = set()
    rows: list[TeamMember] = []
    for team in ctx.teams:
        size = rng.randint(*ctx.profile.people_per_team)
        roles = [TeamMember.Role.PRODUCT_OWNER, TeamMember.Role.SCRUM_MASTER]
        roles += [TeamMember.Role.TESTER] * (1 if size < 8 else 2)
        roles += [TeamMember.Role.DEVELOPER] * (size - len(roles))
        for role in roles:
            name = f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"
            while name in used_names:
                name = f"{rng.choice(data.FIRST_NAMES)} {rng.choice(data.LAST_NAMES)}"
            used_names.add(name)
            fte = rng.choices([Decimal("1.00"), Decimal("0.80"), Decimal("0.50")], weights=[80, 14, 6])[0]
            # A scrum master shared by two teams sometimes delivers too; product owners do not.
            delivering = role not in (TeamMember.Role.PRODUCT_OWNER, TeamMember.Role.SCRUM_MASTER)
            if role == TeamMember.Role.SCRUM_MASTER and rng.random() < 0.3:
                fte, delivering = Decimal("0.50"), True
            rows.append(TeamMember(team=team, name=name, role=role, fte=fte, delivering=delivering))
    first_developer = next(m for m in rows if m.team == ctx.teams[0] and m.role == TeamMember.Role.DEVELOPER)
    member_login = ctx.users["member"]
    first_developer.name = member_login.get_full_name()
    first_developer.fte, first_developer.user = Decimal("1.00"), member_login

    password = demo_password_hash()
    new_users = []
    for person in rows:
        if person.user is None and rng.random() < ctx.profile.login_share:
            first, _, last = person.name.partition(" ")
            username = _username(first, last, taken)
            person.user = User(
                username=username,
                first_name=first,
                last_name=last,
                password=password,
                email=f"{username}@railyard.example",
            )
            new_users.append(person.user)
    User.objects.bulk_create(new_users, batch_size=BATCH)
    for person in rows:
        if person.user is not None:
            person.user_id = person.user.pk
    ctx.people = TeamMember.objects.bulk_create(rows, batch_size=BATCH)

    seats = [
        Membership(
            user=ctx.users[login.username],
            train=ctx.train,
            role=login.role,
            team=ctx.teams[0] if login.role == Membership.Role.MEMBER else None,
        )
        for login in DEMO_LOGINS
        if login.role not in ("admin", Membership.Role.RTE)  # the RTE's seat came with the train
    ]
    seats += [
        Membership(user=p.user, train=ctx.train, role=Membership.Role.MEMBER, team=p.team)
        for p in ctx.people
        if p.user is not None and p.user != member_login
    ]
    Membership.objects.bulk_create(seats, batch_size=BATCH)
    for person in ctx.people:
        if person.user is not None:
            ctx.team_users.setdefault(person.team_id, []).append(person.user)
    ctx.count("team members", len(ctx.people))
    ctx.count("logins of team members", len(new_users))
    ctx.count("memberships", len(seats) + 1)
