"""Cards numbered per train, step 2 of 3: existing cards keep their keys (number = id)."""

from django.db import migrations

from art.backfills import backfill_card_numbers


def backfill(apps, schema_editor):
    backfill_card_numbers(apps, "art", "Feature", "last_feature_number")
    backfill_card_numbers(apps, "art", "Story", "last_story_number")


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0005_card_numbers"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
