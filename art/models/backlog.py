"""The train's backlog: features with their WSJF scores and state, each change of a feature's
state (transitions), and the teams' stories."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils import timezone

from art.rules.keys import FEATURE, STORY, card_key

from .base import FIBONACCI, NumberedCard, VersionedModel, validate_fibonacci
from .pis import Iteration, ProgramIncrement
from .trains import ReleaseTrain, Team

#: domain.md: "The IP iteration carries no planned feature load."
IP_NO_FEATURE_LOAD = "the IP iteration carries no planned feature load: place it in a development iteration"


class FeatureState(models.TextChoices):
    FUNNEL = "funnel", "Funnel"
    ANALYZING = "analyzing", "Analyzing"
    READY = "ready", "Ready"
    IN_PROGRESS = "in_progress", "In progress"
    REVIEW = "review", "Review"
    BLOCKED = "blocked", "Blocked"
    AWAITING_DEPLOY = "awaiting_deploy", "Awaiting deploy"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


FOUND_AFTER_RELEASE_DEFECT_ONLY = (
    "found_after_release is only for defects: set kind to defect, or leave found_after_release false"
)


class Feature(NumberedCard, VersionedModel):
    class Kind(models.TextChoices):
        BUSINESS = "business", "Business"
        ENABLER = "enabler", "Enabler"
        DEFECT = "defect", "Defect"

    State = FeatureState
    KEY_KIND = FEATURE
    NUMBER_COUNTER = "last_feature_number"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="features")
    pi = models.ForeignKey(
        ProgramIncrement, null=True, blank=True, on_delete=models.SET_NULL, related_name="features"
    )
    external_key = models.CharField(max_length=64, null=True, blank=True)
    title = models.CharField(max_length=240)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BUSINESS)
    state = models.CharField(max_length=16, choices=FeatureState.choices, default=FeatureState.FUNNEL)
    points = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(10000)])
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="features")
    iteration = models.ForeignKey(
        Iteration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="features",
        help_text="Delivery iteration.",
    )
    iteration_is_explicit = models.BooleanField(
        default=False, help_text="Delivery iteration set by hand; otherwise it follows the feature's stories."
    )
    user_business_value = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[validate_fibonacci]
    )
    time_criticality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[validate_fibonacci]
    )
    risk_reduction = models.PositiveSmallIntegerField(
        "risk reduction / opportunity enablement",
        null=True,
        blank=True,
        validators=[validate_fibonacci],
    )
    job_size = models.PositiveSmallIntegerField(null=True, blank=True, validators=[validate_fibonacci])
    # Derived in the database so that the backlog can be ranked in SQL; the rule lives here only.
    cost_of_delay = models.GeneratedField(
        expression=F("user_business_value") + F("time_criticality") + F("risk_reduction"),
        output_field=models.PositiveSmallIntegerField(null=True),
        db_persist=True,
    )
    wsjf = models.GeneratedField(
        expression=Cast(
            F("user_business_value") + F("time_criticality") + F("risk_reduction"), models.FloatField()
        )
        / Cast(F("job_size"), models.FloatField()),
        output_field=models.FloatField(null=True),
        db_persist=True,
    )
    found_after_release = models.BooleanField(
        default=False,
        help_text="For a defect: found after release (by users, in production) rather than by the "
        "train before it; counts towards the defect escape rate. Only defects may have it.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["train_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "number"],
                name="feature_number_unique_per_train",
                violation_error_message="number must be unique within the train",
            ),
            models.UniqueConstraint(
                fields=["train", "external_key"],
                condition=Q(external_key__isnull=False),
                name="feature_external_key_unique_per_train",
                violation_error_message="external_key must be unique within the train",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="feature_title_not_empty"),
            models.CheckConstraint(
                condition=Q(found_after_release=False) | Q(kind="defect"),
                name="feature_found_after_release_defect_only",
                violation_error_message=FOUND_AFTER_RELEASE_DEFECT_ONLY,
            ),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__in": FIBONACCI}),
                    name=f"feature_{name}_fibonacci",
                )
                for name in ("user_business_value", "time_criticality", "risk_reduction", "job_size")
            ],
        ]
        indexes = [
            models.Index(fields=["train", "state"], name="feature_train_state"),
            models.Index(fields=["pi", "team"], name="feature_pi_team"),
            # Defects raised in a window (art.selectors.quality, the dashboard's escape rate).
            models.Index(fields=["train", "kind", "created_at"], name="feature_train_kind_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return card_key(FEATURE, self.number, self.external_key)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.pi_id and self.train_id and self.pi is not None and self.pi.train_id != self.train_id:
            errors["pi"] = "pi must belong to the feature's train"
        if self.team_id and self.train_id and self.team is not None and self.team.train_id != self.train_id:
            errors["team"] = "team must belong to the feature's train"
        if self.iteration_id:
            if not self.pi_id:
                errors["iteration"] = "a delivery iteration needs the feature's pi"
            elif self.iteration is not None and self.iteration.pi_id != self.pi_id:
                errors["iteration"] = "iteration must belong to the feature's pi"
            elif self.iteration is not None and self.iteration.is_ip:
                errors["iteration"] = IP_NO_FEATURE_LOAD
        if self.found_after_release and self.kind != self.Kind.DEFECT:
            errors["found_after_release"] = FOUND_AFTER_RELEASE_DEFECT_ONLY
        if errors:
            raise ValidationError(errors)


class FeatureTransition(models.Model):
    """One change of a feature's state. Integrations may back-date them, never before the
    previous transition, so the history stays a sequence."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=16, choices=FeatureState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=FeatureState.choices)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)
    # Why the move went over a WIP limit of the ART Kanban (art.rules.kanban), when it did.
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["feature_id", "at", "id"]
        indexes = [
            models.Index(fields=["feature", "at"], name="transition_feature_at"),
            # What changed since the metrics' last run (metrics.staleness.stale_snapshots).
            models.Index(fields=["recorded_at"], name="transition_recorded_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(from_state=F("to_state")), name="transition_changes_state"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.from_state or '∅'} → {self.to_state} at {self.at:%Y-%m-%d %H:%M}"


class Story(NumberedCard, VersionedModel):
    class State(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    KEY_KIND = STORY
    NUMBER_COUNTER = "last_story_number"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="stories")
    feature = models.ForeignKey(
        Feature, null=True, blank=True, on_delete=models.CASCADE, related_name="stories"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="stories")
    iteration = models.ForeignKey(
        Iteration, null=True, blank=True, on_delete=models.SET_NULL, related_name="stories"
    )
    external_key = models.CharField(max_length=64, null=True, blank=True)
    title = models.CharField(max_length=240)
    points = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(100)])
    state = models.CharField(max_length=12, choices=State.choices, default=State.TODO)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["team_id", "iteration_id", "id"]
        verbose_name_plural = "stories"
        constraints = [
            models.UniqueConstraint(
                fields=["train", "number"],
                name="story_number_unique_per_train",
                violation_error_message="number must be unique within the train",
            ),
            models.UniqueConstraint(
                fields=["train", "external_key"],
                condition=Q(external_key__isnull=False),
                name="story_external_key_unique_per_train",
                violation_error_message="external_key must be unique within the train",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="story_title_not_empty"),
            models.CheckConstraint(
                condition=Q(points__isnull=True) | Q(points__lte=100), name="story_points_max_100"
            ),
        ]
        indexes = [models.Index(fields=["team", "iteration"], name="story_team_iteration")]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return card_key(STORY, self.number, self.external_key)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.team_id and self.train_id and self.team.train_id != self.train_id:
            errors["team"] = "team must belong to the story's train"
        if (
            self.feature_id
            and self.train_id
            and self.feature is not None
            and self.feature.train_id != self.train_id
        ):
            errors["feature"] = "feature must belong to the story's train"
        if (
            self.iteration_id
            and self.train_id
            and self.iteration is not None
            and self.iteration.pi.train_id != self.train_id
        ):
            errors["iteration"] = "iteration must belong to the story's train"
        elif self.iteration_id and self.feature_id and self.iteration is not None and self.iteration.is_ip:
            errors["iteration"] = IP_NO_FEATURE_LOAD
        if errors:
            raise ValidationError(errors)
