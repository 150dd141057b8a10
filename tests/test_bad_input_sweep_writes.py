"""The bad-input sweep over every change the API serves: each PATCH and PUT of the OpenAPI schema
and each write action on an object (`POST .../{id}/...`: transitions, state changes, votes,
moves, restore, ...), each family of bad values in one field the operation's schema names:
NUL and other control characters, line breaks in one-line text, a megabyte of text, 10,000 items,
nesting 100 deep, wrong types, unknown and read-only fields, a reference to another train's
object (the caller is the RTE of both trains), and dates beyond 1990–2199.

Each request states the card's current version, so that a refusal is about the input (not 428).
It answers in JSON and never 500; a refusal is a 4xx naming the field (the body-size and
nesting refusals of the parser aside) and leaves every row of the project's apps, the history
included, as it was. Dates on the limits (1990-01-01, 2199-12-31) are never refused for their
range. A valid request to each operation succeeds: the refusals are about the bad value."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.urls import resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from art.models import ChangeRecord, ReleaseTrain
from art.services.common import delete_recorded
from art.services.tokens import api_token_create
from pi_planning.services.votes import vote_round_open
from tests import sweep_helpers as sweep

PREFIX = "/api/v1/"
RANGE_WORDS = "dates must lie between"


@dataclass(frozen=True)
class Op:
    method: str
    path: str
    props: dict[str, dict]  # the request body's fields, as the schema states them
    read_only: tuple[str, ...]  # fields of the answer a client may not set

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path.removeprefix(PREFIX)}"


def _component(schema: dict, spec: dict) -> dict:
    ref = spec.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref", "")
    return schema["components"]["schemas"].get(ref.split("/")[-1], {}) if ref else {}


def create_only(path: str) -> tuple[str, ...]:
    view = resolve(re.sub(r"\{[^}]+\}", "1", path)).func
    serializer = getattr(getattr(view, "cls", None), "serializer_class", None)
    return tuple(getattr(getattr(serializer, "Meta", None), "create_only", ()))


def change_operations() -> list[Op]:
    """Every PATCH and PUT, and every POST on a path below an object ("{...}" in it)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        for method in ("put", "patch", "post"):
            operation = operations.get(method)
            if not operation or (method == "post" and "{" not in path):
                continue
            request = _component(schema, operation.get("requestBody", {}))
            answer = next((_component(schema, r) for c, r in operation["responses"].items() if c < "300"), {})
            props = {k: v for k, v in request.get("properties", {}).items() if not v.get("readOnly")}
            read_only = tuple(k for k, v in answer.get("properties", {}).items() if v.get("readOnly"))
            if method in ("put", "patch"):
                # fields set on create only are read-only afterwards (CoreSerializer.Meta.create_only)
                fixed = create_only(path)
                props = {k: v for k, v in props.items() if k not in fixed}
                if "/by-key/" not in path:  # an upsert takes them again with their current value
                    read_only = (*fixed, *read_only)
            found.append(Op(method, path, props, read_only))
    return sorted(found, key=str)


OPS = change_operations()

# --- the kinds of field, from the schema and the models --------------------------------------

FK_MODELS: dict[str, Any] = {
    "card": "art.Feature",
    "committed_iteration": "art.Iteration",
    "needed_by": "art.Iteration",
    "cause": "sync.Cause",
}
for _model in sweep.project_models():
    for _field in _model._meta.get_fields():
        if isinstance(_field, models.ForeignKey | models.ManyToManyField) and _field.related_model:
            label = _field.related_model._meta.label
            if label.split(".")[0] in sweep.PROJECT_APPS:
                FK_MODELS.setdefault(_field.name, label)


def is_text(spec: dict) -> bool:
    return spec.get("type") == "string" and "format" not in spec and "enum" not in spec


def model_of(path: str) -> Any:
    if path.startswith(f"{PREFIX}history/"):
        return ChangeRecord
    if path.startswith(f"{PREFIX}pis/"):
        return apps.get_model("art.ProgramIncrement")
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    view = resolve(concrete).func
    return view.cls.queryset.model  # type: ignore[attr-defined]


