"""The train's week: its cadence, its calendar of events, what an ART sync records (decisions,
action items, escalations, the agenda it saw), the impediment log, and each person's secret
calendar feed.

The rules live in art/rules/events.py (which events a PI holds, and when) and
art/rules/syncs.py (what fills a sync's agenda, what carries over); the writes in
sync/services/.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from art import rules
from art.models import ProgramIncrement, ReleaseTrain, Team, VersionedModel, validate_plausible_date


def validate_sync_weekdays(value: object) -> None:
    if (
        not isinstance(value, list)
        or not 1 <= len(value) <= 2
        or any(not isinstance(d, int) or isinstance(d, bool) or not 0 <= d <= 4 for d in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(
            "sync_weekdays must be one or two different weekdays from 0 (Monday) to 4 (Friday)"
        )


def default_sync_weekdays() -> list[int]:
    return list(rules.events.Cadence().sync_weekdays)


def _minutes(low: int, high: int) -> list:
    return [MinValueValidator(low), MaxValueValidator(high)]


class SyncCadence(models.Model):
    """How a train holds its events (the RTE edits it; the defaults are the usual ones). Times
    are in the train's time zone."""

    DEFAULTS = rules.events.Cadence()

    train = models.OneToOneField(ReleaseTrain, on_delete=models.CASCADE, related_name="cadence")
    sync_weekdays = models.JSONField(default=default_sync_weekdays, validators=[validate_sync_weekdays])
    sync_time = models.TimeField(default=DEFAULTS.sync_time)
    sync_minutes = models.PositiveSmallIntegerField(
        default=DEFAULTS.sync_minutes, validators=_minutes(30, 90)
    )
    separate_syncs = models.BooleanField(
        default=False, help_text="A coach sync then a PO sync, instead of one ART sync."
    )
    coach_sync_minutes = models.PositiveSmallIntegerField(
        default=DEFAULTS.coach_sync_minutes, validators=_minutes(15, 90)
    )
    po_sync_minutes = models.PositiveSmallIntegerField(
        default=DEFAULTS.po_sync_minutes, validators=_minutes(15, 90)
    )
    demo_time = models.TimeField(default=DEFAULTS.demo_time)
    demo_minutes = models.PositiveSmallIntegerField(
        default=DEFAULTS.demo_minutes, validators=_minutes(30, 180)
    )
    ia_time = models.TimeField(default=DEFAULTS.ia_time)
    ia_minutes = models.PositiveSmallIntegerField(default=DEFAULTS.ia_minutes, validators=_minutes(180, 240))
    planning_start = models.TimeField(default=DEFAULTS.planning_start)
    planning_end = models.TimeField(default=DEFAULTS.planning_end)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(planning_end__gt=F("planning_start")),
                name="cadence_planning_ends_after_it_starts",
                violation_error_message="planning_end must be after planning_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Cadence of {self.train}"

    def as_rule(self) -> rules.events.Cadence:
        return rules.events.Cadence(
            sync_weekdays=tuple(self.sync_weekdays or self.DEFAULTS.sync_weekdays),
            sync_time=self.sync_time,
            sync_minutes=self.sync_minutes,
            separate_syncs=self.separate_syncs,
            coach_sync_minutes=self.coach_sync_minutes,
            po_sync_minutes=self.po_sync_minutes,
            demo_time=self.demo_time,
            demo_minutes=self.demo_minutes,
            ia_time=self.ia_time,
            ia_minutes=self.ia_minutes,
            planning_start=self.planning_start,
            planning_end=self.planning_end,
        )


