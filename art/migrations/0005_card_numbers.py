"""Cards numbered per train (art.rules.keys), step 1 of 3: the columns, empty."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0004_history_outlives_trains"),
    ]

    operations = [
        migrations.AddField(
            model_name="releasetrain",
            name="last_feature_number",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="releasetrain",
            name="last_story_number",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="releasetrain",
            name="last_dependency_number",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="feature",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="story",
            name="number",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
    ]