# The model a write action makes or changes, where it is not the viewset's.
ACTION_MODELS = {
    "dependencies/{id}/comments/": "pi_planning.DependencyComment",
    "events/{event_id}/decisions/": "sync.Decision",
    "events/{event_id}/escalations/": "sync.Escalation",
    "features/{id}/transitions/": "art.FeatureTransition",
    "pis/{pi_id}/readiness/": "sync.ReadinessCheck",
}


def model_field(op: Op, name: str) -> Any:
    label = ACTION_MODELS.get(op.path.removeprefix(PREFIX))
    try:
        model = apps.get_model(label) if label else model_of(op.path)
        return model._meta.get_field(name)
    except (AttributeError, LookupError, FieldDoesNotExist):
        return None


def is_one_line(op: Op, name: str, spec: dict) -> bool:
    """Text of one line: a CharField without choices (names, titles, owners, notes)."""
    field = model_field(op, name)
    return is_text(spec) and isinstance(field, models.CharField) and not field.choices


def is_fk(name: str, spec: dict) -> bool:
    return name in FK_MODELS and spec.get("type") in ("integer", "array")


def is_number(name: str, spec: dict) -> bool:
    return spec.get("type") in ("integer", "number") and not is_fk(name, spec)


def is_date(spec: dict) -> bool:
    return spec.get("format") in ("date", "date-time")


def first(op: Op, test: Any) -> str | None:
    return next((name for name, spec in op.props.items() if test(name, spec)), None)


# A family: which field of the operation it targets (None: the operation has none), and the
# value(s) it sends there.
FAMILIES: dict[str, Any] = {
    "nul": lambda op: first(op, lambda n, s: is_text(s)),
    "control": lambda op: first(op, lambda n, s: is_text(s)),
    "line_break": lambda op: first(op, lambda n, s: is_one_line(op, n, s)),
    "megabyte": lambda op: first(op, lambda n, s: is_text(s) and "maxLength" in s),
    "many": lambda op: first(op, lambda n, s: s.get("type") == "array") or first(op, lambda n, s: True),
    "nesting": lambda op: first(op, lambda n, s: True) or "payload",
    "string_for_number": lambda op: first(op, is_number),
    "list_for_text": lambda op: first(op, lambda n, s: is_text(s)),
    "object_for_reference": lambda op: first(op, is_fk),
    "unknown_field": lambda op: "no_such_field",
    "read_only_field": lambda op: (
        next((f for f in op.read_only if f != "id"), None) or ("id" if op.read_only else None)
    ),  # a create-only field first, on a change
    "other_train": lambda op: first(op, lambda n, s: is_fk(n, s) and FK_MODELS[n] != "auth.User"),
    "date_too_early": lambda op: first(op, lambda n, s: is_date(s)),
    "date_too_late": lambda op: first(op, lambda n, s: is_date(s)),
    "date_on_the_limits": lambda op: first(op, lambda n, s: is_date(s)),
}


def day(op: Op, field: str, iso: str) -> str:
    return f"{iso}T12:00:00Z" if op.props[field].get("format") == "date-time" else iso


BAD: dict[str, Any] = {
    "nul": lambda op, f: sweep.NUL,
    "control": lambda op, f: sweep.CONTROL,
    "line_break": lambda op, f: sweep.LINE_BREAK,
    "megabyte": lambda op, f: sweep.MEGABYTE,
    "many": lambda op, f: sweep.MANY,
    "nesting": lambda op, f: sweep.nested(100),
    "string_for_number": lambda op, f: "twelve",
    "list_for_text": lambda op, f: ["a", "list"],
    "object_for_reference": lambda op, f: {"id": 1},
    "unknown_field": lambda op, f: 1,
    "read_only_field": lambda op, f: 1,
    "date_too_early": lambda op, f: day(op, f, "1989-12-31"),
    "date_too_late": lambda op, f: day(op, f, "2200-01-01"),
}

CASES = [
    pytest.param(op, family, field, id=f"{op}-{family}")
    for op in OPS
    for family, target in FAMILIES.items()
    if (field := target(op))
]


# --- the world, and the objects each path names ------------------------------------------------


