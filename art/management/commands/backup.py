"""`manage.py backup [--output FILE]`: a consistent copy of the whole database (art/backup.py)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from art.backup import BackupError, database_backup, default_backup_path


class Command(BaseCommand):
    help = "Back up the whole database: pg_dump on PostgreSQL, SQLite's backup API otherwise."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", help="the file to write (default: backups/railyard-<time>.<kind>)")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["output"]) if options["output"] else default_backup_path(Path("backups"))
        try:
            database_backup(target)
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # pg_dump's own failure, with its words
            raise CommandError(f"backup failed: {getattr(exc, 'stderr', b'').decode() or exc}") from exc
        self.stdout.write(f"Backed up to {target}")
