"""The role × endpoint matrix of the API: every operation of the OpenAPI schema × eight personas
(tests/role_matrix.py), with the answer of the access policy: no credentials → 401; the RTE of
another train → 404 for everything of this train (its lists answer 200 without this train's
rows); a seated role the action is not for → 403; else anything but a refusal or a crash. A
refusal changes nothing. A new operation fails test_every_operation_is_classified until OPS says
who may call it."""

from __future__ import annotations

import json
import re

import pytest
from django.db import transaction
from drf_spectacular.generators import SchemaGenerator

from art.access import Action
from tests.role_matrix import PERSONAS, READ, Rule, World, attempt, build_world, client_for, expected, verdict

MANAGE = Rule(Action.MANAGE_TRAIN)
BACKLOG = Rule(Action.EDIT_BACKLOG)
TEAM = Rule(Action.EDIT_TEAM, team=True)
DEPENDENCY = Rule(Action.EDIT_DEPENDENCY, team=True)
RISK = Rule(Action.EDIT_RISK, team=True)
SCORE = Rule(Action.SCORE_BV)
RUN = Rule(Action.RUN_EVENTS)
TAKE_PART = Rule(Action.TAKE_PART)
BY_OWNER = Rule(Action.TAKE_PART, author="business_owner")
SIGNED_IN = Rule("signed_in")
PUBLIC = Rule("public")
TOKEN_OWNER = Rule("signed_in", owner_only="member")

#: The resource a path's first {id} names -> the world's object.
RESOURCE = {
    "absences": "absence",
    "action-items": "action_item",
    "causes": "cause",
    "demo-feedback": "demo_feedback",
    "demo-items": "demo_item",
    "dependencies": "dependency",
    "events": "event",
    "features": "feature",
    "history": "deleted_record",
    "holidays": "holiday",
    "impediments": "impediment",
    "improvement-items": "improvement",
    "iterations": "iteration",
    "memberships": "membership",
    "milestones": "milestone",
    "objectives": "objective",
    "pis": "pi",
    "risks": "risk",
    "solutions": "solution",
    "stories": "story",
    "system-demos": "system_demo",
    "team-members": "team_member",
    "teams": "team",
    "tokens": "token",
    "trains": "train",
    "votes": "vote",
    "webhooks": "webhook",
    "workshops": "workshop",
}
#: Query strings the reads need ("<key>": a world object's pk).
QUERY = {
    "/api/v1/metrics/predictability/": "train=<train>",
    "/api/v1/metrics/flow/": "train=<train>&start=2026-01-05&end=2026-02-02",
    "/api/v1/metrics/forecast/": "train=<train>&items=5&seed=1",
    "/api/v1/metrics/dependency-age/": "train=<train>",
    "/api/v1/imports/jira-csv/": "train=<train>&pi=<pi>&dry_run=false",
}
#: Upserts by key name the train in the query; the key is that of the world's object.
UPSERTS = {
    "dependencies": DEPENDENCY,
    "features": BACKLOG,
    "objectives": TEAM,
    "risks": RISK,
    "stories": TEAM,
}
for _resource in UPSERTS:
    QUERY[f"/api/v1/{_resource}/by-key/{{external_key}}/"] = "train=<train>"
#: Bodies of the writes that name the train's object in the body (else {}).
BODY = {
    "POST /api/v1/metrics/recompute/": {"train": "<train>"},
    "POST /api/v1/imports/jira-csv/": {},  # the train is in the query: refused before the body
}

#: Every operation: "METHOD path" -> who may. Collection POSTs are sent an empty body (the
#: create matrix with valid bodies is tests/art/api/test_access_matrix.py): a refusal is then a
#: 400 for everyone, so they are listed in BODYLESS_CREATES and checked for "no crash, nothing
#: changed" only.
OPS: dict[str, Rule] = {}
#: Writes that judge the body before the role (found by this matrix): a refused persona sending
#: an empty body gets 400 (or 428: no version) instead of 403; nothing changes either way.
BODY_FIRST = {
    "PATCH /api/v1/causes/{id}/",
    "PUT /api/v1/causes/{id}/",
    "PATCH /api/v1/demo-items/{id}/",
    "PATCH /api/v1/objectives/{id}/",
    "PUT /api/v1/objectives/{id}/",
    "PATCH /api/v1/risks/{id}/",
    "PUT /api/v1/risks/{id}/",
    "POST /api/v1/events/{event_id}/decisions/",
    "POST /api/v1/events/{event_id}/escalations/",
    "POST /api/v1/pis/{id}/board/moves/",
}
#: Reads that name the train in their query: 404 for a train the caller holds no seat in.
QUERY_READS = {f"GET {path}" for path in QUERY}


