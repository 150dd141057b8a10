"""The role × endpoint matrix of the pages and their fragments: every URL pattern of the page
apps (art, pi_planning, sync, metrics) × eight personas, with the answer the access policy
gives (art/access.py, docs/domain.md "Roles and access"): signed out → a redirect to sign in;
the RTE of another train → 404; a seated role the action is not for → 403; else anything but a
refusal or a crash. A refusal changes nothing (row counts, the history, card versions).

A new URL pattern fails test_every_url_pattern_is_classified until a row below (or in the
exports' table, tests/test_role_matrix_exports.py) says who may use it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from art.access import Action
from pi_planning.views.board import FRAGMENTS
from tests.role_matrix import PERSONAS, READ, Rule, World, attempt, build_world, client_for, expected, verdict

MANAGE = Rule(Action.MANAGE_TRAIN)
BACKLOG = Rule(Action.EDIT_BACKLOG)
TEAM = Rule(Action.EDIT_TEAM, team=True)
DEPENDENCY = Rule(Action.EDIT_DEPENDENCY, team=True)
RISK = Rule(Action.EDIT_RISK, team=True)  # the risk is the member's team's
SCORE = Rule(Action.SCORE_BV)
VOTE = Rule(Action.VOTE)
RUN = Rule(Action.RUN_EVENTS)
TAKE_PART = Rule(Action.TAKE_PART)
BY_OWNER = Rule(Action.TAKE_PART, author="business_owner")  # the business owner wrote it
SIGNED_IN = Rule("signed_in")
ADMIN = Rule("admin")
PUBLIC = Rule("public")


@dataclass(frozen=True)
class Page:
    rule: Rule
    methods: tuple[str, ...] = ("GET",)
    params: dict[str, str] = field(default_factory=dict)  # path parameter -> world object key
    data: dict[str, Any] = field(default_factory=dict)  # the POST body
    expand: str = ""  # a parameter that takes every value of a list (fragments, charts)
    query: str = ""  # the GET query, "<key>" standing for a world object's pk
    get_rule: Rule | None = None  # GET of a write's form or dialog: a read unless stated


def W(rule: Rule, **kw: Any) -> Page:
    return Page(rule, ("POST",), **kw)


DEPENDENCY_BODY = {"requester_team": "<team>", "provider_team": "<third_team>", "title": "Payout API"}
FRAGMENT_QUERY = {
    "team-row": "team=<team>",
    "cell": "team=<team>&iteration=<iteration>",
    "card": "card=feature-<feature>",
}
DEMO = {"pi_id": "demo_pi", "iteration_id": "demo_iteration"}
WORKSHOP = {"pi_id": "workshop_pi"}

#: Every page, keyed by URL name (or route when unnamed). Path parameters default to
#: DEFAULT_PARAMS; a row may name other objects.
PAGES: dict[str, Page] = {
    # Django's own and the project's entry points
    "": Page(PUBLIC),
    "healthz": Page(PUBLIC),
    "login": Page(PUBLIC, ("GET", "POST"), get_rule=PUBLIC),
    "logout": W(PUBLIC),
    # art: the train, teams, people, PIs, tokens
    "art:my_trains": Page(SIGNED_IN),
    "art:train_create": W(ADMIN, data={"name": "Freight ART"}),
    "art:train": Page(READ),
    "art:deleted": Page(MANAGE),
    "art:kanban": Page(READ),
    # the move rule: product management and the RTE move any feature; the member's own team's
    # feature (ready here) is not theirs to pull, the other team's never (art.access.feature_move_refusal)
    "art:kanban_move": W(BACKLOG, data={"state": "analyzing"}),
    "art:kanban_settings": W(MANAGE, data={"limit_in_progress": "8"}),
    "art:kanban_aging": Page(READ),
    "art:live_presence": Page(READ),
    "art:restore": W(MANAGE),
    # the Jira import: the preview and the import read the person's own upload (none here: the
    # preview says so, the import sends back to the upload form)
    "art:jira_import": Page(BACKLOG, ("GET", "POST"), get_rule=BACKLOG),
    "art:jira_import_preview": Page(BACKLOG),
    "art:jira_import_apply": W(BACKLOG),
    "art:team_create": W(MANAGE, data={"name": "Delta"}),
    "art:team": Page(READ),
    "art:team_update": W(MANAGE, data={"name": "Checkout 2"}),
    "art:team_delete": W(MANAGE),
    "art:team_member_create": W(TEAM, data={"name": "Ada", "fte": "1"}),
    "art:team_member_update": W(TEAM, data={"name": "Ada", "fte": "0.5"}),
    "art:team_member_delete": W(TEAM),
    "art:membership_create": W(MANAGE),
    "art:membership_update": W(MANAGE, data={"role": "business_owner"}),
    "art:membership_delete": W(MANAGE),
    "art:pi_create": W(MANAGE),
    "art:pi": Page(READ),
    "art:pi_update": W(MANAGE),
    "art:iteration_update": W(MANAGE),
    "art:milestone_create": W(MANAGE),
    "art:milestone_update": W(MANAGE),
    "art:milestone_delete": W(MANAGE),
    "art:webhooks": Page(MANAGE),
    "art:webhook_create": W(MANAGE, data={"url": "https://93.184.216.34/hook", "events": "feature.moved"}),
    "art:webhook_update": W(MANAGE, data={"url": "http://10.0.0.1/hook", "events": "risk.changed"}),
    "art:webhook_delete": W(MANAGE),
    "art:webhook_test": W(MANAGE),
    "art:webhook_redeliver": W(MANAGE),
    "art:tokens": Page(SIGNED_IN),
    "art:token_create": W(SIGNED_IN, data={"name": "ci"}),
    "art:token_revoke": W(Rule("signed_in", owner_only="member")),
    # metrics
    "metrics:dashboard": Page(READ),
    "metrics:forecast": Page(READ),
    "metrics:definitions": Page(READ),
    "metrics:recompute": W(RUN),
    "metrics:recompute_status": Page(READ),
    # pi_planning: the board and its fragments
    "pi_planning:board": Page(READ),
    "pi_planning:board_fragment": Page(READ, expand="name"),
    "pi_planning:board_move": Page(
        BACKLOG, ("GET", "POST"), query="card=feature-<feature>", data={"card": "feature-<feature>"}
    ),
    "pi_planning:board_dependency_create": Page(DEPENDENCY, ("GET", "POST"), data=DEPENDENCY_BODY),
    "pi_planning:feature_wsjf": Page(BACKLOG, ("GET", "POST")),
    "pi_planning:baseline_commit": W(RUN),
    "pi_planning:baselines": Page(READ),
    "pi_planning:team_capacity": Page(READ),
    "pi_planning:team_capacity_member": W(TEAM),
    "pi_planning:holiday_create": W(MANAGE),
    "pi_planning:holiday_delete": W(MANAGE),
    "pi_planning:objectives": Page(READ),
    "pi_planning:objective_create": W(TEAM, data={"team": "<team>", "title": "Ship it"}),
    "pi_planning:objective_update": W(TEAM, data={"team": "<team>", "title": "Ship it"}),
    "pi_planning:objective_delete": W(TEAM),
    "pi_planning:vote": Page(READ),
    "pi_planning:vote_cast": W(VOTE, data={"scope": "train", "score": "4"}),
    "pi_planning:confidence": Page(READ),
    "pi_planning:confidence_scope": Page(READ),
    "pi_planning:vote_round_open": W(RUN),
    "pi_planning:vote_round_reveal": W(RUN),
    "pi_planning:vote_concern_to_risk": W(RUN, params={"pi_id": "vote_pi"}),
    "pi_planning:dependencies": Page(READ),
    "pi_planning:dependency_create": W(DEPENDENCY, data=DEPENDENCY_BODY),
    "pi_planning:dependency": Page(READ),
    "pi_planning:dependency_state": W(DEPENDENCY),
    "pi_planning:dependency_update": W(DEPENDENCY),
    "pi_planning:dependency_comment": W(DEPENDENCY, data={"text": "Any news?"}),
    "pi_planning:risks": Page(READ),
    "pi_planning:risk_create": W(Rule(Action.EDIT_RISK), data={"title": "Late certificate"}),
    "pi_planning:risk": Page(READ),
    "pi_planning:risk_move": W(RISK),
    "pi_planning:risk_update": W(RISK),
    # sync: calendar and events
    "sync:calendar": Page(READ),
    "sync:cadence": Page(MANAGE, ("POST",)),
    "sync:event_create": W(MANAGE),
    "sync:calendar_generate": W(MANAGE),
    "sync:calendar_feed_regenerate": W(READ),  # one's own feed's address, from the train's calendar
    "sync:event": Page(READ),
    "sync:event_update": W(MANAGE),
    "sync:event_state": W(MANAGE),
    "sync:event_delete": W(MANAGE),
    # sync: a sync's minutes
    "sync:sync_agenda": Page(READ, query="section=blockers"),
    "sync:sync_decision_add": W(TAKE_PART, data={"text": "We go"}),
    "sync:sync_decision_delete": W(TAKE_PART),
    "sync:sync_action_item_add": W(TAKE_PART, data={"text": "Call the scheme"}),
    "sync:sync_action_item_status": W(TAKE_PART, data={"status": "done"}),
    "sync:sync_escalation_add": W(TAKE_PART, data={"to": "Business owners", "why": "Two asks"}),
    "sync:sync_escalation_delete": W(TAKE_PART),
    "sync:sync_summary": Page(READ),
    # sync: impediments, improvements, readiness
    "sync:impediments": Page(READ),
    "sync:impediment_create": W(TAKE_PART, data={"title": "No test cards"}),
    "sync:impediment": Page(READ),
    "sync:impediment_update": W(TAKE_PART),
    "sync:impediment_status": W(TAKE_PART, data={"status": "resolved"}),
    "sync:impediment_delete": W(MANAGE),
    "sync:improvements": Page(READ),
    "sync:improvement_create": W(TAKE_PART, data={"title": "Pair on specs"}),
    "sync:improvement": Page(READ),
    "sync:improvement_update": W(TAKE_PART),
    "sync:improvement_status": W(TAKE_PART, data={"status": "in_progress"}),
    "sync:improvement_delete": W(MANAGE),
    "sync:improvement_plan": W(BACKLOG),
    "sync:readiness": Page(READ),
    "sync:readiness_check": W(MANAGE),
    # sync: Inspect & Adapt and its workshop
    "sync:inspect_adapt": Page(READ, params=WORKSHOP),
    "sync:ia_objective_score": W(
        SCORE, params={**WORKSHOP, "objective_id": "workshop_objective"}, data={"actual_bv": "7"}
    ),
    "sync:workshop_open": W(MANAGE, params=WORKSHOP),
    "sync:workshop_update": W(MANAGE, params=WORKSHOP),
    "sync:workshop_cause_add": W(TAKE_PART, params=WORKSHOP, data={"category": "tools", "text": "Slow CI"}),
    "sync:workshop_cause_update": W(BY_OWNER, params=WORKSHOP),
    "sync:workshop_cause_why_add": W(BY_OWNER, params=WORKSHOP, data={"why": "No budget"}),
    "sync:workshop_cause_delete": W(BY_OWNER, params=WORKSHOP),
    "sync:workshop_cause_vote": W(TAKE_PART, params=WORKSHOP, data={"dots": "1"}),
    "sync:workshop_solution_add": W(TAKE_PART, params=WORKSHOP, data={"text": "Faster CI"}),
    "sync:workshop_solution_delete": W(BY_OWNER, params=WORKSHOP),
    "sync:workshop_item_add": W(TAKE_PART, params=WORKSHOP, data={"title": "Faster CI"}),
    # sync: system demos
    "sync:pi_demos": Page(READ, params=DEMO),
    "sync:demo": Page(READ, params=DEMO),
    "sync:demo_prepare": W(RUN, params=DEMO),
    "sync:demo_update": W(RUN, params=DEMO),
    "sync:demo_item_add": W(RUN, params=DEMO),
    "sync:demo_item_update": W(Rule(Action.SCORE_BV), params=DEMO, data={"decision": "accepted"}),
    "sync:demo_item_move": W(RUN, params=DEMO, data={"position": "1"}),
    "sync:demo_item_remove": W(RUN, params=DEMO),
    "sync:demo_feedback_add": W(TAKE_PART, params=DEMO, data={"text": "Nice"}),
    "sync:demo_feedback_delete": W(BY_OWNER, params=DEMO),
    "sync:release_notes": Page(READ),
}

#: Pages that judge the form before the role: a refused persona sending an incomplete form may
#: get the form's errors (422) instead of 403; either way nothing changes (the API refuses first:
#: tests/art/api/test_access_matrix.py). The matrix sends each of these an incomplete form.
FORM_FIRST = {
    "pi_planning:board_move",
    "pi_planning:board_dependency_create",
    "pi_planning:dependency_create",
    "pi_planning:risk_move",
    "pi_planning:risk_update",
    "sync:sync_action_item_add",
    "sync:workshop_cause_update",
    "sync:workshop_item_add",
}

#: Path parameter -> the world's object (its pk; the train's slug).
DEFAULT_PARAMS = {
    "slug": "train",
    "webhook_id": "webhook",
    "delivery_id": "webhook_delivery",
    "record_id": "deleted_record",
    "team_id": "team",
    "member_id": "team_member",
    "membership_id": "membership",
    "pi_id": "pi",
    "iteration_id": "iteration",
    "milestone_id": "milestone",
    "token_id": "token",
    "run_id": "recompute_run",
    "feature_id": "feature",
    "holiday_id": "holiday",
    "objective_id": "objective",
    "vote_id": "vote",
    "dep_id": "dependency",
    "risk_id": "risk",
    "event_id": "event",
    "decision_id": "decision",
    "escalation_id": "escalation",
    "impediment_id": "impediment",
    "cause_id": "cause",
    "solution_id": "solution",
    "feedback_id": "demo_feedback",
}
#: `item_id` names a different kind of object in each app.
ITEM_OF = {"sync:sync_action_item_status": "action_item", "sync:demo_item_update": "demo_item"}


def url_patterns() -> dict[str, str]:
    """Every URL pattern outside the admin and the API: key (name, or route when unnamed) ->
    route."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if route.startswith(("admin/", "api/")):
                    continue
                found[f"{namespace}{p.name}" if p.name else route] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def path_of(world: World, key: str, page: Page, value: str = "") -> str:
    route = url_patterns()[key]
    if ":" not in key and "<" not in route:
        return "/" + route
    names = [part.split(">")[0].split(":")[-1] for part in route.split("<")[1:]]
    kwargs: dict[str, Any] = {}
    for name in names:
        if name == page.expand:
            kwargs[name] = value
        elif name == "slug":
            kwargs[name] = world.train.slug
        elif name == "scope":
            kwargs[name] = "train"
        elif name == "item_id":
            kwargs[name] = world[
                ITEM_OF.get(key, "improvement" if key.startswith("sync:improvement") else "demo_item")
            ].pk
        else:
            kwargs[name] = world[page.params.get(name, DEFAULT_PARAMS[name])].pk
    return reverse(key, kwargs=kwargs)


