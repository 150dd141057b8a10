"""The role × endpoint matrix's shared parts (tests/test_role_matrix_*.py): a seeded world with
an object of every kind, the eight personas, the expected answer of each persona to each rule of
the access policy (art/access.py, docs/domain.md "Roles and access"), and a request that is
rolled back whatever it did, with a snapshot proving that a refusal changed nothing.

The world is the demo seed at a reduced size (every seed step runs, so every kind of object
exists: features, stories, dependencies, risks, objectives, votes, events with minutes,
impediments, system demos, a workshop with causes, improvement items, readiness checks, metric
snapshots), plus what the seed does not make: a member of another team, the RTE of another
train, a solution, demo feedback, an API token, a deleted card, a recompute run.

Personas, and the objects the paths name: team-scoped objects are of the team member's team
("Alpha" below: the demo's first team); `other_member` sits in another team; `outsider` is the
RTE of another train.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client

from art import demo
from art.access import Action
from art.models import ChangeRecord, Membership
from tests.art.factories import MembershipFactory, TrainFactory, UserFactory

PERSONAS = ("anonymous", "viewer", "product", "business_owner", "other_member", "member", "rte", "outsider")
SEATED = ("viewer", "product", "business_owner", "other_member", "member", "rte")
ROLE_OF = {
    "viewer": Membership.Role.VIEWER,
    "product": Membership.Role.PRODUCT,
    "business_owner": Membership.Role.BUSINESS_OWNER,
    "other_member": Membership.Role.MEMBER,
    "member": Membership.Role.MEMBER,
    "rte": Membership.Role.RTE,
}

# Outcomes.
OK = "ok"  # allowed: anything but a refusal or a crash (2xx, 3xx, or 400/409 judging the input)
LOGIN = "login"  # a page redirects to sign in
REFUSALS = {401, 403, 404, 405}


@dataclass(frozen=True)
class Rule:
    """Who may: an action of the policy, plus the exceptions the domain states.

    action: an art.access.Action, or "signed_in" (anyone signed in: personal pages such as
    tokens), "admin" (superusers only: starting a train), "public" (no credentials needed).
    team: the object is the team member's team's (team-scoped actions: the other team's member
    is refused). author: the object's author (a persona) may, besides the RTE (causes,
    feedback). owner_only: personal objects (a token): only its owner; anyone else, 404.
    """

    action: str
    team: bool = False
    author: str | None = None
    owner_only: str | None = None
    extra: frozenset[str] = frozenset()  # personas allowed besides the policy's (stated rules)
    fewer: frozenset[str] = frozenset()  # personas refused besides the policy's (stated rules)


READ = Rule(Action.VIEW)


def allowed(rule: Rule, persona: str) -> bool:
    if persona in rule.extra:
        return True
    if persona in rule.fewer:
        return False
    if rule.action == "public":
        return True
    if persona == "anonymous":
        return False
    if rule.owner_only:
        return persona == rule.owner_only
    if rule.action == "signed_in":
        return True
    if rule.action == "admin" or persona == "outsider":
        return False
    from art.access import ROLE_ACTIONS

    if Action(rule.action) not in ROLE_ACTIONS[ROLE_OF[persona]]:
        return False
    if rule.author is not None and persona not in ("rte", rule.author):
        return False
    return not (rule.team and persona == "other_member")


def expected(rule: Rule, persona: str, *, api: bool) -> int | str:
    """The answer the policy gives: OK, or the refusal's status (LOGIN for pages)."""
    if allowed(rule, persona):
        return OK
    if persona == "anonymous":
        return 401 if api else LOGIN
    if rule.owner_only:
        return 404  # someone else's token does not exist for you
    if persona == "outsider" and rule.action not in ("admin", "signed_in"):
        return 404  # nothing of a train you hold no seat in exists for you
    return 403


@dataclass
class World:
    train: Any
    pi: Any  # the PI in planning (its plan may change)
    closed_pi: Any
    team: Any  # the team member's team
    other_team: Any
    users: dict[str, Any]
    objects: dict[str, Any] = field(default_factory=dict)
    charts: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> Any:
        return self.objects[key]


def _first(qs):
    obj = qs.order_by("pk").first()
    assert obj is not None, f"the matrix world lacks a {qs.model.__name__}"
    return obj