def _crud(path: str, write: Rule, *, methods: str = "get put patch delete", history: bool = False) -> None:
    for m in methods.split():
        OPS[f"{m.upper()} /api/v1/{path}/{{id}}/"] = READ if m == "get" else write
    OPS[f"GET /api/v1/{path}/"] = READ
    OPS[f"POST /api/v1/{path}/"] = write
    if history:
        OPS[f"GET /api/v1/{path}/{{id}}/history/"] = READ


_crud("absences", TEAM)
_crud("action-items", TAKE_PART)
_crud("causes", BY_OWNER)
_crud("demo-feedback", BY_OWNER, methods="get delete")
_crud("demo-items", SCORE, methods="get patch delete", history=True)
_crud("dependencies", DEPENDENCY, history=True)
_crud("events", MANAGE, history=True)
_crud("features", BACKLOG)
_crud("holidays", MANAGE)
_crud("impediments", TAKE_PART, history=True)
_crud("improvement-items", TAKE_PART, history=True)
_crud("iterations", MANAGE)
_crud("memberships", MANAGE)
_crud("milestones", MANAGE)
_crud("objectives", TEAM, history=True)
_crud("pis", MANAGE)
_crud("risks", RISK, history=True)
_crud("solutions", BY_OWNER, methods="get delete")
_crud("stories", TEAM)
_crud("system-demos", RUN, methods="get patch", history=True)
_crud("team-members", TEAM)
_crud("teams", MANAGE)
_crud("trains", MANAGE)
_crud("workshops", MANAGE, methods="get patch")
OPS.update(
    {
        # stated exceptions to the CRUD pattern
        "DELETE /api/v1/demo-items/{id}/": RUN,  # removing an item is running the demo
        "PATCH /api/v1/demo-items/{id}/": SCORE,  # accepting is the business owners'
        "DELETE /api/v1/impediments/{id}/": MANAGE,
        "PUT /api/v1/improvement-items/{id}/": TAKE_PART,
        "DELETE /api/v1/improvement-items/{id}/": MANAGE,
        "POST /api/v1/causes/": TAKE_PART,
        "POST /api/v1/solutions/": TAKE_PART,
        "POST /api/v1/demo-feedback/": TAKE_PART,
        "POST /api/v1/demo-items/": RUN,
        "POST /api/v1/risks/": Rule(Action.EDIT_RISK),
        "POST /api/v1/trains/": Rule("admin"),
        "POST /api/v1/workshops/": MANAGE,
        "POST /api/v1/votes/": Rule(Action.VOTE),
        "GET /api/v1/votes/": READ,
        "GET /api/v1/votes/{id}/": Rule("signed_in", owner_only="business_owner"),  # a vote is its voter's
        "GET /api/v1/trains/": SIGNED_IN,
        # personal
        "POST /api/v1/auth/token/": PUBLIC,
        "GET /api/v1/tokens/": SIGNED_IN,
        "POST /api/v1/tokens/": SIGNED_IN,
        "GET /api/v1/tokens/{id}/": TOKEN_OWNER,
        "POST /api/v1/tokens/{id}/revoke/": TOKEN_OWNER,
        # actions and reads of one object
        "GET /api/v1/dependencies/{id}/comments/": READ,
        "POST /api/v1/dependencies/{id}/comments/": DEPENDENCY,
        "POST /api/v1/dependencies/{id}/state/": DEPENDENCY,
        "GET /api/v1/events/{event_id}/agenda/": READ,
        "GET /api/v1/events/{event_id}/decisions/": READ,
        "POST /api/v1/events/{event_id}/decisions/": TAKE_PART,
        "GET /api/v1/events/{event_id}/escalations/": READ,
        "POST /api/v1/events/{event_id}/escalations/": TAKE_PART,
        "GET /api/v1/features/{id}/transitions/": READ,
        "POST /api/v1/features/{id}/transitions/": BACKLOG,
        "POST /api/v1/history/{id}/restore/": MANAGE,
        "GET /api/v1/iterations/{id}/release-notes/": READ,
        "GET /api/v1/pis/{id}/release-notes/": READ,
        "GET /api/v1/pis/{id}/board/": READ,
        "GET /api/v1/pis/{id}/baselines/": READ,
        "GET /api/v1/pis/{id}/baselines/{baseline_id}/compare/": READ,
        "POST /api/v1/pis/{id}/board/moves/": BACKLOG,
        "GET /api/v1/pis/{id}/capacity/": READ,
        "GET /api/v1/pis/{pi_id}/confidence/": READ,
        "GET /api/v1/pis/{pi_id}/confidence/concerns/": RUN,  # concerns are the RTE's (domain.md)
        "POST /api/v1/pis/{pi_id}/confidence/concerns/{vote_id}/risk/": RUN,
        "POST /api/v1/pis/{pi_id}/confidence/open/": RUN,
        "POST /api/v1/pis/{pi_id}/confidence/reveal/": RUN,
        "POST /api/v1/pis/{pi_id}/events/generate/": MANAGE,
        "GET /api/v1/pis/{pi_id}/readiness/": READ,
        "POST /api/v1/pis/{pi_id}/readiness/": MANAGE,
        "PATCH /api/v1/pis/{pi_id}/readiness/": MANAGE,
        "GET /api/v1/trains/{train_id}/cadence/": READ,
        "PUT /api/v1/trains/{train_id}/cadence/": MANAGE,
        "PATCH /api/v1/trains/{train_id}/cadence/": MANAGE,
        "GET /api/v1/trains/{train_id}/ical-url/": READ,
        "GET /api/v1/trains/{id}/kanban/": READ,
        "GET /api/v1/workshops/{id}/pareto/": READ,
        "GET /api/v1/workshops/{id}/votes/": READ,
        "POST /api/v1/workshops/{id}/votes/": TAKE_PART,
        "GET /api/v1/metrics/predictability/": READ,
        "GET /api/v1/metrics/flow/": READ,
        "GET /api/v1/metrics/forecast/": READ,
        "GET /api/v1/metrics/dependency-age/": READ,
        "POST /api/v1/metrics/recompute/": RUN,
        "POST /api/v1/imports/jira-csv/": BACKLOG,
        "GET /api/v1/metrics/recompute/{run_id}/": READ,
        # integrations: bulk writes (an empty body is refused before the train is known)
        "POST /api/v1/features/bulk/": BACKLOG,
        "POST /api/v1/stories/bulk/": TEAM,
        # webhooks: the RTE's, reads included; a list holds the webhooks of the trains one manages
        "GET /api/v1/webhooks/": SIGNED_IN,
        "POST /api/v1/webhooks/": MANAGE,
        "GET /api/v1/webhooks/{id}/": MANAGE,
        "PUT /api/v1/webhooks/{id}/": MANAGE,
        "PATCH /api/v1/webhooks/{id}/": MANAGE,
        "DELETE /api/v1/webhooks/{id}/": MANAGE,
        "GET /api/v1/webhooks/{id}/deliveries/": MANAGE,
        "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver/": MANAGE,
        "POST /api/v1/webhooks/{id}/test/": MANAGE,
    }
)
for _resource, _rule in UPSERTS.items():
    OPS[f"GET /api/v1/{_resource}/by-key/{{external_key}}/"] = READ
    OPS[f"PUT /api/v1/{_resource}/by-key/{{external_key}}/"] = _rule
