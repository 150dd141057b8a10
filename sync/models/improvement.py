"""The train's iteration and PI events beyond the weekly sync: each development iteration's
system demo (the features shown, each accepted or not, and the stakeholders' feedback), the
Inspect & Adapt problem-solving workshop of each PI (problem, fishbone causes with their whys,
a dot vote, solutions), the improvement backlog it feeds into the next PI, and the checks the
RTE ticks by hand on a PI's planning readiness.

The rules live in art/rules/workshops.py (causes, dots, the Pareto chart) and
art/rules/readiness.py (the readiness checklist); the writes in sync/services/.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from art import rules
from art.models import (
    Feature,
    Iteration,
    ProgramIncrement,
    ReleaseTrain,
    VersionedModel,
    validate_plausible_date,
)


class SystemDemo(VersionedModel):
    """The system demo of one development iteration; part of the iteration's record."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="system_demos")
    iteration = models.OneToOneField(Iteration, on_delete=models.CASCADE, related_name="system_demo")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PLANNED)
    held_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(
        blank=True, max_length=4000, help_text="What the train showed, in a few lines."
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["iteration__start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="held", held_at__isnull=False) | Q(state="planned", held_at__isnull=True),
                name="system_demo_held_when_held",
                violation_error_message="held_at is set exactly when the system demo is held",
            ),
        ]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("iteration",)

    def __str__(self) -> str:
        return f"System demo of {self.iteration}"


class DemoItem(VersionedModel):
    """A feature shown at a system demo, and whether its stakeholders accepted it."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Not decided"
        ACCEPTED = "accepted", "Accepted"
        NOT_ACCEPTED = "not_accepted", "Not accepted"

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="items")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="demo_items")
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default=Outcome.PENDING)
    notes = models.TextField(blank=True, max_length=2000, help_text="Feedback on this feature.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["demo", "feature"],
                name="demo_item_one_per_feature",
                violation_error_message="feature is already on this demo",
            ),
        ]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("feature", "demo__iteration")

    def __str__(self) -> str:
        return f"{self.feature} at {self.demo}"


class DemoFeedback(models.Model):
    """A stakeholder's feedback note at a system demo, on one feature or on the whole increment."""

    demo = models.ForeignKey(SystemDemo, on_delete=models.CASCADE, related_name="feedback")
    feature = models.ForeignKey(
        Feature, on_delete=models.SET_NULL, null=True, blank=True, related_name="demo_feedback"
    )
    stakeholder = models.CharField(max_length=120, blank=True, help_text="Who said it.")
    text = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="demo_feedback_text_not_empty")]

    def __str__(self) -> str:
        return self.text[:80]


class Workshop(VersionedModel):
    """The problem-solving workshop of a PI's Inspect & Adapt."""

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="workshops")
    pi = models.OneToOneField(ProgramIncrement, on_delete=models.CASCADE, related_name="workshop")
    problem = models.TextField(blank=True, max_length=2000, help_text="The problem the train agreed on.")
    restated_problem = models.TextField(
        blank=True, max_length=2000, help_text="The problem again, in the light of its root causes."
    )
    dots_per_participant = models.PositiveSmallIntegerField(
        default=rules.workshops.DEFAULT_DOTS,
        validators=[MinValueValidator(1), MaxValueValidator(rules.workshops.MAX_DOTS)],
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pi__start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(dots_per_participant__gte=1, dots_per_participant__lte=rules.workshops.MAX_DOTS),
                name="workshop_dots_in_range",
                violation_error_message=rules.workshops.DOTS_RANGE_REFUSAL,
            ),
        ]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("pi",)

    def __str__(self) -> str:
        return f"Problem-solving workshop of {self.pi}"


class Cause(VersionedModel):
    """A cause on the fishbone: its bone (category), its words and its chain of whys."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="causes")
    category = models.CharField(max_length=16, choices=rules.workshops.CATEGORIES)
    text = models.CharField(max_length=240)
    whys = models.JSONField(default=list, blank=True, help_text="Why? … up to five times, deepest last.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="cause_text_not_empty")]

    def __str__(self) -> str:
        return self.text


class CauseVote(models.Model):
    """The dots one participant put on one cause."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="votes")
    cause = models.ForeignKey(Cause, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cause_votes")
    dots = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cause_id", "voter_id"]
        constraints = [
            models.UniqueConstraint(fields=["cause", "voter"], name="cause_vote_one_per_voter"),
            models.CheckConstraint(condition=Q(dots__gte=1), name="cause_vote_dots_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.dots} dots on {self.cause_id}"


class Solution(models.Model):
    """A solution brainstormed at the workshop, for one cause or for the problem."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="solutions")
    cause = models.ForeignKey(
        Cause, on_delete=models.SET_NULL, null=True, blank=True, related_name="solutions"
    )
    text = models.TextField(max_length=1000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="solution_text_not_empty")]

    def __str__(self) -> str:
        return self.text[:80]


class ImprovementItem(VersionedModel):
    """An item of the train's improvement backlog: written at an Inspect & Adapt (or any time),
    targeted at a PI whose planning takes it up."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="improvement_items")
    title = models.CharField(max_length=240)
    description = models.TextField(blank=True, max_length=4000)
    owner = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    target_pi = models.ForeignKey(
        ProgramIncrement,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
        help_text="The PI whose planning takes it up.",
    )
    workshop = models.ForeignKey(
        Workshop,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
        help_text="The Inspect & Adapt workshop it came from.",
    )
    cause = models.ForeignKey(
        Cause, on_delete=models.SET_NULL, null=True, blank=True, related_name="improvement_items"
    )
    feature = models.ForeignKey(
        Feature,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
        help_text="The enabler feature that plans it, once the train has planned it.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["train", "status"]), models.Index(fields=["target_pi", "status"])]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="improvement_item_title_not_empty"),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | ~Q(status="done"),
                name="improvement_item_done_when_done",
                violation_error_message="done_at is set when the improvement item is done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.OPEN, self.Status.IN_PROGRESS)


class ReadinessCheck(models.Model):
    """One of the readiness items the RTE ticks by hand (art.rules.readiness.MANUAL_ITEMS) for a PI."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="readiness_checks")
    item = models.CharField(max_length=24, choices=rules.readiness.MANUAL_ITEMS)
    done = models.BooleanField(default=False)
    note = models.CharField(max_length=240, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pi_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pi", "item"], name="readiness_check_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item} for {self.pi}: {'done' if self.done else 'to do'}"