class Event(VersionedModel):
    """One event of the train's calendar. Generated events carry their `slot` (see
    art.rules.events.pi_calendar), so that generating again updates them rather than adding
    more; `edited` marks one a person moved, renamed or cancelled, which generating keeps."""

    class Kind(models.TextChoices):
        PI_PLANNING = rules.events.PI_PLANNING, "PI planning"
        ART_SYNC = rules.events.ART_SYNC, "ART sync"
        COACH_SYNC = rules.events.COACH_SYNC, "Coach sync"
        PO_SYNC = rules.events.PO_SYNC, "PO sync"
        SYSTEM_DEMO = rules.events.SYSTEM_DEMO, "System demo"
        INSPECT_ADAPT = rules.events.INSPECT_ADAPT, "Inspect & Adapt"

    class State(models.TextChoices):
        PLANNED = "planned", "Planned"
        HELD = "held", "Held"
        CANCELLED = "cancelled", "Cancelled"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="events")
    pi = models.ForeignKey(
        ProgramIncrement, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=160)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.PLANNED)
    location = models.CharField(max_length=240, blank=True, help_text="A room or a video link.")
    notes = models.TextField(blank=True, max_length=4000)
    slot = models.CharField(max_length=40, blank=True, editable=False)
    edited = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["train", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_it_starts",
                violation_error_message="ends_at must be after starts_at",
            ),
            models.UniqueConstraint(
                fields=["pi", "slot"],
                condition=~Q(slot=""),
                name="event_one_per_pi_slot",
                violation_error_message="this PI already has this event",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="event_title_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    @property
    def is_sync(self) -> bool:
        return self.kind in rules.events.SYNC_KINDS

    @property
    def minutes(self) -> int:
        return max(1, round((self.ends_at - self.starts_at) / dt.timedelta(minutes=1)))

    def clean(self) -> None:
        errors = {}
        for name in ("starts_at", "ends_at"):
            value = getattr(self, name)
            if value is not None:
                try:
                    validate_plausible_date(value.date())
                except ValidationError as exc:
                    errors[name] = exc.messages[0].replace(str(value.date()), name, 1)
        if self.starts_at and self.ends_at and self.ends_at - self.starts_at > dt.timedelta(days=5):
            errors["ends_at"] = "an event lasts at most 5 days"
        if self.pi is not None and self.train_id and self.pi.train_id != self.train_id:
            errors["pi"] = "pi must be one of this train's PIs"
        if errors:
            raise ValidationError(errors)


class AgendaSnapshot(models.Model):
    """The agenda a sync saw, frozen when it started (the hourly job), kept with its minutes."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="agenda_snapshot")
    sections = models.JSONField()
    frozen_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Agenda of {self.event}"


class Decision(models.Model):
    """A decision taken at a sync."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="decision_text_not_empty")]

    def __str__(self) -> str:
        return self.text[:80]


class Escalation(models.Model):
    """Something a sync could not solve, sent up: to whom and why."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="escalations")
    to = models.CharField(max_length=120, help_text="Who it goes to: business owners, the portfolio, …")
    why = models.TextField(max_length=2000)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(to=""), name="escalation_to_not_empty"),
            models.CheckConstraint(condition=~Q(why=""), name="escalation_why_not_empty"),
        ]

    def __str__(self) -> str:
        return f"To {self.to}: {self.why[:60]}"


class ActionItem(VersionedModel):
    """An action item with an owner and a due date, raised at a sync (or outside one); open ones
    carry over to every later sync until done."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="action_items")
    event = models.ForeignKey(
        Event, on_delete=models.SET_NULL, null=True, blank=True, related_name="action_items"
    )
    title = models.CharField(max_length=240)
    owner = models.CharField(max_length=120)
    due_date = models.DateField(null=True, blank=True, validators=[validate_plausible_date])
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="action_item_title_not_empty"),
            models.CheckConstraint(condition=~Q(owner=""), name="action_item_owner_not_empty"),
            models.CheckConstraint(
                condition=Q(status="done", done_at__isnull=False) | Q(status="open", done_at__isnull=True),
                name="action_item_done_when_done",
                violation_error_message="done_at is set exactly when the action item is done",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.event is not None and self.train_id and self.event.train_id != self.train_id:
            raise ValidationError({"event": "event must be one of this train's events"})


class Impediment(VersionedModel):
    """Something in the way of a team or the train, logged until resolved."""

    class Category(models.TextChoices):
        DEPENDENCY = "dependency", "Dependency or integration with another team"
        REQUIREMENTS = "requirements", "Unclear requirements"
        FEEDBACK = "feedback", "Waiting on feedback"
        ENVIRONMENT = "environment", "Environment or infrastructure"
        PRIORITIES = "priorities", "People pulled onto other priorities"
        OTHER = "other", "Other"

    class Escalation(models.TextChoices):
        TEAM = "team", "Team"
        ART = "art", "ART"
        PORTFOLIO = "portfolio", "Portfolio"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    train = models.ForeignKey(ReleaseTrain, on_delete=models.CASCADE, related_name="impediments")
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="impediments"
    )
    title = models.CharField(max_length=240)
    description = models.TextField(blank=True, max_length=4000)
    category = models.CharField(max_length=16, choices=Category.choices)
    owner = models.CharField(max_length=120, blank=True)
    escalation = models.CharField(max_length=12, choices=Escalation.choices, default=Escalation.TEAM)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["train", "status"])]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="impediment_title_not_empty"),
            models.CheckConstraint(
                condition=Q(status="resolved", resolved_at__isnull=False)
                | Q(status="open", resolved_at__isnull=True),
                name="impediment_resolved_when_resolved",
                violation_error_message="resolved_at is set exactly when the impediment is resolved",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def clean(self) -> None:
        if self.team is not None and self.train_id and self.team.train_id != self.train_id:
            raise ValidationError({"team": "team must be one of this train's teams"})


class CalendarFeed(models.Model):
    """A person's secret calendar feed: its URL is signed from this nonce with the site's secret
    key, so that regenerating the nonce makes the old URL answer 404."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    nonce = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
