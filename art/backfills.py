"""Data backfills that migrations share, kept out of the migrations folder so that tests can
call them. Card numbers: used by the migrations of art (features, stories) and pi_planning
(dependencies), tested in tests/art/test_card_keys.py.

Every existing card keeps the key it had, F-<id>: its number is its id. Each train's counter
starts at the highest number its cards of that kind ever had, the deleted ones (in the history)
included, so that a new card takes the next one and a restored card finds its number free.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Max


def backfill_card_numbers(apps: Any, app_label: str, model_name: str, counter: str) -> None:
    model = apps.get_model(app_label, model_name)
    train_model = apps.get_model("art", "ReleaseTrain")
    model.objects.filter(number__isnull=True).update(number=F("pk"))
    highest: dict[int, int] = dict(
        model.objects.values("train_id").annotate(top=Max("number")).values_list("train_id", "top")
    )
    content_type = (
        apps.get_model("contenttypes", "ContentType")
        .objects.filter(app_label=app_label, model=model_name.lower())
        .first()
    )
    if content_type is not None:
        deleted = (
            apps.get_model("art", "ChangeRecord")
            .objects.filter(content_type=content_type, action="deleted")
            .values("train_id")
            .annotate(top=Max("object_id"))
            .values_list("train_id", "top")
        )
        for train_id, top in deleted:
            highest[train_id] = max(highest.get(train_id, 0), top)
    for train_id, top in highest.items():  # once per train, once ever
        train_model.objects.filter(pk=train_id, **{f"{counter}__lt": top}).update(**{counter: top})
