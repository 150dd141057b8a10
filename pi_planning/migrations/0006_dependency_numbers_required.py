"""Dependencies numbered per train, step 3 of 3: every dependency has its train and a number,
unique in the train."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pi_planning", "0005_dependency_numbers_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dependency",
            name="train",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="dependencies",
                to="art.releasetrain",
            ),
        ),
        migrations.AlterField(
            model_name="dependency",
            name="number",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                help_text="The card's number in its train, as in its key (F-12).",
            ),
        ),
        migrations.AddConstraint(
            model_name="dependency",
            constraint=models.UniqueConstraint(
                fields=("train", "number"),
                name="dependency_number_unique_per_train",
                violation_error_message="number must be unique within the train",
            ),
        ),
    ]
