"""The one access policy. Pages, API, exports and tasks all ask here.

Rules (docs/domain.md, "Roles"):
- nobody sees anything of a train they are not a member of: such objects are *not found* (404);
- a member who may see an object but not do the action gets *permission denied* (403);
- superusers may do everything; staff may see every train (admin support) but act only by role.

Usage:
    train = train_for_user(user, train_id, Action.MANAGE_TRAIN)          # 404 / 403 / train
    story = object_for_user(user, Story.objects.all(), pk, Action.EDIT_TEAM,
                            teams=lambda s: [s.team_id])                   # team-scoped action
    qs = visible(user, Feature.objects.all())                              # lists
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404

from . import rules
from .models import Membership, ReleaseTrain
from .zones import train_time_zone

Role = Membership.Role
M = TypeVar("M", bound=models.Model)


class Action(StrEnum):
    VIEW = "view"
    MANAGE_TRAIN = "manage_train"  # PIs, iterations, teams, people and roles, milestones, events, baselines
    EDIT_BACKLOG = "edit_backlog"  # features, WSJF scores, feature placement
    EDIT_TEAM = "edit_team"  # a team's stories, objectives, capacity (members, absences): team-scoped
    EDIT_DEPENDENCY = "edit_dependency"  # dependency cards where the team is requester or provider
    EDIT_RISK = "edit_risk"
    SCORE_BV = "score_bv"  # planned and actual business value of objectives
    VOTE = "vote"
    RUN_EVENTS = "run_events"  # open/reveal votes, commit baselines, recompute metrics
    TAKE_PART = "take_part"  # raise impediments; decisions, action items and escalations at a sync


#: Which roles may do which action. Team-scoped actions also need the member's team among the
#: teams the object concerns; the RTE may do everything in the train.
ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.RTE: frozenset(Action),
    Role.PRODUCT: frozenset({Action.VIEW, Action.EDIT_BACKLOG, Action.TAKE_PART}),
    Role.BUSINESS_OWNER: frozenset({Action.VIEW, Action.SCORE_BV, Action.VOTE, Action.TAKE_PART}),
    Role.MEMBER: frozenset(
        {
            Action.VIEW,
            Action.EDIT_TEAM,
            Action.EDIT_DEPENDENCY,
            Action.EDIT_RISK,
            Action.VOTE,
            Action.TAKE_PART,
        }
    ),
    Role.VIEWER: frozenset({Action.VIEW}),
}
TEAM_SCOPED = frozenset({Action.EDIT_TEAM, Action.EDIT_DEPENDENCY})

#: How each model reaches its train, for filtering lists to the trains a user belongs to.
TRAIN_PATHS: dict[str, str] = {
    "art.releasetrain": "",
    "art.team": "train",
    "art.teammember": "team__train",
    "art.membership": "train",
    "art.programincrement": "train",
    "art.iteration": "pi__train",
    "art.milestone": "pi__train",
    "art.absence": "member__team__train",
    "art.feature": "train",
    "art.featuretransition": "feature__train",
    "art.story": "train",
    "art.changerecord": "train",
    "art.wipbreach": "train",
    "art.webhook": "train",
    "art.webhookdelivery": "webhook__train",
}


@dataclass(frozen=True)
class Seat:
    """A user's place in one train."""

    role: str
    team_id: int | None


def register_train_path(label: str, path: str) -> None:
    """Apps declare how their models reach the train (called from their AppConfig.ready)."""
    TRAIN_PATHS[label] = path


def _seats(user: Any) -> dict[int, Seat]:
    # One query per request: the user's seats are cached on the user object.
    cached = getattr(user, "_railyard_seats", None)
    if cached is None:
        cached = {}
        if user is not None and user.is_authenticated:
            cached = {
                train_id: Seat(role, team_id)
                for train_id, role, team_id in Membership.objects.filter(user=user).values_list(
                    "train_id", "role", "team_id"
                )
            }
        user._railyard_seats = cached
    return cached


def forget_seats(user: Any) -> None:
    """Drop the cached seats after a membership change affecting this user object."""
    if hasattr(user, "_railyard_seats"):
        del user._railyard_seats