BODY_FIRST.add("PUT /api/v1/objectives/by-key/{external_key}/")  # rights depend on the fields changed


def schema_operations() -> list[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    )


OPERATIONS = schema_operations()


def test_every_operation_is_classified():
    assert sorted(set(OPERATIONS) - set(OPS)) == [], "operations nobody classified: add a row to OPS"
    assert sorted(set(OPS) - set(OPERATIONS)) == [], "rows for operations that are gone"


def url_of(world: World, path: str) -> str:
    parts = path.removeprefix("/api/v1/").split("/")
    out = []
    for i, part in enumerate(parts):
        if part == "{id}":
            key = RESOURCE[parts[i - 1]]
            if parts[i - 1] == "pis" and "confidence" not in path and path.endswith("release-notes/"):
                key = "pi"
            out.append(str(world[key].pk))
        elif part == "{external_key}":
            out.append(world[RESOURCE[parts[i - 2]]].external_key)
        elif part == "{pi_id}":
            out.append(str(world["vote_pi" if "{vote_id}" in path else "pi"].pk))
        elif part == "{delivery_id}":
            out.append(str(world["webhook_delivery"].delivery_id))
        elif part in ("{vote_id}", "{event_id}", "{train_id}", "{run_id}", "{baseline_id}"):
            out.append(
                str(
                    world[
                        {
                            "{vote_id}": "vote",
                            "{event_id}": "event",
                            "{train_id}": "train",
                            "{run_id}": "recompute_run",
                            "{baseline_id}": "baseline",
                        }[part]
                    ].pk
                )
            )
        else:
            out.append(part)
    url = "/api/v1/" + "/".join(out)
    query = QUERY.get(path, "")
    for key in re.findall(r"<(\w+)>", query):
        query = query.replace(f"<{key}>", str(world[key].pk))
    return url + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        for resource in UPSERTS:  # the cards the upserts by key find
            obj = world[RESOURCE[resource]]
            obj.external_key = f"MATRIX-{resource.upper()}"
            type(obj).objects.filter(pk=obj.pk).update(external_key=obj.external_key)
        yield world
        transaction.set_rollback(True)


