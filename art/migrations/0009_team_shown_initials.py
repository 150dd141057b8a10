from django.db import migrations, models


def fill(apps, schema_editor):
    """Unique initials for the teams there are (art.rules.teams.unique_initials)."""
    from art.rules.teams import unique_initials

    Team = apps.get_model("art", "Team")
    by_train: dict[int, list] = {}
    for team in Team.objects.only("id", "train_id", "name", "abbreviation"):
        by_train.setdefault(team.train_id, []).append(team)
    for teams in by_train.values():
        shown = unique_initials([t.name for t in teams], {t.name: t.abbreviation for t in teams})
        for team in teams:
            team.shown_initials = shown[team.name]
        Team.objects.bulk_update(teams, ["shown_initials"])


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0008_presence"),
    ]

    operations = [
        migrations.AddField(
            model_name="team",
            name="shown_initials",
            field=models.CharField(blank=True, editable=False, max_length=8),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