def seat(user: Any, train_id: int) -> Seat | None:
    return _seats(user).get(train_id)


def can_see_all(user: Any) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.is_staff))


def can_see(user: Any, train_id: int) -> bool:
    return can_see_all(user) or seat(user, train_id) is not None


def can(user: Any, action: Action | str, train_id: int, teams: Iterable[int | None] = ()) -> bool:
    """May `user` do `action` in train `train_id`? For team-scoped actions, `teams` are the teams
    the object concerns (a story's team; a dependency's requester and provider)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    action = Action(action)
    s = seat(user, train_id)
    if s is None:
        return user.is_staff and action is Action.VIEW
    if action not in ROLE_ACTIONS[s.role]:
        return False
    if action in TEAM_SCOPED and s.role == Role.MEMBER:
        return s.team_id is not None and s.team_id in set(teams)
    return True


def check(user: Any, action: Action | str, train_id: int, teams: Iterable[int | None] = ()) -> None:
    """Raise 404 if the train is invisible to the user, 403 if the action is not theirs."""
    if not can_see(user, train_id):
        raise Http404("No such train")
    if not can(user, action, train_id, teams):
        raise PermissionDenied(_refusal(user, action, train_id))


TRAIN_CREATE_REFUSAL = "Only an administrator may create a train: ask your RTE for an invitation."


def check_train_create(user: Any) -> None:
    """Starting a train is an administrator's act (self-hosted: the admin sets up trains and
    their RTEs); everything else in a train is reached through a seat in it."""
    if not (user is not None and user.is_authenticated and user.is_superuser):
        raise PermissionDenied(TRAIN_CREATE_REFUSAL)


def can_vote_in(user: Any, train_id: int, team_id: int | None) -> bool:
    """Each team votes on its own plan, then the whole train on the train's plan (domain.md):
    a team's vote is for the members of that team; the train's vote for everyone who votes."""
    if not can(user, Action.VOTE, train_id):
        return False
    if team_id is None or user.is_superuser:
        return True
    s = seat(user, train_id)
    return s is not None and s.role == Role.MEMBER and s.team_id == team_id


def vote_refusal(user: Any, train_id: int, team_id: int | None, team_name: str = "") -> str:
    """Why `user` may not vote in a scope ("" if they may), in the words pages, API and the
    vote service all use."""
    if can_vote_in(user, train_id, team_id):
        return ""
    if team_id is None:
        return "your role does not vote"
    return f"each team votes on its own plan: you are not a member of {team_name or 'that team'}"


def authorize(actor: Any, action: Action | str, train_id: int, teams: Iterable[int | None] = ()) -> None:
    """The services' check, by the same policy as pages and API (404 / 403). `actor=None` is
    Railyard itself (tasks, imports, the demo seed), which acts on nobody's behalf."""
    if actor is not None:
        check(actor, action, train_id, teams)


def _is_member(user: Any, train_id: int) -> Seat | None:
    """The user's seat when it is a team member's (whose rights depend on the team)."""
    if user is None or user.is_superuser:
        return None
    s = seat(user, train_id)
    return s if s is not None and s.role == Role.MEMBER else None


def dependency_refusal(
    user: Any,
    train_id: int,
    requester_team_id: int | None,
    provider_team_id: int | None,
    *,
    state: str | None = None,
    fields: Iterable[str] = (),
    delete: bool = False,
) -> str:
    """Why `user` may not do this to a dependency ("" if they may): the two teams involved
    and the RTE change it, each side its own part (art.rules.dependencies.STATE_SIDES and
    FIELD_SIDES: the provider commits, starts, delivers and blocks; the requester edits its
    need and cancels)."""
    if not can(user, Action.EDIT_DEPENDENCY, train_id, [requester_team_id, provider_team_id]):
        return _refusal(user, Action.EDIT_DEPENDENCY, train_id)
    member = _is_member(user, train_id)
    if member is None:  # the RTE, a superuser
        return ""
    sides = rules.dependencies.dependency_sides(member.team_id, requester_team_id, provider_team_id)
    refusal = rules.dependencies.dependency_side_refusal(sides, state=state, fields=fields, delete=delete)
    return f"{refusal}." if refusal else ""


