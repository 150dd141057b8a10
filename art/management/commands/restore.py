"""`manage.py restore FILE`: replace the whole database with a backup (art/backup.py)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from art.backup import BackupError, database_restore


class Command(BaseCommand):
    help = "Replace the whole database with a backup taken by `manage.py backup`."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        source = Path(options["file"])
        if not options["yes"]:
            answer = input(f"Replace everything in this database with {source}? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled: nothing was changed")
        try:
            database_restore(source)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            raise CommandError(f"restore failed: {getattr(exc, 'stderr', b'').decode() or exc}") from exc
        self.stdout.write(f"Restored from {source}")
