"""The ART Kanban's record of moves that went over a WIP limit (art.rules.kanban)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from .backlog import Feature, FeatureState, FeatureTransition
from .trains import ReleaseTrain, Team


class WipBreach(models.Model):
    """A move that took a column, or a team's lane, over its WIP limit, with the reason given.
    Kept when the feature is deleted (its key stays in `feature_key`); the ART sync's trend
    section counts them."""

    class Scope(models.TextChoices):
        COLUMN = "column", "Column"
        LANE = "lane", "Team lane"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="wip_breaches")
    feature = models.ForeignKey(
        Feature, null=True, blank=True, on_delete=models.SET_NULL, related_name="wip_breaches"
    )
    transition = models.ForeignKey(
        FeatureTransition, null=True, blank=True, on_delete=models.SET_NULL, related_name="wip_breaches"
    )
    feature_key = models.CharField(max_length=80)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    state = models.CharField(max_length=16, choices=FeatureState.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    count = models.PositiveIntegerField(help_text="What the column or lane held after the move.")
    limit = models.PositiveIntegerField()
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["train", "at"], name="wipbreach_train_at")]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("team",)

    def __str__(self) -> str:
        lane = self.scope == self.Scope.LANE and self.team
        where = f"{self.team} lane" if lane else self.get_state_display()
        return f"{self.feature_key} over the WIP limit of {where} ({self.count} of {self.limit})"