def _body(world: World, op: str) -> str:
    body = {
        k: (world[v[1:-1]].pk if isinstance(v, str) and v.startswith("<") else v)
        for k, v in BODY.get(op, {}).items()
    }
    return json.dumps(body)


@pytest.mark.django_db
@pytest.mark.parametrize("op", OPERATIONS)
def test_every_persona_gets_the_policys_answer(world, op):
    method, path = op.split(" ", 1)
    rule = OPS[op]
    url = url_of(world, path)
    bodyless_create = method == "POST" and path.count("{") == 0 and op not in BODY
    wrong = []
    for persona in PERSONAS:
        api = client_for(world, persona, api=True)
        want = expected(rule, persona, api=True)
        if method == "GET" and path.count("{") == 0 and persona == "outsider" and op not in QUERY_READS:
            want = "ok"  # a list: the caller's own trains' rows, none of this train's (_leak below)
        if (bodyless_create and want in (403, 404)) or (op in BODY_FIRST and want == 403):
            want = "ok-or-400"  # the train is named in the body: without one, nothing to refuse yet
        send = getattr(api, method.lower())
        if method == "GET":
            response, changed = attempt(send, url)
        else:
            response, changed = attempt(send, url, _body(world, op), content_type="application/json")
        if want == "ok-or-400":
            problem = ""
            if isinstance(response, str) or response.status_code >= 500:
                problem = str(getattr(response, "status_code", response))
            elif response.status_code == 400 and changed:
                problem = "400 but rows changed"
        else:
            problem = verdict(response, changed, want)
        answered = not problem and not isinstance(response, str) and bool(response.content)
        if answered and not response["Content-Type"].startswith("application/json"):
            problem = f"Content-Type {response['Content-Type']}"
        if not problem and persona == "outsider" and method == "GET" and path.count("{") == 0:
            problem = _leak(world, response)
        if problem:
            wrong.append(f"{method} {url} as {persona}: {problem}")
    assert wrong == []


def _leak(world: World, response) -> str:
    """A list the RTE of another train reads holds nothing of this train."""
    text = response.content.decode()
    for needle in (world.train.slug, world.team.name, world["feature"].title):
        if needle in text:
            return f"the list shows {needle!r} of a train the caller holds no seat in"
    return ""
