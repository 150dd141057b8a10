"""The train and its people: the release train, its teams, the team members who bring capacity,
and the users' roles in the train (memberships)."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from art.rules.teams import team_initials

from .base import validate_kanban_policies, validate_time_zone, validate_wip_limits


class ReleaseTrain(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The last number given to a card of each kind in this train (art.services.common.number_card):
    # counters only go up, so a deleted card's key is never given to another.
    last_feature_number = models.PositiveIntegerField(default=0, editable=False)
    last_story_number = models.PositiveIntegerField(default=0, editable=False)
    last_dependency_number = models.PositiveIntegerField(default=0, editable=False)
    # The ART Kanban (art.rules.kanban), set by the RTE: a WIP limit per column,
    # {"in_progress": 8, ...}, and each column's policy for entering it, {"review": "..."}.
    wip_limits = models.JSONField(default=dict, blank=True, validators=[validate_wip_limits])
    kanban_policies = models.JSONField(default=dict, blank=True, validators=[validate_kanban_policies])

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
    # The initials made unique within the train (art.rules.teams.unique_initials), kept by
    # art.services.train.team_initials_refresh whenever a team of the train is added, renamed,
    # re-abbreviated or deleted: every page shows them without loading the other teams.
    shown_initials = models.CharField(max_length=8, blank=True, editable=False)
    wip_limit = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="The most features of this team in flow at once on the ART Kanban (its lane's WIP limit).",
    )
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
        """Unique within the train once a service has saved the team; its own initials before."""
        return self.shown_initials or team_initials(self.name, self.abbreviation)


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

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("user", "train")

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.train}"

    def clean(self) -> None:
        if self.role == self.Role.MEMBER and not self.team_id:
            raise ValidationError({"team": "team is required for the member role"})
        if self.role != self.Role.MEMBER and self.team_id:
            raise ValidationError({"team": "only the member role belongs to a team"})
        if self.team_id and self.train_id and self.team is not None and self.team.train_id != self.train_id:
            raise ValidationError({"team": "team must belong to the same train"})
