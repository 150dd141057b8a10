"""Trains, teams, people and roles, capacity inputs (team members and absences)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from art import rules
from art.models import Absence, Iteration, Membership, ReleaseTrain, Team, TeamMember
from art.rules.teams import unique_initials

from .common import create_validated, delete_recorded, update_fields

User = get_user_model()


def train_create(
    *,
    actor: Any,
    name: str,
    slug: str = "",
    description: str = "",
    time_zone: str = "UTC",
    wip_limits: dict[str, int | None] | None = None,
    kanban_policies: dict[str, str | None] | None = None,
) -> ReleaseTrain:
    """Create a train; its creator becomes its RTE (unless a superuser with no seat wants none)."""
    kanban = _kanban_settings({"wip_limits": wip_limits or {}, "kanban_policies": kanban_policies or {}})
    with transaction.atomic():
        train = ReleaseTrain(
            name=(name or "").strip(),
            slug=slug or slugify(name or "")[:120],
            description=description,
            time_zone=time_zone or "UTC",
            **kanban,
        )
        create_validated(actor=actor, obj=train)
        if actor is not None and actor.is_authenticated:
            Membership.objects.create(user=actor, train=train, role=Membership.Role.RTE)
            if hasattr(actor, "_railyard_seats"):
                del actor._railyard_seats
    return train


def train_update(*, actor: Any, train: ReleaseTrain, **changes: Any) -> ReleaseTrain:
    """Change the train: its name, slug, description, time zone, and the ART Kanban's WIP limits
    and column policies (each replaced as a whole; the history keeps before and after)."""
    allowed = {"name", "slug", "description", "time_zone", "wip_limits", "kanban_policies"}
    changes = _kanban_settings({k: v for k, v in changes.items() if k in allowed})
    return update_fields(actor=actor, queryset=ReleaseTrain.objects.all(), pk=train.pk, changes=changes)


def _kanban_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """WIP limits and column policies checked by their rules (art.rules.kanban), each message
    naming the column, and stored in column order without empty entries."""
    if "wip_limits" in changes:
        errors = rules.kanban.wip_limits_errors(changes["wip_limits"])
        if errors:
            raise ValidationError({"wip_limits": list(errors.values())})
        changes["wip_limits"] = rules.kanban.wip_limits_clean(changes["wip_limits"])
    if "kanban_policies" in changes:
        errors = rules.kanban.policies_errors(changes["kanban_policies"])
        if errors:
            raise ValidationError({"kanban_policies": list(errors.values())})
        changes["kanban_policies"] = rules.kanban.policies_clean(changes["kanban_policies"])
    return changes


def train_delete(*, actor: Any, train: ReleaseTrain) -> None:
    """Delete a train and everything in it. Its history stays (ChangeRecord keeps the train's
    id), with a before-image of the train and of every row that went with it."""
    delete_recorded(actor=actor, obj=train)


def team_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    name: str,
    kind: str = Team.Kind.STREAM_ALIGNED,
    abbreviation: str = "",
    description: str = "",
    wip_limit: int | None = None,
) -> Team:
    team = Team(
        train=train,
        wip_limit=wip_limit,
        name=(name or "").strip(),
        kind=kind or Team.Kind.STREAM_ALIGNED,
        abbreviation=abbreviation or "",
        description=description or "",
    )
    with transaction.atomic():
        create_validated(actor=actor, obj=team)
        team_initials_refresh(train_id=train.pk)
    team.refresh_from_db(fields=["shown_initials"])
    return team


def team_initials_refresh(*, train_id: int) -> None:
    """Store each team's initials made unique within the train (art.rules.teams.unique_initials):
    adding, renaming or deleting one team can change another's ("Carrier Portal" is CP until
    "Cloud Platform" joins; then CPo and CPl). Derived data, so no history entry of its own."""
    teams = list(Team.objects.filter(train_id=train_id).only("id", "name", "abbreviation", "shown_initials"))
    shown = unique_initials([t.name for t in teams], {t.name: t.abbreviation for t in teams})
    changed = [t for t in teams if t.shown_initials != shown[t.name]]
    for team in changed:
        team.shown_initials = shown[team.name]
    Team.objects.bulk_update(changed, ["shown_initials"])


def team_update(*, actor: Any, team: Team, **changes: Any) -> Team:
    allowed = {"name", "kind", "abbreviation", "description", "wip_limit"}
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
    with transaction.atomic():
        updated = update_fields(
            actor=actor,
            queryset=Team.objects.all(),
            pk=team.pk,
            changes={k: v for k, v in changes.items() if k in allowed},
        )
        if {"name", "abbreviation"} & set(changes):
            team_initials_refresh(train_id=updated.train_id)
    if {"name", "abbreviation"} & set(changes):
        updated.refresh_from_db(fields=["shown_initials"])
    return updated


def team_delete_refusal(team: Team) -> str:
    """Why a team may not be deleted ("" when it may): its work moves first."""
    if team.stories.exists() or team.features.exists():
        return f"{team.name} still has features or stories: move them to another team first"
    return ""


def team_delete(*, actor: Any, team: Team) -> None:
    refusal = team_delete_refusal(team)
    if refusal:
        raise ValidationError({"team": refusal})
    with transaction.atomic():
        delete_recorded(actor=actor, obj=team)
        team_initials_refresh(train_id=team.train_id)


def _user_by_username(username: str | None) -> Any:
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        raise ValidationError({"user": f"no user is called '{username}'" if username else "user is required"})
    return user


def membership_create(
    *,
    actor: Any,
    train: ReleaseTrain,
    username: str | None = None,
    user: Any = None,
    role: str,
    team: Team | None = None,
) -> Membership:
    user = user or _user_by_username(username)
    if role != Membership.Role.MEMBER:
        team = None
    membership = Membership(user=user, train=train, role=role, team=team)
    create_validated(actor=actor, obj=membership)
    if hasattr(user, "_railyard_seats"):
        del user._railyard_seats
    return membership


def _guard_last_rte(membership: Membership, new_role: str | None) -> None:
    """A train keeps at least one RTE. Called inside the write's transaction: it locks the train's
    row first, so that two RTEs demoting each other at the same moment are checked one after the
    other (the second sees the first's change and is refused)."""
    ReleaseTrain.objects.select_for_update().filter(pk=membership.train_id).values_list("pk").first()
    current_role = Membership.objects.filter(pk=membership.pk).values_list("role", flat=True).first()
    if current_role == Membership.Role.RTE and new_role != Membership.Role.RTE:
        others = Membership.objects.filter(train_id=membership.train_id, role=Membership.Role.RTE).exclude(
            pk=membership.pk
        )
        if not others.exists():
            raise ValidationError({"role": "a train needs at least one RTE: appoint another RTE first"})


def membership_update(
    *, actor: Any, membership: Membership, role: str | None = None, team: Team | None = None
) -> Membership:
    role = role or membership.role
    with transaction.atomic():
        _guard_last_rte(membership, role)
        return update_fields(
            actor=actor,
            queryset=Membership.objects.all(),
            pk=membership.pk,
            changes={"role": role, "team": team if role == Membership.Role.MEMBER else None},
        )


def membership_delete(*, actor: Any, membership: Membership) -> None:
    with transaction.atomic():
        _guard_last_rte(membership, None)
        delete_recorded(actor=actor, obj=membership)


FTE_RULE = "fte must be between 0 and 1 (the share of a full-time person)"


def _fte(value: Any) -> Decimal:
    """The fte as a Decimal, refused with the rule outside 0-1 (pages and API alike)."""
    try:
        fte = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"fte": f"'{value}' is not a number: {FTE_RULE}"})
    if not fte.is_finite() or not Decimal("0") <= fte <= Decimal("1"):
        raise ValidationError({"fte": f"{value} is not allowed: {FTE_RULE}"})
    return fte


