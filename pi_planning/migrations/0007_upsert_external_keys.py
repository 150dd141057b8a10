"""External keys unique within the train (the contract: an upsert by key names one item per
train): dependencies were unique per PI, objectives not at all. A key held twice in one train
before this keeps its first holder; the others get the key with "~<id>" appended, so that no
row is lost and the duplicate stays findable."""

from django.conf import settings
from django.db import migrations, models


def _dedupe(apps, schema_editor):
    for label, train_path in (("Dependency", "train_id"), ("Objective", "pi__train_id")):
        model = apps.get_model("pi_planning", label)
        seen = set()
        rows = model.objects.filter(external_key__isnull=False).order_by("pk")
        for pk, train_id, key in rows.values_list("pk", train_path, "external_key"):
            if (train_id, key) in seen:
                model.objects.filter(pk=pk).update(external_key=f"{key[: 64 - len(str(pk)) - 1]}~{pk}")
            else:
                seen.add((train_id, key))


class Migration(migrations.Migration):
    dependencies = [
        ("art", "0010_kanban"),
        ("pi_planning", "0006_dependency_numbers_required"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_dedupe, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name="dependency",
            name="dependency_external_key_unique_per_pi",
        ),
        migrations.AddConstraint(
            model_name="dependency",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_key__isnull", False)),
                fields=("train", "external_key"),
                name="dependency_external_key_unique_per_train",
                violation_error_message="external_key must be unique within the train",
            ),
        ),
        migrations.AddConstraint(
            model_name="objective",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_key__isnull", False)),
                fields=("pi", "external_key"),
                name="objective_external_key_unique_per_pi",
                violation_error_message="external_key must be unique within the train",
            ),
        ),
    ]