def check_dependency(
    user: Any,
    train_id: int,
    requester_team_id: int | None,
    provider_team_id: int | None,
    *,
    state: str | None = None,
    fields: Iterable[str] = (),
    delete: bool = False,
) -> None:
    """dependency_refusal as an exception: 404 outside the train, 403 with the rule's words."""
    if user is None:
        return
    if not can_see(user, train_id):
        raise Http404("No such train")
    refusal = dependency_refusal(
        user, train_id, requester_team_id, provider_team_id, state=state, fields=fields, delete=delete
    )
    if refusal:
        raise PermissionDenied(refusal)


def risk_refusal(user: Any, train_id: int, team_ids: Iterable[int | None]) -> str:
    """Why `user` may not change or delete a risk of these teams ("" if they may): team
    members change risks of their own team or of no team; the RTE any."""
    if not can(user, Action.EDIT_RISK, train_id):
        return _refusal(user, Action.EDIT_RISK, train_id)
    member = _is_member(user, train_id)
    if member is None:
        return ""
    foreign = [t for t in team_ids if t is not None and t != member.team_id]
    if foreign:
        return "Team members change risks of their own team or of no team: this one is another team's."
    return ""


def check_risk(user: Any, train_id: int, team_ids: Iterable[int | None]) -> None:
    """risk_refusal as an exception (404 outside the train, 403 with the rule's words)."""
    if user is None:
        return
    if not can_see(user, train_id):
        raise Http404("No such train")
    refusal = risk_refusal(user, train_id, team_ids)
    if refusal:
        raise PermissionDenied(refusal)


def feature_move_refusal(
    user: Any, train_id: int, team_id: int | None, from_state: str, to_state: str
) -> str:
    """Why `user` may not move a feature between states on the ART Kanban (or by the form or
    the API: one rule) ("" if they may): product management and the RTE move any feature; a
    team member moves their own team's features among the states of
    art.rules.kanban.TEAM_MOVE_STATES."""
    if can(user, Action.EDIT_BACKLOG, train_id):
        return ""
    member = _is_member(user, train_id)
    if member is None:
        return _refusal(user, Action.EDIT_BACKLOG, train_id)
    if team_id is None or member.team_id != team_id:
        return "Team members move their own team's features only: this one is another team's."
    return rules.kanban.team_move_refusal(from_state, to_state)


def check_feature_move(user: Any, train_id: int, team_id: int | None, from_state: str, to_state: str) -> None:
    """feature_move_refusal as an exception (404 outside the train, 403 with the rule's words);
    `user=None` is Railyard itself."""
    if user is None:
        return
    if not can_see(user, train_id):
        raise Http404("No such train")
    refusal = feature_move_refusal(user, train_id, team_id, from_state, to_state)
    if refusal:
        raise PermissionDenied(refusal)


def feature_any_move_refusal(user: Any, train_id: int, team_id: int | None, from_state: str) -> str:
    """Why `user` may not move this feature anywhere ("" when some move is theirs): asked before
    a request's body is read, so that a caller without the right hears 403 first."""
    if feature_move_targets(user, train_id, team_id, from_state):
        return ""
    member = _is_member(user, train_id)
    if member is not None and team_id is not None and member.team_id == team_id:
        return (
            rules.kanban.team_move_refusal(from_state, from_state).split(":")[0]
            + f": this one is {rules.kanban.label(from_state)}, which is for product management and the RTE."
        )
    return feature_move_refusal(user, train_id, team_id, from_state, from_state) or _refusal(
        user, Action.EDIT_BACKLOG, train_id
    )


def feature_move_targets(user: Any, train_id: int, team_id: int | None, from_state: str) -> tuple[str, ...]:
    """The states `user` may move such a feature to (for menus and drop targets)."""
    if can(user, Action.EDIT_BACKLOG, train_id):
        return tuple(s for s in rules.kanban.COLUMNS if s != from_state)
    member = _is_member(user, train_id)
    if member is None or team_id is None or member.team_id != team_id:
        return ()
    return rules.kanban.team_move_targets(from_state)


