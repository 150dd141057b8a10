"""The train's calendar: program increments, their iterations and milestones, and the days team
members are away in an iteration (absences)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from .base import validate_plausible_date
from .trains import ReleaseTrain, TeamMember

#: A PI is 8–12 weeks in SAFe; longer than half a year is a mistake (product rule).
MAX_PI_DAYS = 26 * 7


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

    #: What __str__ follows, fetched along where many rows are named (art.services.common.named).
    str_related = ("member", "iteration")

    def __str__(self) -> str:
        return f"{self.member} away {self.days} d in {self.iteration}"

    def clean(self) -> None:
        if self.days is not None and self.iteration_id and self.days > self.iteration.workdays:
            raise ValidationError(
                {"days": f"days must be between 0 and the iteration's {self.iteration.workdays} workdays"}
            )
        if self.member_id and self.iteration_id and self.member.team.train_id != self.iteration.pi.train_id:
            raise ValidationError({"iteration": "iteration must belong to the member's train"})
