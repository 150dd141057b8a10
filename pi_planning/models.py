"""PI planning: holidays (capacity), dependencies, objectives, the confidence vote, risks (ROAM)
and plan baselines. Computed figures (capacity, load, health, age, predictability, vote result)
are not stored: pi_planning/rules.py owns each rule and selectors feed it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from art.models import (
    Feature,
    Iteration,
    NumberedCard,
    ProgramIncrement,
    ReleaseTrain,
    Team,
    VersionedModel,
    validate_plausible_date,
)
from art.rules.keys import DEPENDENCY, card_key


class Holiday(models.Model):
    """A day off for everyone in the train (public holiday): one absence day for each member
    in the iteration that contains it, when it falls on a workday."""

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(validators=[validate_plausible_date])
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["train_id", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "date"],
                name="holiday_one_per_date",
                violation_error_message="date already is a holiday of this train",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="holiday_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.date})"


# --- Dependencies ----------------------------------------------------------------------------


class Dependency(NumberedCard, VersionedModel):
    class State(models.TextChoices):
        REQUESTED = "requested", "Requested"
        COMMITTED = "committed", "Committed"
        IN_PROGRESS = "in_progress", "In progress"
        DELIVERED = "delivered", "Delivered"
        BLOCKED = "blocked", "Blocked"
        CANCELLED = "cancelled", "Cancelled"

    RESOLVED_STATES = (State.DELIVERED, State.CANCELLED)
    KEY_KIND = DEPENDENCY
    NUMBER_COUNTER = "last_dependency_number"

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="dependencies")
    # The PI's train, kept on the card so that its number can be unique per train in the database
    # (a constraint cannot reach through pi): taken from the PI on the first save, and a
    # dependency never changes PI.
    train = models.ForeignKey(
        ReleaseTrain, blank=True, editable=False, on_delete=models.CASCADE, related_name="dependencies"
    )
    external_key = models.CharField(max_length=64, null=True, blank=True)
    title = models.CharField(max_length=240, blank=True)
    description = models.TextField(blank=True)
    requester_team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="dependencies_requested")
    provider_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="dependencies_provided"
    )
    external_provider = models.CharField(
        max_length=120,
        blank=True,
        help_text="A provider outside the train, in free text (e.g. 'Bank API vendor').",
    )
    feature = models.ForeignKey(
        Feature,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependencies_requested",
        help_text="The requesting feature that needs it.",
    )
    provider_feature = models.ForeignKey(
        Feature,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependencies_provided",
        help_text="The provider's feature that delivers it.",
    )
    # RESTRICT, not PROTECT: an iteration a dependency needs cannot be deleted on its own (409, naming
    # the dependencies), but goes with its PI or train when the dependency goes with them too.
    needed_by = models.ForeignKey(Iteration, on_delete=models.RESTRICT, related_name="dependencies_needed")
    committed_iteration = models.ForeignKey(
        Iteration, null=True, blank=True, on_delete=models.SET_NULL, related_name="dependencies_committed"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.REQUESTED)
    owner = models.CharField(max_length=120, blank=True, help_text="Who drives it, by name.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pi_id", "needed_by_id", "id"]
        verbose_name_plural = "dependencies"
        constraints = [
            models.CheckConstraint(
                condition=(Q(provider_team__isnull=False) & Q(external_provider=""))
                | (Q(provider_team__isnull=True) & ~Q(external_provider="")),
                name="dependency_one_provider",
                violation_error_message="name either a provider team or an external provider, not both",
            ),
            models.CheckConstraint(
                condition=~Q(requester_team=models.F("provider_team")),
                name="dependency_not_on_itself",
                violation_error_message="provider_team must differ from requester_team",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["delivered", "cancelled"], resolved_at__isnull=False)
                | (~Q(state__in=["delivered", "cancelled"]) & Q(resolved_at__isnull=True)),
                name="dependency_resolved_iff_done",
            ),
            models.UniqueConstraint(
                fields=["train", "number"],
                name="dependency_number_unique_per_train",
                violation_error_message="number must be unique within the train",
            ),
            models.UniqueConstraint(
                fields=["train", "external_key"],
                condition=Q(external_key__isnull=False),
                name="dependency_external_key_unique_per_train",
                violation_error_message="external_key must be unique within the train",
            ),
        ]
        indexes = [models.Index(fields=["pi", "state"], name="dependency_pi_state")]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("requester_team", "provider_team")

    def __str__(self) -> str:
        return self.title or f"{self.requester_team} needs {self.provider_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.train_id is None and self.pi_id is not None:
            self.train_id = self.pi.train_id
        super().save(*args, **kwargs)

    @property
    def key(self) -> str:
        return card_key(DEPENDENCY, self.number, self.external_key)

    @property
    def provider_name(self) -> str:
        return (
            self.provider_team.name
            if self.provider_team_id and self.provider_team
            else self.external_provider
        )

    @property
    def is_external(self) -> bool:
        return not self.provider_team_id

    @property
    def is_resolved(self) -> bool:
        return self.state in self.RESOLVED_STATES

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.external_provider = (self.external_provider or "").strip()
        if self.provider_team_id and self.external_provider:
            errors["external_provider"] = "name either a provider team or an external provider, not both"
        elif not self.provider_team_id and not self.external_provider:
            errors["provider_team"] = "provider_team or external_provider is required"
        if self.provider_team_id and self.provider_team_id == self.requester_team_id:
            errors["provider_team"] = "provider_team must differ from requester_team"
        train_id = self.pi.train_id if self.pi_id else None
        if self.train_id is None:
            self.train_id = train_id
        elif train_id and self.train_id != train_id:
            errors["train"] = "train must be the PI's train"
        for name in ("requester_team", "provider_team"):
            team = getattr(self, name) if getattr(self, f"{name}_id") else None
            if team is not None and train_id and team.train_id != train_id:
                errors[name] = f"{name} must belong to the PI's train"
        for name in ("feature", "provider_feature"):
            feature = getattr(self, name) if getattr(self, f"{name}_id") else None
            if feature is not None and train_id and feature.train_id != train_id:
                errors[name] = f"{name} must belong to the PI's train"
        if self.needed_by_id and self.pi_id and self.needed_by.pi_id != self.pi_id:
            errors["needed_by"] = "needed_by must be an iteration of the dependency's PI"
        if (
            self.committed_iteration_id
            and train_id
            and self.committed_iteration is not None
            and self.committed_iteration.pi.train_id != train_id
        ):
            errors["committed_iteration"] = "committed_iteration must be an iteration of the train"
        if errors:
            raise ValidationError(errors)


class DependencyComment(models.Model):
    dependency = models.ForeignKey(Dependency, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dependency_id", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty")]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("author",)

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


# --- Objectives and the confidence vote -----------------------------------------------------


class Objective(VersionedModel):
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="objectives")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="objectives")
    external_key = models.CharField(max_length=64, null=True, blank=True)
    title = models.CharField(max_length=240)
    description = models.TextField(blank=True)
    committed = models.BooleanField(default=True, help_text="Committed, or uncommitted (stretch).")
    planned_bv = models.PositiveSmallIntegerField(
        "planned business value",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Set by business owners at PI planning, 1 to 10.",
    )
    actual_bv = models.PositiveSmallIntegerField(
        "actual business value",
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
        help_text="Scored by business owners at the PI system demo, 0 to 10.",
    )
    features = models.ManyToManyField(Feature, blank=True, related_name="objectives")
    order = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pi_id", "team_id", "-committed", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_bv__isnull=True) | (Q(planned_bv__gte=1) & Q(planned_bv__lte=10)),
                name="objective_planned_bv_1_to_10",
                violation_error_message="planned_bv must be between 1 and 10",
            ),
            models.CheckConstraint(
                condition=Q(actual_bv__isnull=True) | (Q(actual_bv__gte=0) & Q(actual_bv__lte=10)),
                name="objective_actual_bv_0_to_10",
                violation_error_message="actual_bv must be between 0 and 10",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="objective_title_not_empty"),
            # Unique within the train, checked by clean() (an objective reaches its train through
            # its PI, which a constraint cannot follow); within the PI also by the database.
            models.UniqueConstraint(
                fields=["pi", "external_key"],
                condition=Q(external_key__isnull=False),
                name="objective_external_key_unique_per_pi",
                violation_error_message="external_key must be unique within the train",
            ),
        ]
        indexes = [models.Index(fields=["pi", "team"], name="objective_pi_team")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.team_id and self.pi_id and self.team.train_id != self.pi.train_id:
            raise ValidationError({"team": "team must belong to the PI's train"})
        if self.external_key and self.pi_id:
            taken = Objective.objects.filter(pi__train_id=self.pi.train_id, external_key=self.external_key)
            if taken.exclude(pk=self.pk).exists():
                raise ValidationError({"external_key": "external_key must be unique within the train"})


class VoteRound(models.Model):
    """A confidence vote the RTE runs for one team (or the whole train when team is empty)."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        REVEALED = "revealed", "Revealed"

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="vote_rounds")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="vote_rounds"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    revealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pi_id", "team_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pi", "team"],
                condition=Q(team__isnull=False),
                name="vote_round_one_per_team",
                violation_error_message="this team's vote already exists for the PI",
            ),
            models.UniqueConstraint(
                fields=["pi"],
                condition=Q(team__isnull=True),
                name="vote_round_one_per_train",
                violation_error_message="the train's vote already exists for the PI",
            ),
        ]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("team", "pi")

    def __str__(self) -> str:
        return f"Confidence vote: {self.team or 'whole train'} ({self.pi})"