def build_world() -> World:
    """Run the demo seed at a reduced size and add what it lacks (see the module docstring)."""
    profile = demo.PROFILES["demo"].scaled(
        teams=3,
        people_per_team=(3, 4),
        features_per_team_pi=(2, 3),
        stories_per_feature=(1, 2),
        current_pi_features_per_team=(2, 3),
        backlog_features=3,
        login_share=1.0,
    )
    ctx = demo.build(profile)
    assert ctx is not None
    train = ctx.train
    users = {
        name: ctx.users[login]
        for name, login in [
            ("rte", "rte"),
            ("product", "product"),
            ("business_owner", "owner"),
            ("member", "member"),
            ("viewer", "viewer"),
        ]
    }
    team = Membership.objects.get(user=users["member"], train=train).team
    assert team is not None
    other_team = next(t for t in ctx.teams if t.pk != team.pk)
    users["other_member"] = UserFactory(username="matrix-other-member")
    MembershipFactory(user=users["other_member"], train=train, role=Membership.Role.MEMBER, team=other_team)
    elsewhere = TrainFactory(name="Elsewhere ART", slug="elsewhere")
    users["outsider"] = UserFactory(username="matrix-outsider")
    MembershipFactory(user=users["outsider"], train=elsewhere, role=Membership.Role.RTE)
    w = World(
        train=train,
        pi=ctx.current_pi,
        closed_pi=ctx.closed_pis[-1],
        team=team,
        other_team=other_team,
        users=users,
    )
    _add_objects(w)
    return w


def _add_objects(w: World) -> None:
    from art.models import Absence, Feature, Iteration, Milestone, Story, Team, TeamMember
    from art.services import backlog
    from art.services.tokens import api_token_create
    from metrics import dashboard
    from metrics.forms import PeriodForm
    from metrics.models import RecomputeRun
    from pi_planning.models import Dependency, Holiday, Objective, Risk, Vote
    from sync.models import (
        ActionItem,
        Decision,
        DemoItem,
        Escalation,
        Impediment,
        ImprovementItem,
        SystemDemo,
        Workshop,
    )
    from sync.services import demos, feeds, workshops

    rte, owner = w.users["rte"], w.users["business_owner"]
    o = w.objects
    o["train"] = w.train
    o["pi"] = w.pi
    o["closed_pi"] = w.closed_pi
    o["team"] = w.team
    o["team_member"] = _first(TeamMember.objects.filter(team=w.team))
    o["membership"] = Membership.objects.get(train=w.train, user=w.users["viewer"])
    o["iteration"] = _first(Iteration.objects.filter(pi=w.pi))
    o["milestone"] = _first(Milestone.objects.filter(pi=w.pi))
    o["feature"] = _first(Feature.objects.filter(train=w.train, pi=w.pi, team=w.team))
    o["story"] = _first(Story.objects.filter(team=w.team, feature__pi=w.pi))
    o["absence"] = _first(Absence.objects.filter(member__team=w.team))
    o["holiday"] = _first(Holiday.objects.filter(train=w.train))
    o["objective"] = _first(Objective.objects.filter(team=w.team, pi=w.pi))
    o["third_team"] = next(
        t
        for t in Team.objects.filter(train=w.train).order_by("pk")
        if t.pk not in (w.team.pk, w.other_team.pk)
    )
    third = (
        Dependency.objects.filter(pi=w.pi)
        .exclude(requester_team=w.other_team)
        .exclude(provider_team=w.other_team)
    )
    o["dependency"] = _first(third.filter(requester_team=w.team) | third.filter(provider_team=w.team))
    o["risk"] = (
        _first(Risk.objects.filter(pi=w.pi, team=w.team))
        if Risk.objects.filter(pi=w.pi, team=w.team).exists()
        else _make_risk(w)
    )
    o["vote"] = _first(Vote.objects.filter(pi__train=w.train, user=owner).exclude(concern=""))  # the owner's
    o["vote_pi"] = o["vote"].pi
    o["escalation"] = _first(Escalation.objects.filter(event__train=w.train, event__decisions__isnull=False))
    o["event"] = o["escalation"].event
    o["decision"] = _first(Decision.objects.filter(event=o["event"]))
    o["action_item"] = _first(ActionItem.objects.filter(event=o["event"]))
    o["impediment"] = _first(Impediment.objects.filter(train=w.train, team=w.team))
    o["improvement"] = _first(ImprovementItem.objects.filter(train=w.train))
    demo_obj = _first(SystemDemo.objects.filter(iteration__pi__train=w.train, items__isnull=False).distinct())
    o["system_demo"] = demo_obj
    o["demo_iteration"] = demo_obj.iteration
    o["demo_pi"] = demo_obj.iteration.pi
    o["demo_item"] = _first(DemoItem.objects.filter(demo=demo_obj))
    o["demo_feedback"] = demos.demo_feedback_add(actor=owner, demo=demo_obj, text="Loved the payouts")
    o["workshop"] = _first(Workshop.objects.filter(pi__train=w.train))
    o["workshop_pi"] = o["workshop"].pi
    o["workshop_objective"] = _first(Objective.objects.filter(team=w.team, pi=o["workshop_pi"]))
    o["cause"] = workshops.cause_add(
        actor=owner, workshop=o["workshop"], category="process", text="Late specs"
    )
    o["solution"] = workshops.solution_add(
        actor=owner, workshop=o["workshop"], text="Refine earlier", cause=o["cause"]
    )
    from pi_planning.models import VoteRound
    from pi_planning.services import votes

    if not VoteRound.objects.filter(pi=w.pi, team=None, revealed_at=None).exists():
        votes.vote_round_open(actor=rte, pi=w.pi)  # the train's vote is open: it may be cast and revealed
    token, _ = api_token_create(user=w.users["member"], name="matrix")
    o["token"] = token
    o["feed_token"] = feeds.calendar_feed_token(user=w.users["member"])
    doomed = Story.objects.filter(team=w.team).exclude(pk=o["story"].pk).order_by("pk").first()
    assert doomed is not None
    backlog.story_delete(actor=rte, story=doomed)
    o["deleted_record"] = ChangeRecord.objects.filter(
        train_id=w.train.pk, action=ChangeRecord.Action.DELETED
    ).latest("pk")
    o["recompute_run"] = RecomputeRun.objects.create(train=w.train)
    from pi_planning.services.baselines import plan_baseline_commit

    o["baseline"] = plan_baseline_commit(actor=rte, pi=o["pi"])
    from art.models import Webhook, WebhookDelivery

    # A private address: a test event or redelivery is refused at once, without a network.
    o["webhook"] = Webhook.objects.create(
        train=w.train, url="http://10.0.0.1/hook", events=["feature.moved"], secret="matrix-secret-0123456789"
    )
    o["webhook_delivery"] = WebhookDelivery.objects.create(
        webhook=o["webhook"], event="ping", payload={"event": "ping"}, status="failed", attempts=1
    )
    data = dashboard.dashboard_data(train=w.train, weeks=PeriodForm(None).weeks_or_default())
    w.charts = [c.key for c in data.charts]