@dataclass
class World:
    sweep: sweep.SweepWorld
    deleted: Any  # the history record of a deleted holiday (for restore)
    token: Any


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    for built in sweep.module_world(django_db_blocker):
        holiday = sweep.of_train(apps.get_model("pi_planning.Holiday"), built.train).first()
        delete_recorded(actor=built.rte, obj=holiday)
        deleted = ChangeRecord.objects.filter(action="deleted").latest("pk")
        token, _ = api_token_create(user=built.rte, name="sweep")
        vote_round_open(actor=built.rte, pi=planning_pi(built.train))
        for label in (
            "art.Feature",
            "art.Story",
            "pi_planning.Dependency",
            "pi_planning.Risk",
            "pi_planning.Objective",
        ):
            model = apps.get_model(label)  # the cards the upserts by key change
            obj = the_object(model, World(built, deleted, token))
            model.objects.filter(pk=obj.pk).update(external_key=f"SWEEP-{obj.pk}")
        yield World(built, deleted, token)


@pytest.fixture(scope="module")
def baseline(world):
    return sweep.snapshot()


@pytest.fixture
def api(world, db):
    client = APIClient()
    client.force_authenticate(world.sweep.rte)
    return client


def planning_pi(train: ReleaseTrain) -> Any:
    return train.pis.order_by("-start_date").first()


def the_object(model: Any, world: World) -> Any:
    """The object of the world's train an operation changes: in its planning PI if it has one."""
    train = world.sweep.train
    if model is ChangeRecord:
        return world.deleted
    if model._meta.label == "art.ApiToken":
        return world.token
    rows = sweep.of_train(model, train)
    pi = planning_pi(train)
    for lookup in ("pi", "iteration__pi", "team__train"):
        try:
            narrowed = rows.filter(**{lookup: pi} if "pi" in lookup else {lookup: train})
        except Exception:
            continue
        if narrowed.exists():
            rows = narrowed
            break
    obj = rows.last()
    assert obj is not None, f"the world holds no {model._meta.label}"
    return obj


def url_and_object(op: Op, world: World) -> tuple[str, Any]:
    train = world.sweep.train
    pi = planning_pi(train)
    Event, Vote = apps.get_model("sync.Event"), apps.get_model("pi_planning.Vote")
    obj = None
    url = op.path
    if "{id}" in url:
        obj = the_object(model_of(op.path), world)
        url = url.replace("{id}", str(obj.pk))
    if "{external_key}" in url:  # an upsert by key: the object holding the key, in its train
        obj = the_object(model_of(op.path), world)
        url = url.replace("{external_key}", obj.external_key) + f"?train={train.pk}"
    if "{vote_id}" in url:
        vote = Vote.objects.filter(pi__train=train).exclude(concern="").last()
        assert vote is not None, "the world holds no vote with a concern"
        url = url.replace("{vote_id}", str(vote.pk))
        pi = obj = vote.pi
    if "{pi_id}" in url:
        obj = obj or pi
        url = url.replace("{pi_id}", str(pi.pk))
    if "{train_id}" in url:
        obj = obj or train.cadence
        url = url.replace("{train_id}", str(train.pk))
    if "{delivery_id}" in url:
        delivery = apps.get_model("art.WebhookDelivery").objects.filter(webhook=obj).last()
        assert delivery is not None, "the world holds no webhook delivery"
        url = url.replace("{delivery_id}", str(delivery.delivery_id))
    if "{event_id}" in url:
        obj = Event.objects.filter(train=train, kind=Event.Kind.ART_SYNC).last()
        assert obj is not None, "the world holds no ART sync"
        url = url.replace("{event_id}", str(obj.pk))
    return url, obj


