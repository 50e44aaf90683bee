"""SLA plans: the response and resolution targets a ticket is held to."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from sla import deadlines

# A target longer than a year is a typo, not a service level.
MAX_TARGET_MINUTES = 365 * 24 * 60


class SLAPlan(models.Model):
    """A service level (Sev A … Sev D): how soon a ticket must be answered and resolved."""

    name = models.CharField(max_length=60, unique=True)
    description = models.CharField(max_length=200, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        "first response target (minutes)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    resolution_minutes = models.PositiveIntegerField(
        "resolution target (minutes)",
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TARGET_MINUTES)],
    )
    alerts_enabled = models.BooleanField(
        default=True, help_text="Send overdue alerts and escalate when a target is missed."
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["first_response_minutes", "name"]
        verbose_name = "SLA plan"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_response_minutes__gte=1, resolution_minutes__gte=1),
                name="sla_plan_targets_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(resolution_minutes__gte=models.F("first_response_minutes")),
                name="sla_plan_resolution_after_first_response",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.first_response_minutes
            and self.resolution_minutes
            and self.resolution_minutes < self.first_response_minutes
        ):
            message = "The resolution target cannot come before the first response."
            raise ValidationError({"resolution_minutes": message})

    def due_times(self, start: datetime) -> deadlines.DueTimes:
        """The deadlines of a ticket that starts this plan's clocks at `start`."""
        return deadlines.due_times(
            start,
            first_response_minutes=self.first_response_minutes,
            resolution_minutes=self.resolution_minutes,
        )
