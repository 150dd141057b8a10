"""`manage.py import_train FILE`: read back a train exported by export_train (a fresh install)."""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from art.backup import BackupError, train_import


class Command(BaseCommand):
    help = "Import a train exported by `manage.py export_train`, all or nothing."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            document = json.loads(Path(options["file"]).read_text(encoding="utf-8"))
            train = train_import(document)
        except (BackupError, OSError, ValueError, KeyError) as exc:
            raise CommandError(f"import refused, nothing was changed: {exc}") from exc
        self.stdout.write(f"Imported {train.name} ({len(document['objects'])} rows)")
