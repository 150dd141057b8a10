"""The train's core: trains, teams, people and roles, PIs and iterations, features and stories.

Models hold data and invariants (database constraints and clean()); workflows live in
art/services.py. Every invariant that a single row can express is a database constraint, so
that no path (admin, API, bulk import) can store a bad value; clean() repeats it with a message
that names the field and the rule, and adds the checks that need other rows.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import slugify

#: domain.md: "The IP iteration carries no planned feature load."
IP_NO_FEATURE_LOAD = "the IP iteration carries no planned feature load: place it in a development iteration"

# The modified Fibonacci scale of WSJF inputs (domain.md): any other value is refused.
FIBONACCI = (1, 2, 3, 5, 8, 13, 20)
FIBONACCI_RULE = "must be one of 1, 2, 3, 5, 8, 13, 20 (modified Fibonacci)"


def validate_fibonacci(value: int | None) -> None:
    if value is not None and value not in FIBONACCI:
        raise ValidationError(f"{value} is not allowed: WSJF scores {FIBONACCI_RULE}", code="fibonacci")


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"'{value}' is not a known time zone (use an IANA name such as Europe/Berlin)")


#: Dates the product plans with; beyond them a date is a typo (and date arithmetic would overflow).
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
#: A PI is 8–12 weeks in SAFe; longer than half a year is a mistake (product rule).
MAX_PI_DAYS = 26 * 7


def validate_plausible_date(value: dt.date | None) -> None:
    if value is not None and not (EARLIEST_DATE <= value <= LATEST_DATE):
        raise ValidationError(
            f"{value} is out of range: dates must lie between {EARLIEST_DATE} and {LATEST_DATE}"
        )


def workdays_between(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days from start to end, both included."""
    if end < start:
        return 0
    days = (end - start).days + 1
    full_weeks, rest = divmod(days, 7)
    count = full_weeks * 5
    for offset in range(rest):
        if (start + dt.timedelta(days=full_weeks * 7 + offset)).weekday() < 5:
            count += 1
    return count


class VersionedModel(models.Model):
    """A card several people edit at once. Every write through a service states the version it
    was based on and bumps it; a stale version is a conflict (art.services.versioned_update)."""

    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


# --- Train, teams, people --------------------------------------------------------------------


class ReleaseTrain(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="train_name_not_empty"),
            models.CheckConstraint(condition=~Q(slug=""), name="train_slug_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        super().save(*args, **kwargs)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class Team(models.Model):
    class Kind(models.TextChoices):
        STREAM_ALIGNED = "stream_aligned", "Stream-aligned"
        PLATFORM = "platform", "Platform"
        ENABLING = "enabling", "Enabling"
        COMPLICATED_SUBSYSTEM = "complicated_subsystem", "Complicated subsystem"
        SYSTEM = "system", "System team"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.STREAM_ALIGNED)
    abbreviation = models.CharField(
        max_length=4, blank=True, help_text="Up to 4 letters shown on cards; derived from the name if empty."
    )
    description = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["train_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "name"],
                name="team_name_unique_per_train",
                violation_error_message="name must be unique within the train: another team has it",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="team_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def initials(self) -> str:
        if self.abbreviation:
            return self.abbreviation.upper()
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalnum()]
        if len(words) >= 2:
            return (words[0][0] + words[1][0]).upper()
        return self.name[:2].upper()


