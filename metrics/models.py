"""Daily metric snapshots: each day's figures per train and team, computed nightly (and on
demand) by metrics.tasks. One row per (train, team, day); team empty = the whole train.
The rules behind each figure live in art/rules/ (flow.py, dependencies.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from art.models import Feature, ProgramIncrement, ReleaseTrain, Team


class MetricSnapshot(models.Model):
    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="metric_snapshots")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="metric_snapshots"
    )
    pi = models.ForeignKey(
        ProgramIncrement,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="metric_snapshots",
        help_text="The PI the day falls in, if any.",
    )
    day = models.DateField()
    # Flow state of features at the end of the day (cumulative flow diagram).
    not_started = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    wip = models.PositiveIntegerField(
        default=0, help_text="Features in flow (waiting + active) at end of day."
    )
    # Finished that day.
    throughput_count = models.PositiveIntegerField(default=0)
    throughput_points = models.PositiveIntegerField(default=0)
    # Dependencies at the end of the day.
    open_dependencies = models.PositiveIntegerField(default=0)
    aging_dependencies = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["train_id", "team_id", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "team", "day"],
                condition=Q(team__isnull=False),
                name="snapshot_one_per_team_day",
            ),
            models.UniqueConstraint(
                fields=["train", "day"], condition=Q(team__isnull=True), name="snapshot_one_per_train_day"
            ),
        ]
        indexes = [models.Index(fields=["train", "day"], name="snapshot_train_day")]

    def __str__(self) -> str:
        return f"{self.train} / {self.team or 'train'} / {self.day}"


class FinishedFeature(models.Model):
    """A feature done now and its own flow figures (rules.flow.finished_figures, which computes
    them), stored by the recompute with the snapshots so that the flow figures of a long window
    read one small row per finished feature instead of its whole history
    (metrics.selectors.train_flow). A feature's row is trusted while the train's last finished
    recompute wrote them (RecomputeRun.figures) and nothing changed since that its figures
    depend on (selectors.changed_features); the train is the feature's own."""

    feature = models.OneToOneField(Feature, primary_key=True, on_delete=models.CASCADE, related_name="+")
    done_at = models.DateTimeField(help_text="rules.flow.done_at.")
    kind = models.CharField(max_length=10)
    points = models.PositiveIntegerField(null=True, blank=True)
    # Durations in whole microseconds (exact), empty where the feature has none.
    flow_time = models.BigIntegerField(null=True, blank=True, help_text="Microseconds.")
    lead_time = models.BigIntegerField(help_text="Microseconds.")
    cycle_time = models.BigIntegerField(null=True, blank=True, help_text="Microseconds.")
    active_time = models.BigIntegerField(
        null=True, blank=True, help_text="Microseconds in an active state within the flow time."
    )

    class Meta:
        indexes = [models.Index(fields=["done_at"], name="finished_feature_done_at")]

    def __str__(self) -> str:
        return f"{self.feature_id} done {self.done_at}"


class RecomputeRun(models.Model):
    """One recompute of a train's snapshots: queued, running with progress, done or failed."""

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="recompute_runs")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    requested_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    days = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    written = models.PositiveIntegerField(
        default=0, help_text="Rows inserted or updated (those whose figures changed)."
    )
    since = models.DateField(
        null=True,
        blank=True,
        help_text="The earliest local day to recompute (the earliest changed transition); empty: "
        "the whole history. A request joining this run lowers it to the earlier of the two.",
    )
    again = models.BooleanField(
        default=False,
        help_text="Asked for again while running: once done it runs once more (changes written "
        "during the run are not missed).",
    )
    figures = models.BooleanField(
        default=False,
        help_text="Left every finished feature's figures stored (FinishedFeature) as of its start.",
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"Recompute {self.train} {self.state} {self.progress}%"

    @property
    def active(self) -> bool:
        """Queued or running: its progress is worth watching."""
        return self.state in (self.State.QUEUED, self.State.RUNNING)