def _refusal(user: Any, action: Action | str, train_id: int) -> str:
    s = seat(user, train_id)
    role = Role(s.role).label if s else "staff"
    if s is None or s.role == Role.VIEWER:
        return f"As {role.lower() if s is None else role} you may only read this train."
    what = {
        Action.VIEW: "see this",
        Action.MANAGE_TRAIN: "manage the train (RTE only)",
        Action.EDIT_BACKLOG: "edit the feature backlog (product management and RTE)",
        Action.EDIT_TEAM: "change another team's work",
        Action.EDIT_DEPENDENCY: "change a dependency your team is not part of",
        Action.EDIT_RISK: "change risks",
        Action.SCORE_BV: "set business value (business owners)",
        Action.VOTE: "vote",
        Action.RUN_EVENTS: "run the train's events (RTE only)",
        Action.TAKE_PART: "raise impediments or record a sync's minutes",
    }[Action(action)]
    return f"As {role} you may not {what}."


def permissions(user: Any, train_id: int) -> dict[str, bool]:
    """Flags for templates: {"manage_train": True, ...} (team-scoped ones: for any team)."""
    flags = {}
    s = seat(user, train_id)
    for action in Action:
        if user.is_superuser:
            flags[action.value] = True
        elif s is None:
            flags[action.value] = bool(user.is_staff and action is Action.VIEW)
        else:
            flags[action.value] = action in ROLE_ACTIONS[s.role]
    return flags


def my_team_id(user: Any, train_id: int) -> int | None:
    s = seat(user, train_id)
    return s.team_id if s else None


# --- fetching -------------------------------------------------------------------------------


def visible_train_ids(user: Any) -> list[int] | None:
    """Train ids the user may see; None means all (superuser or staff)."""
    if can_see_all(user):
        return None
    return list(_seats(user))


def visible(user: Any, queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """Restrict a queryset to the trains the user belongs to."""
    if user is None or not user.is_authenticated:
        return queryset.none()
    ids = visible_train_ids(user)
    if ids is None:
        return queryset
    path = TRAIN_PATHS[queryset.model._meta.label_lower]
    lookup = f"{path}_id__in" if path else "id__in"
    # A path like "pi__train" filters on pi__train_id.
    return queryset.filter(**{lookup: ids})


def with_train_path(queryset: models.QuerySet[M]) -> models.QuerySet[M]:
    """The queryset with the objects its rows pass through to reach the train (an iteration's PI)
    fetched along, so train_id_of() on its rows runs no query."""
    hops = TRAIN_PATHS[queryset.model._meta.label_lower].rpartition("__")[0]
    return queryset.select_related(hops) if hops else queryset


def train_id_of(obj: models.Model) -> int:
    path = TRAIN_PATHS[obj._meta.label_lower]
    if not path:
        return obj.pk
    target: Any = obj
    parts = path.split("__")
    for part in parts[:-1]:
        target = getattr(target, part)
    return getattr(target, f"{parts[-1]}_id")


def train_for_user(user: Any, train_id: int | str, action: Action | str = Action.VIEW) -> ReleaseTrain:
    """The train by id or slug, if the user may do `action` in it (404 / 403 otherwise)."""
    lookup = {"pk": int(train_id)} if str(train_id).isdigit() else {"slug": train_id}
    train = ReleaseTrain.objects.filter(**lookup).first()
    if train is None:
        raise Http404("No such train")
    check(user, action, train.pk)
    train_time_zone(train)  # a page of this train shows its times in the train's zone
    return train


def object_for_user(
    user: Any,
    queryset: models.QuerySet[M],
    pk: Any,
    action: Action | str = Action.VIEW,
    teams: Callable[[M], Iterable[int | None]] | None = None,
) -> M:
    """Fetch one object of a visible train and check the action on it."""
    try:
        obj = visible(user, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404(f"No such {queryset.model._meta.verbose_name}")
    check(user, action, train_id_of(obj), teams(obj) if teams else ())
    return obj