class TeamMember(models.Model):
    """A person who brings capacity to a team; they need not have a login."""

    class Role(models.TextChoices):
        DEVELOPER = "developer", "Developer"
        TESTER = "tester", "Tester"
        PRODUCT_OWNER = "product_owner", "Product owner"
        SCRUM_MASTER = "scrum_master", "Scrum master"
        OTHER = "other", "Other"

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    name = models.CharField(max_length=120)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="team_seats"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.DEVELOPER)
    fte = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Share of a full-time person, from 0 to 1.",
    )
    delivering = models.BooleanField(
        default=True, help_text="Counts toward capacity. Product owners and scrum masters only when ticked."
    )

    class Meta:
        ordering = ["team_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fte__gte=0) & Q(fte__lte=1), name="member_fte_between_0_and_1"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="member_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one train. Members belong to one of the train's teams."""

    class Role(models.TextChoices):
        RTE = "rte", "Release Train Engineer"
        PRODUCT = "product", "Product management"
        BUSINESS_OWNER = "business_owner", "Business owner"
        MEMBER = "member", "Team member"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.CASCADE, related_name="memberships"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["train_id", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "user"],
                name="membership_one_role_per_train",
                violation_error_message="user already has a role in this train (one role per person)",
            ),
            models.CheckConstraint(
                condition=(Q(role="member") & Q(team__isnull=False))
                | (~Q(role="member") & Q(team__isnull=True)),
                name="membership_team_iff_member",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.train}"

    def clean(self) -> None:
        if self.role == self.Role.MEMBER and not self.team_id:
            raise ValidationError({"team": "team is required for the member role"})
        if self.role != self.Role.MEMBER and self.team_id:
            raise ValidationError({"team": "only the member role belongs to a team"})
        if self.team_id and self.train_id and self.team is not None and self.team.train_id != self.train_id:
            raise ValidationError({"team": "team must belong to the same train"})


# --- PIs, iterations, milestones -------------------------------------------------------------


class ProgramIncrement(models.Model):
    class State(models.TextChoices):
        PLANNING = "planning", "Planning"
        EXECUTING = "executing", "Executing"
        CLOSED = "closed", "Closed"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="pis")
    name = models.CharField(max_length=80)
    start_date = models.DateField(validators=[validate_plausible_date])
    end_date = models.DateField(validators=[validate_plausible_date])
    state = models.CharField(max_length=12, choices=State.choices, default=State.PLANNING)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["train_id", "start_date"]
        verbose_name = "PI"
        verbose_name_plural = "PIs"
        constraints = [
            models.UniqueConstraint(
                fields=["train", "name"],
                name="pi_name_unique_per_train",
                violation_error_message="name must be unique within the train: another PI has it",
            ),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")), name="pi_ends_after_it_starts"),
            models.CheckConstraint(condition=~Q(name=""), name="pi_name_not_empty"),
        ]
        indexes = [models.Index(fields=["train", "start_date", "end_date"], name="pi_train_dates")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": "end_date must be after start_date"})
        if self.start_date and self.end_date and (self.end_date - self.start_date).days + 1 > MAX_PI_DAYS:
            raise ValidationError(
                {"end_date": "a PI lasts at most 26 weeks: end_date is too far after start_date"}
            )
        if self.train_id and self.start_date and self.end_date:
            overlapping = (
                ProgramIncrement.objects.filter(
                    train_id=self.train_id, start_date__lte=self.end_date, end_date__gte=self.start_date
                )
                .exclude(pk=self.pk)
                .first()
            )
            if overlapping:
                raise ValidationError(
                    {
                        "start_date": f"PIs of one train may not overlap: {overlapping.name} runs "
                        f"{overlapping.start_date} to {overlapping.end_date}"
                    }
                )


class Iteration(models.Model):
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="iterations")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    start_date = models.DateField()
    end_date = models.DateField()
    is_ip = models.BooleanField("IP iteration", default=False)

    class Meta:
        ordering = ["pi_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["pi", "number"],
                name="iteration_number_unique_per_pi",
                violation_error_message="number must be unique within the PI",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="iteration_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="iteration_number_from_1"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def workdays(self) -> int:
        return workdays_between(self.start_date, self.end_date)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "end_date must not be before start_date"})
        if self.pi_id and self.start_date and self.end_date:
            pi = self.pi
            if self.start_date < pi.start_date or self.end_date > pi.end_date:
                raise ValidationError(
                    {"start_date": f"an iteration must lie inside its PI ({pi.start_date} to {pi.end_date})"}
                )
            overlapping = (
                Iteration.objects.filter(
                    pi_id=self.pi_id, start_date__lte=self.end_date, end_date__gte=self.start_date
                )
                .exclude(pk=self.pk)
                .first()
            )
            if overlapping:
                raise ValidationError(
                    {
                        "start_date": f"iterations of one PI may not overlap: {overlapping.name} runs "
                        f"{overlapping.start_date} to {overlapping.end_date}"
                    }
                )