def _make_risk(w: World) -> Any:
    from pi_planning.services import risks

    return risks.risk_create(
        actor=w.users["rte"], train=w.train, pi=w.pi, team=w.team, title="Card scheme delay"
    )


# --- counting what a request changed ----------------------------------------------------------


def _count_sql() -> str:
    tables = sorted(
        m._meta.db_table
        for app in ("art", "pi_planning", "sync", "metrics", "auth")
        for m in apps.get_app_config(app).get_models()
        if m._meta.managed and not m._meta.proxy
    )
    parts = [f'(SELECT COUNT(*) FROM "{t}")' for t in tables]
    versioned = sorted(
        m._meta.db_table
        for app in ("art", "pi_planning", "sync")
        for m in apps.get_app_config(app).get_models()
        if any(f.name == "version" for f in m._meta.fields)
    )
    parts += [f'(SELECT COALESCE(SUM("version"), 0) FROM "{t}")' for t in versioned]
    return "SELECT " + ", ".join(parts)


_SQL: list[str] = []


def snapshot() -> tuple[int, ...]:
    """Every row count of the apps' tables (the history's among them) and the sum of every
    versioned card's version (a change bumps it): one query."""
    if not _SQL:
        _SQL.append(_count_sql())
    with connection.cursor() as cursor:
        cursor.execute(_SQL[0])
        return tuple(cursor.fetchone())


# --- requests ---------------------------------------------------------------------------------


def client_for(world: World, persona: str, *, api: bool = False) -> Any:
    from rest_framework.test import APIClient

    c = APIClient() if api else Client()
    if persona != "anonymous":
        c.force_login(world.users[persona])
    return c


def attempt(send: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, bool]:
    """Send the request inside a savepoint that is rolled back: the world stays as seeded.
    Answers (response or the exception's text, changed?)."""
    cache.clear()
    with transaction.atomic():
        before = snapshot()
        try:
            response = send(*args, **kwargs)
        except Exception as error:  # a crash is a finding, reported with the others
            response = f"EXCEPTION {type(error).__name__}: {error}"
        after = snapshot()
        transaction.set_rollback(True)
    return response, before != after


def verdict(response: Any, changed: bool, want: int | str) -> str:
    """ "" when the answer is what the policy says, else what went wrong."""
    if isinstance(response, str):
        return response
    status = response.status_code
    if status >= 500:
        return f"{status}"
    if want == OK:
        if status in REFUSALS:
            return f"{status} (allowed by the policy)"
        return ""
    if want == LOGIN:
        location = response.get("Location", "") if status == 302 else ""
        if not location.startswith("/accounts/login/"):
            return f"{status} {location} (expected a redirect to sign in)"
    elif status != want:
        return f"{status} (expected {want})"
    if changed:
        return f"{status} but the refusal changed rows or versions"
    return ""


DAY = dt.date.today()
