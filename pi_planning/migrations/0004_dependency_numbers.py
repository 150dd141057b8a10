"""Dependencies numbered per train (art.rules.keys), step 1 of 3: the columns, empty."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0005_card_numbers"),
        ("pi_planning", "0003_needed_by_restrict"),
    ]

    operations = [
        migrations.AddField(
            model_name="dependency",
            name="train",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="dependencies",
                to="art.releasetrain",
            ),
        ),
        migrations.AddField(
            model_name="dependency",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
    ]