class Vote(models.Model):
    """One person's fist-of-five for one scope. Anonymous to other voters: only counts and the
    distribution are ever shown; the user is kept so re-voting replaces the vote."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="votes")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="confidence_votes"
    )
    score = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    concern = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pi_id", "team_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5),
                name="vote_score_1_to_5",
                violation_error_message="score must be between 1 and 5",
            ),
            models.UniqueConstraint(
                fields=["pi", "team", "user"],
                condition=Q(team__isnull=False),
                name="vote_one_per_user_team",
                violation_error_message="one vote per person and scope: re-voting replaces it",
            ),
            models.UniqueConstraint(
                fields=["pi", "user"],
                condition=Q(team__isnull=True),
                name="vote_one_per_user_train",
                violation_error_message="one vote per person and scope: re-voting replaces it",
            ),
        ]

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("team",)

    def __str__(self) -> str:
        return f"vote {self.score} ({self.team or 'train'})"


# --- Risks (ROAM) ----------------------------------------------------------------------------


class Risk(VersionedModel):
    class Roam(models.TextChoices):
        UNROAMED = "unroamed", "Un-ROAMed"
        RESOLVED = "resolved", "Resolved"
        OWNED = "owned", "Owned"
        ACCEPTED = "accepted", "Accepted"
        MITIGATED = "mitigated", "Mitigated"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="risks")
    pi = models.ForeignKey(
        ProgramIncrement, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks"
    )
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="risks")
    external_key = models.CharField(max_length=64, null=True, blank=True)
    title = models.CharField(max_length=240)
    description = models.TextField(blank=True)
    roam = models.CharField(max_length=10, choices=Roam.choices, default=Roam.UNROAMED)
    owner = models.CharField(max_length=120, blank=True, help_text="Who owns it, by name.")
    mitigation_plan = models.TextField(blank=True)
    source_vote = models.ForeignKey(
        Vote,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks",
        help_text="The confidence-vote concern it was raised from.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    roamed_at = models.DateTimeField(null=True, blank=True, help_text="When it last moved between columns.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["train_id", "-created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="risk_title_not_empty"),
            models.CheckConstraint(
                condition=~Q(roam__in=["owned", "mitigated"]) | ~Q(owner=""),
                name="risk_owned_and_mitigated_need_owner",
                violation_error_message="Owned and Mitigated need an owner",
            ),
            models.CheckConstraint(
                condition=~Q(roam="mitigated") | ~Q(mitigation_plan=""),
                name="risk_mitigated_needs_plan",
                violation_error_message="Mitigated needs a mitigation plan",
            ),
            models.UniqueConstraint(
                fields=["train", "external_key"],
                condition=Q(external_key__isnull=False),
                name="risk_external_key_unique_per_train",
                violation_error_message="external_key must be unique within the train",
            ),
        ]
        indexes = [models.Index(fields=["train", "pi", "roam"], name="risk_train_pi_roam")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, str] = {}
        self.owner = (self.owner or "").strip()
        self.mitigation_plan = (self.mitigation_plan or "").strip()
        if self.roam in (self.Roam.OWNED, self.Roam.MITIGATED) and not self.owner:
            errors["owner"] = f"{self.Roam(self.roam).label} needs an owner"
        if self.roam == self.Roam.MITIGATED and not self.mitigation_plan:
            errors["mitigation_plan"] = "Mitigated needs a mitigation plan"
        if self.pi_id and self.train_id and self.pi is not None and self.pi.train_id != self.train_id:
            errors["pi"] = "pi must belong to the risk's train"
        if self.team_id and self.train_id and self.team is not None and self.team.train_id != self.train_id:
            errors["team"] = "team must belong to the risk's train"
        if errors:
            raise ValidationError(errors)


# --- Plan baselines --------------------------------------------------------------------------


class PlanBaseline(models.Model):
    """The plan as committed at the end of PI planning: where every feature and story was."""

    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="baselines")
    committed_at = models.DateTimeField(default=timezone.now)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.CharField(max_length=240, blank=True)
    # {"features": {id: {"team": id, "iteration": id, "title": str}}, "stories": {...}}
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["pi_id", "-committed_at"]
        get_latest_by = "committed_at"

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("pi",)

    def __str__(self) -> str:
        return f"Baseline of {self.pi} at {self.committed_at:%Y-%m-%d %H:%M}"
