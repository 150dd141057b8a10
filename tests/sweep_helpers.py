"""What the bad-input sweeps share (tests/test_bad_input_sweep*.py): the values no client should
send, a world built once per module (a small demo train and a second train whose RTE is the same
person, for references across trains), and a snapshot of every row of the project's apps."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldError
from django.db import connection, transaction

from art import demo
from art.models import ChangeRecord

PROJECT_APPS = ("art", "pi_planning", "sync", "metrics")

# The text no field may hold, and values of the wrong shape.
NUL = "bad\x00value"
CONTROL = "bad\x07bell\x1bescape"
LINE_BREAK = "two\r\nlines"
MEGABYTE = "x" * 1_000_000
MANY = list(range(10_000))


def nested(depth: int) -> Any:
    """A JSON value `depth` levels deep: [[[...]]]."""
    value: Any = []
    for _ in range(depth - 1):
        value = [value]
    return value


def small(profile: demo.Profile, **changes: Any) -> demo.Profile:
    return profile.scaled(
        teams=2,
        people_per_team=(4, 5),
        closed_pis=1,
        features_per_team_pi=(1, 2),
        stories_per_feature=(1, 2),
        current_pi_features_per_team=(2, 3),
        backlog_features=2,
        **changes,
    )


DEMO = small(demo.PROFILES["demo"])
OTHER = small(demo.PROFILES["demo"], train_name="Other ART", train_slug="other-art", seed=7)


@dataclass
class SweepWorld:
    train: Any
    other: Any  # a second train: the same `rte` is its RTE too
    users: dict[str, Any]

    @property
    def rte(self) -> Any:
        return self.users["rte"]


def build_world() -> SweepWorld:
    ctx = demo.build(DEMO)
    other = demo.build(OTHER)
    assert ctx is not None and other is not None
    _add_webhook(ctx.train)
    # the logins, as the second build left them (it set their passwords anew)
    return SweepWorld(train=ctx.train, other=other.train, users=other.users)


def _add_webhook(train: Any) -> None:
    """A webhook with a delivery: its URL is a private address, so a test event or redelivery
    is refused at once, without a network (its URL is checked only when it changes)."""
    from art.models import Webhook, WebhookDelivery

    webhook = Webhook.objects.create(
        train=train, url="http://10.0.0.1/hook", events=["feature.moved"], secret="sweep-secret-0123456789"
    )
    WebhookDelivery.objects.create(
        webhook=webhook, event="ping", payload={"event": "ping"}, status="failed", attempts=1
    )


def module_world(django_db_blocker: Any) -> Iterator[SweepWorld]:
    """Build the world in a transaction held open for the module, and roll it back after: each
    test runs inside it (in a savepoint of its own, rolled back too)."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def project_models() -> list[Any]:
    """Every model of the project's apps (their many-to-many tables too) and the history."""
    found = [
        m for app in PROJECT_APPS for m in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    return found if ChangeRecord in found else [*found, ChangeRecord]


def snapshot() -> dict[str, tuple[int, str]]:
    """model label -> (row count, a hash of every row's values, in primary-key order). Raw SQL:
    it runs after every request of the sweeps."""
    rows: dict[str, tuple[int, str]] = {}
    with connection.cursor() as cursor:
        for model in project_models():
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"SELECT * FROM {table} ORDER BY 1")
            found = cursor.fetchall()
            rows[model._meta.label] = (len(found), hashlib.sha256(repr(found).encode()).hexdigest())
    return rows


def changed(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return sorted(label for label in before.keys() | after.keys() if before.get(label) != after.get(label))


TRAIN_PATHS = (
    "train",
    "pi__train",
    "team__train",
    "member__team__train",
    "iteration__pi__train",
    "demo__train",
    "workshop__pi__train",
    "event__train",
    "feature__train",
    "dependency__pi__train",
    "cause__workshop__pi__train",
    "webhook__train",
)


def of_train(model: Any, train: Any) -> Any:
    """The model's rows that belong to `train`, by the first path to a train the model has."""
    if model._meta.label == "art.ReleaseTrain":
        return model._default_manager.filter(pk=train.pk)
    for lookup in TRAIN_PATHS:
        try:
            return model._default_manager.filter(**{lookup: train}).order_by("pk")
        except FieldError:
            continue
    raise AssertionError(f"no way from {model._meta.label} to its train")
