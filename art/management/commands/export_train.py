"""`manage.py export_train SLUG [--output FILE]`: one train, with its history, as JSON."""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from art.backup import train_export
from art.models import ReleaseTrain


class Command(BaseCommand):
    help = "Export one train and everything of it (history included) as a JSON document."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug")
        parser.add_argument("--output", help="the file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        train = ReleaseTrain.objects.filter(slug=options["slug"]).first()
        if train is None:
            raise CommandError(f"no train {options['slug']!r}")
        text = json.dumps(train_export(train), indent=1, ensure_ascii=False)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"Exported {train.name} to {options['output']}")
        else:
            sys.stdout.write(text + "\n")
