"""Who changed what and when: the change records that services write."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from .trains import ReleaseTrain


class ChangeRecord(models.Model):
    """Who changed what and when, with the values before and after. Written by services only."""

    class Action(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        DELETED = "deleted", "deleted"

    # The history outlives what it describes: deleting a train (or anything) leaves its records,
    # train id included, so there is no database constraint and nothing cascades here.
    train = models.ForeignKey(
        ReleaseTrain, on_delete=models.DO_NOTHING, db_constraint=False, related_name="changes"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=240)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "at"], name="change_object_at"),
            # A train's latest entry (art.freshness, art.live): one index step, however long
            # the install's history and however quiet the train.
            models.Index(fields=["train", "id"], name="change_train_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.object_repr} at {self.at:%Y-%m-%d %H:%M}"
