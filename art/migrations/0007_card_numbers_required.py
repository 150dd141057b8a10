"""Cards numbered per train, step 3 of 3: every card has a number, unique in its train."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0006_card_numbers_backfill"),
    ]

    operations = [
        migrations.AlterField(
            model_name="feature",
            name="number",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                help_text="The card's number in its train, as in its key (F-12).",
            ),
        ),
        migrations.AlterField(
            model_name="story",
            name="number",
            field=models.PositiveIntegerField(
                blank=True,
                editable=False,
                help_text="The card's number in its train, as in its key (F-12).",
            ),
        ),
        migrations.AddConstraint(
            model_name="feature",
            constraint=models.UniqueConstraint(
                fields=("train", "number"),
                name="feature_number_unique_per_train",
                violation_error_message="number must be unique within the train",
            ),
        ),
        migrations.AddConstraint(
            model_name="story",
            constraint=models.UniqueConstraint(
                fields=("train", "number"),
                name="story_number_unique_per_train",
                violation_error_message="number must be unique within the train",
            ),
        ),
    ]