class Milestone(models.Model):
    pi = models.ForeignKey(ProgramIncrement, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=120)
    date = models.DateField()
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["pi_id", "date", "name"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="milestone_name_not_empty")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pi_id and self.date and not (self.pi.start_date <= self.date <= self.pi.end_date):
            raise ValidationError(
                {
                    "date": "a milestone's date must lie inside its PI "
                    f"({self.pi.start_date} to {self.pi.end_date})"
                }
            )


class Absence(models.Model):
    """Days a team member is away in one iteration (vacation, holiday, training)."""

    member = models.ForeignKey(TeamMember, on_delete=models.CASCADE, related_name="absences")
    iteration = models.ForeignKey(Iteration, on_delete=models.CASCADE, related_name="absences")
    days = models.DecimalField(max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0"))])
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["iteration_id", "member_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "iteration"],
                name="absence_one_row_per_member_iteration",
                violation_error_message="this member already has an absence in this iteration",
            ),
            models.CheckConstraint(condition=Q(days__gte=0), name="absence_days_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.member} away {self.days} d in {self.iteration}"

    def clean(self) -> None:
        if self.days is not None and self.iteration_id and self.days > self.iteration.workdays:
            raise ValidationError(
                {"days": f"days must be between 0 and the iteration's {self.iteration.workdays} workdays"}
            )
        if self.member_id and self.iteration_id and self.member.team.train_id != self.iteration.pi.train_id:
            raise ValidationError({"iteration": "iteration must belong to the member's train"})


# --- Features and stories --------------------------------------------------------------------


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


class Feature(VersionedModel):
    class Kind(models.TextChoices):
        BUSINESS = "business", "Business"
        ENABLER = "enabler", "Enabler"
        DEFECT = "defect", "Defect"

    State = FeatureState

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
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["train_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["train", "external_key"],
                condition=Q(external_key__isnull=False),
                name="feature_external_key_unique_per_train",
                violation_error_message="external_key must be unique within the train",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="feature_title_not_empty"),
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
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.title}"

    @property
    def key(self) -> str:
        return self.external_key or f"F-{self.pk}"

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

    class Meta:
        ordering = ["feature_id", "at", "id"]
        indexes = [models.Index(fields=["feature", "at"], name="transition_feature_at")]
        constraints = [
            models.CheckConstraint(condition=~Q(from_state=F("to_state")), name="transition_changes_state"),
        ]

    def __str__(self) -> str:
        return f"{self.feature_id}: {self.from_state or '∅'} → {self.to_state} at {self.at:%Y-%m-%d %H:%M}"


class Story(VersionedModel):
    class State(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

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
        return self.external_key or f"S-{self.pk}"

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


# --- History and API tokens ------------------------------------------------------------------


class ChangeRecord(models.Model):
    """Who changed what and when, with the values before and after. Written by services only."""

    class Action(models.TextChoices):
        CREATED = "created", "created"
        UPDATED = "updated", "updated"
        DELETED = "deleted", "deleted"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="changes")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    object_repr = models.CharField(max_length=240)
    action = models.CharField(max_length=10, choices=Action.choices)
    changes = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="change_object_at")]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.object_repr} at {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A personal API token. Only a SHA-256 of the key is stored; the key is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=8, help_text="First characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="token_name_not_empty")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