def cases() -> list[tuple[str, str]]:
    out = []
    for key, page in PAGES.items():
        if page.expand == "name":
            out += [(key, name) for name in sorted(FRAGMENTS)]
        else:
            out.append((key, ""))
    return out


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def test_every_url_pattern_is_classified():
    from tests.test_role_matrix_exports import EXPORTS

    patterns = set(url_patterns())
    table = set(PAGES) | set(EXPORTS)
    assert sorted(patterns - table) == [], "URL patterns nobody classified: add a row to PAGES or EXPORTS"
    assert sorted(table - patterns) == [], "rows for URL patterns that are gone"
    assert not set(PAGES) & set(EXPORTS)


def fill(world: World, text: str) -> str:
    """ "<key>" -> the pk of the world's object of that key."""
    for key in re.findall(r"<(\w+)>", text):
        text = text.replace(f"<{key}>", str(world[key].pk))
    return text


def body(world: World, page: Page) -> dict[str, Any]:
    return {k: fill(world, v) for k, v in page.data.items()}


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "value"), cases(), ids=[f"{k}{'/' + v if v else ''}" for k, v in cases()])
def test_every_persona_gets_the_policys_answer(world, key, value, monkeypatch):
    page = PAGES[key]
    if key == "healthz":
        # The matrix asks who may call it; what it answers when Redis is slow (503) is
        # tests/art/test_healthz.py's: a loaded CI machine once made the broker check time out here.
        from art import health

        monkeypatch.setattr(health, "CHECKS", {"database": health.check_database})
    url = path_of(world, key, page, value)
    query = fill(world, FRAGMENT_QUERY.get(value, "") if page.expand == "name" else page.query)
    wrong = []
    for persona in PERSONAS:
        client = client_for(world, persona)
        for method in page.methods:
            if method == "GET":
                want = expected(
                    page.get_rule or READ if page.methods != ("GET",) else page.rule, persona, api=False
                )
                response, changed = attempt(client.get, url + (f"?{query}" if query else ""))
            else:
                # as the pages send it (htmx); without JavaScript a refusal redirects back with its message
                want = expected(page.rule, persona, api=False)
                response, changed = attempt(client.post, url, body(world, page), HTTP_HX_REQUEST="true")
            if key in FORM_FIRST and want == 403 and getattr(response, "status_code", 0) == 422:
                want = 422
            problem = verdict(response, changed, want)
            if problem:
                wrong.append(f"{method} {url} as {persona}: {problem}")
    assert wrong == []
