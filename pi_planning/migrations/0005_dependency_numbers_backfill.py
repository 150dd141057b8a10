"""Dependencies numbered per train, step 2 of 3: each takes its PI's train, and keeps its key
(number = id)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

from art.backfills import backfill_card_numbers


def backfill(apps, schema_editor):
    Dependency = apps.get_model("pi_planning", "Dependency")
    ProgramIncrement = apps.get_model("art", "ProgramIncrement")
    Dependency.objects.filter(train__isnull=True).update(
        train_id=Subquery(ProgramIncrement.objects.filter(pk=OuterRef("pi_id")).values("train_id")[:1])
    )
    backfill_card_numbers(apps, "pi_planning", "Dependency", "last_dependency_number")


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0006_card_numbers_backfill"),
        ("pi_planning", "0004_dependency_numbers"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
