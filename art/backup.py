"""Backups: the whole database (PostgreSQL through pg_dump/pg_restore, SQLite through its online
backup API), and one train as a JSON document — everything of it, its history included — that
an import reads back into a fresh install (`manage.py export_train` / `import_train`).

A train's document lists, for every model that reaches a train (art.access.TRAIN_PATHS), the rows
of that train in an order an import can save them in, with foreign keys to people by username
and to content types by name (natural keys), and the people it names (username, name, email;
never a password: they set one, or an administrator does, after the import).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import serializers
from django.db import connection, transaction
from django.db.models import Model, Q
from django.utils import timezone

from art import freshness
from art.access import TRAIN_PATHS
from art.models import ReleaseTrain

FORMAT = "railyard-train"
VERSION = 1


class BackupError(Exception):
    """A backup or restore that cannot go ahead, in words."""


# --- the whole database ------------------------------------------------------------------------


def _pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = [
        "--host",
        str(settings_dict.get("HOST") or "127.0.0.1"),
        "--port",
        str(settings_dict.get("PORT") or 5432),
    ]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = {"PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(f"{name} is not installed: install PostgreSQL's client tools (postgresql-client)")
    return path


def database_backup(target: Path) -> Path:
    """Write a consistent copy of the whole database to `target` (a pg_dump custom-format file on
    PostgreSQL, an SQLite file on the embedded default), safe to take while Railyard serves."""
    import os

    target.parent.mkdir(parents=True, exist_ok=True)
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _pg_args(settings_dict)
        subprocess.run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--file",
                str(target),
                *args,
                settings_dict["NAME"],
            ],
            check=True,
            env={**os.environ, **env},
            capture_output=True,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
    else:
        raise BackupError(f"no backup for the {connection.vendor} database")
    return target


def database_restore(source: Path) -> None:
    """Replace the whole database with a backup taken by database_backup()."""
    import os

    if not source.exists():
        raise BackupError(f"{source} does not exist")
    settings_dict = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _pg_args(settings_dict)
        connection.close()
        subprocess.run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                settings_dict["NAME"],
                *args,
                str(source),
            ],
            check=True,
            env={**os.environ, **env},
            capture_output=True,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(source) as backup:
            backup.backup(connection.connection)
    else:
        raise BackupError(f"no restore for the {connection.vendor} database")
    # What the web processes remember of the trains is out of date (art.freshness).
    freshness.train_changed(ReleaseTrain.objects.values_list("pk", flat=True))


def default_backup_path(directory: Path) -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
    return directory / f"railyard-{stamp}.{suffix}"


# --- one train as JSON -------------------------------------------------------------------------


def train_models() -> list[type[Model]]:
    """Every model that reaches a train, in an order that saves each row after what it refers to."""
    labelled = [apps.get_model(label) for label in TRAIN_PATHS]
    ordered = serializers.sort_dependencies([(None, labelled)], allow_cycles=True)
    return [model for model in ordered if model in labelled]


def _rows_of(model: type[Model], train: ReleaseTrain) -> Any:
    path = TRAIN_PATHS[model._meta.label_lower]
    condition = Q(pk=train.pk) if path == "" else Q(**{path: train.pk})
    return model._default_manager.filter(condition).order_by("pk")


def train_export(train: ReleaseTrain) -> dict[str, Any]:
    """The train and everything of it, as a JSON-ready document."""
    User = get_user_model()
    objects: list[dict[str, Any]] = []
    user_ids: set[int] = set()
    for model in train_models():
        rows = list(_rows_of(model, train))
        user_fields = [
            f.attname for f in model._meta.concrete_fields if f.is_relation and f.related_model is User
        ]
        for row in rows:
            user_ids |= {getattr(row, name) for name in user_fields if getattr(row, name)}
        objects += serializers.serialize(
            "python", rows, use_natural_foreign_keys=True, use_natural_primary_keys=False
        )
    for item in objects:
        item["fields"] = {k: _jsonable(v) for k, v in item["fields"].items()}
    people = list(
        User.objects.filter(pk__in=user_ids)
        .order_by("username")
        .values("username", "first_name", "last_name", "email")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "train": {"id": train.pk, "slug": train.slug, "name": train.name},
        "people": people,
        "objects": objects,
    }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "as_tuple"):  # Decimal
        return str(value)
    return value


def train_import(document: dict[str, Any]) -> ReleaseTrain:
    """Read a train's document back, all or nothing: people it names are created when missing
    (without a usable password), every row keeps its id. Refused when the install already has
    the train, or any row with one of its ids (import into a fresh install)."""
    if document.get("format") != FORMAT or document.get("version") != VERSION:
        raise BackupError(f"not a Railyard train export (format {FORMAT}, version {VERSION})")
    slug = document["train"]["slug"]
    if ReleaseTrain.objects.filter(slug=slug).exists():
        raise BackupError(f"this install already has a train {slug!r}: import into a fresh install")
    User = get_user_model()
    with transaction.atomic():
        for person in document["people"]:
            if not User.objects.filter(username=person["username"]).exists():
                user = User(**person)
                user.set_unusable_password()
                user.save()
        ids_by_model: dict[str, list[Any]] = {}
        for item in document["objects"]:
            ids_by_model.setdefault(item["model"], []).append(item["pk"])
        for label, ids in ids_by_model.items():  # one query per model
            model = apps.get_model(label)
            taken = model._default_manager.filter(pk__in=ids).values_list("pk", flat=True).first()
            if taken is not None:
                name = model._meta.verbose_name
                raise BackupError(f"{name} {taken} already exists here: import into a fresh install")
        for obj in serializers.deserialize("python", document["objects"], handle_forward_references=True):
            obj.save()
        _reset_sequences()
    train = ReleaseTrain.objects.get(slug=slug)
    freshness.train_changed([train.pk])  # its ids may be those of a train deleted earlier
    return train


def _reset_sequences() -> None:
    """After rows were saved with their ids, PostgreSQL's id sequences must move past them."""
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    models = [apps.get_model(label) for label in TRAIN_PATHS]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