def valid_body(op: Op, world: World, api: APIClient, url: str, obj: Any) -> dict:
    """A body the operation accepts, stating the card's version where it has one."""
    versioned = {"version": obj.version} if "version" in op.props and hasattr(obj, "version") else {}
    path = op.path.removeprefix(PREFIX)
    train = world.sweep.train
    if op.method == "put":
        current = api.get(url).json()
        return {k: v for k, v in current.items() if k in op.props} | versioned
    if path.startswith("pis/{pi_id}/readiness/"):
        return {"item": "room", "done": True, "note": "booked"}
    if op.method == "patch":
        return versioned
    if path == "dependencies/{id}/comments/":
        return {"body": "Agreed with the provider"}
    if path == "dependencies/{id}/state/":
        return {"state": "cancelled"} | versioned
    if path == "events/{event_id}/decisions/":
        return {"text": "Ship on Tuesday"}
    if path == "events/{event_id}/escalations/":
        return {"to": "Portfolio", "why": "Budget"}
    if path == "features/{id}/transitions/":
        return {"state": "funnel" if obj.state != "funnel" else "analyzing"} | versioned
    if path == "pis/{id}/board/moves/":
        feature = sweep.of_train(apps.get_model("art.Feature"), train).filter(pi=obj).last()
        return {"kind": "feature", "card": feature.pk, "team": feature.team_id, "iteration": None} | {
            "version": feature.version
        }
    if path == "workshops/{id}/votes/":
        return {"cause": obj.causes.first().pk, "dots": 1}
    if path == "pis/{pi_id}/confidence/open/":
        return {"team": train.teams.order_by("pk").first().pk}
    if path == "pis/{pi_id}/confidence/reveal/":
        return {"team": None}  # opened with the world
    return versioned


def other_train_id(field: str, world: World) -> int:
    model = apps.get_model(FK_MODELS[field])
    row = sweep.of_train(model, world.sweep.other).last()
    assert row is not None, f"the other train holds no {model._meta.label}"
    return row.pk


def send(api: APIClient, op: Op, url: str, body: Any) -> Any:
    return getattr(api, op.method)(url, json.dumps(body), content_type="application/json")


def names(response: Any, field: str) -> bool:
    return field in response.content.decode()


@pytest.mark.parametrize("op", OPS, ids=str)
def test_a_valid_change_is_accepted(world, api, op):
    url, obj = url_and_object(op, world)
    response = send(api, op, url, valid_body(op, world, api, url, obj))
    assert 200 <= response.status_code < 300, f"{op} → {response.status_code} {response.content[:300]!r}"


@pytest.mark.parametrize(("op", "family", "field"), CASES)
def test_a_bad_value_is_refused_naming_the_field_and_changes_nothing(world, baseline, api, op, family, field):
    url, obj = url_and_object(op, world)
    body = valid_body(op, world, api, url, obj)
    if family == "date_on_the_limits":
        for iso in ("1990-01-01", "2199-12-31"):
            if obj is not None and hasattr(obj, "version"):  # the first may have been accepted
                obj.refresh_from_db()
            body = valid_body(op, world, api, url, obj)
            response = send(api, op, url, {**body, field: day(op, field, iso)})
            where = f"{op} {field}={iso} → {response.status_code} {response.content[:300]!r}"
            assert response.status_code < 500, where
            assert RANGE_WORDS not in response.content.decode(), where
            if response.status_code >= 400:
                assert sweep.changed(baseline, sweep.snapshot()) == [], where
        return
    if family == "other_train":
        # every reference the operation takes, to an object of the other train of the same RTE
        for name, spec in op.props.items():
            if not is_fk(name, spec) or FK_MODELS[name] == "auth.User":
                continue
            other = other_train_id(name, world)
            response = send(api, op, url, {**body, name: [other] if spec.get("type") == "array" else other})
            where = f"{op} {name}=<other train's {other}> → {response.status_code} {response.content[:300]!r}"
            assert 400 <= response.status_code < 500, where
            assert response.status_code == 404 or names(response, name), where
            assert sweep.changed(baseline, sweep.snapshot()) == [], where
        return
    value: Any
    value = sweep.nested(100) if family == "nesting" else BAD[family](op, field)
    response = send(api, op, url, {**body, field: value})
    where = f"{op} {field}={repr(value)[:40]} → {response.status_code} {response.content[:300]!r}"
    assert 400 <= response.status_code < 500, where
    assert response["Content-Type"].startswith("application/json"), where
    if family != "nesting" and response.status_code != 413:
        assert names(response, field), where
    assert sweep.changed(baseline, sweep.snapshot()) == [], where