def team_member_create(
    *,
    actor: Any,
    team: Team,
    name: str,
    fte: Decimal | float | str = Decimal("1"),
    delivering: bool = True,
    role: str = TeamMember.Role.DEVELOPER,
    user: Any = None,
) -> TeamMember:
    member = TeamMember(
        team=team,
        name=(name or "").strip(),
        fte=_fte(fte),
        delivering=delivering,
        role=role or TeamMember.Role.DEVELOPER,
        user=user,
    )
    return create_validated(actor=actor, obj=member)


def team_member_update(*, actor: Any, member: TeamMember, **changes: Any) -> TeamMember:
    allowed = {"name", "fte", "delivering", "role", "user"}
    if "fte" in changes and changes["fte"] is not None:
        changes["fte"] = _fte(changes["fte"])
    return update_fields(
        actor=actor,
        queryset=TeamMember.objects.all(),
        pk=member.pk,
        changes={k: v for k, v in changes.items() if k in allowed},
    )


def team_member_delete(*, actor: Any, member: TeamMember) -> None:
    delete_recorded(actor=actor, obj=member)


def absence_set(
    *, actor: Any, member: TeamMember, iteration: Iteration, days: Decimal | float | str, reason: str = ""
) -> Absence | None:
    """Set a member's absence days in an iteration (0 removes the row)."""
    days = Decimal(str(days))
    if iteration.pi.train_id != member.team.train_id:
        raise ValidationError({"iteration": "iteration must belong to the member's train"})
    # With what its validation, its history entry and its train path read: an absence set per
    # iteration (team_member_capacity_set) loads nothing per row.
    absences = Absence.objects.select_related("member__team", "iteration__pi")
    existing = absences.filter(member=member, iteration=iteration).first()
    if existing is None:
        if days == 0:
            return None
        return create_validated(
            actor=actor, obj=Absence(member=member, iteration=iteration, days=days, reason=reason)
        )
    if days == 0:
        delete_recorded(actor=actor, obj=existing)
        return None
    return update_fields(
        actor=actor,
        queryset=absences,
        pk=existing.pk,
        changes={"days": days, "reason": reason or existing.reason},
    )


def team_member_capacity_set(
    *,
    actor: Any,
    member: TeamMember,
    fte: Decimal | float | str,
    delivering: bool,
    absences: Iterable[tuple[Iteration, Decimal | float | str]],
) -> TeamMember:
    """A member's capacity inputs for a PI in one go: FTE, delivering, and absence days per
    iteration. All or nothing: a refused value leaves every one of them as it was."""
    with transaction.atomic():
        member = team_member_update(actor=actor, member=member, fte=fte, delivering=delivering)
        for iteration, days in absences:
            absence_set(actor=actor, member=member, iteration=iteration, days=days)
    return member


def absence_create(
    *, actor: Any, member: TeamMember, iteration: Iteration, days: Decimal | float | str, reason: str = ""
) -> Absence:
    absence = Absence(member=member, iteration=iteration, days=Decimal(str(days)), reason=reason or "")
    return create_validated(actor=actor, obj=absence)


def absence_update(*, actor: Any, absence: Absence, **changes: Any) -> Absence:
    allowed = {"days", "reason"}
    if "days" in changes:
        changes["days"] = Decimal(str(changes["days"]))
    return update_fields(
        actor=actor,
        queryset=Absence.objects.all(),
        pk=absence.pk,
        changes={k: v for k, v in changes.items() if k in allowed},
    )


def absence_delete(*, actor: Any, absence: Absence) -> None:
    delete_recorded(actor=actor, obj=absence)
